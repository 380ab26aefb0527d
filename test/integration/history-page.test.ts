// The status page's history charts in headless Chromium, against a real collector process: one device
// fed by a real agent for a few seconds, one fed a synthetic day of history through the normal ingest
// path (reports made hours ago, sent now), with boots, an unclean shutdown and backup runs in them,
// and an inspection and a maintenance window recorded through the API. The page must draw exactly
// what was fed — the number of points per chart, each overlay at its time — switch ranges without a
// reload, keep the raw values behind a toggle, and run under the strict CSP without a violation.
// Then the same collector with prometusUrl pointing at the shared real Prometheus says "Prometheus"
// and draws the same series for the real agent.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceHistory, Sparklines } from '../../collector/history/api.js';
import { makeReport } from '../helpers/reports.js';
import { launchChromium, screenshot } from './fixtures/browser.js';
import { cliPath, freePort, startCli, waitFor, type Proc } from './fixtures/processes.js';
import { configurePrometheus, prometheusUrl, suiteTimer, waitForSeries } from './fixtures/prometheus.js';

const REAL = 'hp-real-01';
const SYN = 'hp-synthetic-01';
const SITE = '上海-浦东';
const TOKENS = { [REAL]: 'history-page-real-token-0123', [SYN]: 'history-page-synthetic-token-0123' };
const ARTIFACTS = 'history-page';
const MIN = 60_000;

/**
 * One synthetic report every 29 minutes, the newest 20 minutes ago: each in its own minute and
 * quarter hour, every quarter hour closed (rolled up into the 15-minute tier) by now.
 */
const REPORTS = 40;
const ageMinutes = (i: number) => 20 + i * 29;
const cpuOf = (i: number) => 0.1 + (i % 10) * 0.05;

describe('history charts in a browser', () => {
  let dir: string;
  let collector: Proc;
  let agent: Proc;
  let base: string;
  let port: number;
  let browser: Browser;
  const t0 = Date.now();
  // Fed moments (ms), rounded to what a report can say (timestamps in seconds).
  const sec = (ms: number) => Math.round(ms / 1000) * 1000;
  const boots = [sec(t0 - 20 * 60 * MIN), sec(t0 - 10 * 60 * MIN)];
  const unclean = sec(t0 - (10 * 60 + 5) * MIN);
  const backups = [
    { at: sec(t0 - 18 * 60 * MIN), result: 'ok' },
    { at: sec(t0 - 6 * 60 * MIN), result: 'corrupt' },
  ];
  let inspectionAt = 0;
  let maintenance = { startsMs: 0, endsMs: 0 };
  /** The real agent's charts as the embedded source drew them: chart, lines, overlays. */
  let embeddedShape: string[][] = [];
  const done = suiteTimer('history-page');

  let passwordHash: string | undefined;
  const configFile = (extra: Record<string, unknown> = {}) =>
    writeFile(
      join(dir, 'collector.yaml'),
      JSON.stringify({
        listen: { host: '127.0.0.1', port },
        stateDir: join(dir, 'collector-state'),
        devices: Object.entries(TOKENS).map(([name, token]) => ({ name, token, site: SITE })),
        users: [{ name: 'tech', role: 'technician', passwordHash: (passwordHash ??= execFileSync(process.execPath, [cliPath, 'user', 'hash-password'], { input: 'tech-password-1\n', encoding: 'utf8', timeout: 20_000 }).trim()) }],
        statusPage: { evaluateEverySeconds: 0.2, refreshSeconds: 3600 },
        history: { flushEverySeconds: 0.3 },
        grafanaUrl: 'http://127.0.0.1:3000/grafana',
        log: { level: 'warn' },
        ...extra,
      }),
    );
  const startCollector = async () => {
    collector = startCli(['collector', '--config', join(dir, 'collector.yaml')]);
    await waitFor('the collector', async () => ((await fetch(`${base}/healthz`).catch(() => undefined))?.ok ? true : undefined)).catch((e: Error) => {
      throw new Error(`${e.message}\n${collector.output()}`);
    });
  };
  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${base}${path}`);
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };

  /** The synthetic day, oldest first, through POST /api/v1/reports as an agent's outbox replays it. */
  const feedSynthetic = async () => {
    const startedAt = t0 - 21 * 60 * MIN;
    const sentAt = Date.now();
    for (let i = REPORTS - 1; i >= 0; i--) {
      const createdAt = t0 - ageMinutes(i) * MIN;
      const report = makeReport({ device: SYN, site: SITE, seq: REPORTS - i, createdAt, sentAt, intervalSeconds: 60, agent: { version: '0.1.0', platform: 'linux', startedAt } });
      const boot = createdAt > boots[1]! ? boots[1]! : boots[0]!;
      const backup = [...backups].reverse().find((b) => b.at < createdAt);
      report.samples = [
        { metric: 'stationwatch_cpu_utilisation_ratio', value: cpuOf(i) },
        { metric: 'stationwatch_memory_utilisation_ratio', value: 0.5 },
        { metric: 'stationwatch_memory_total_bytes', value: 16 * 2 ** 30 },
        { metric: 'stationwatch_boot_timestamp_seconds', value: boot / 1000 },
        ...(createdAt > boots[1]! ? [{ metric: 'stationwatch_last_unclean_shutdown_timestamp_seconds', value: unclean / 1000 }] : []),
        ...(backup
          ? [
              { metric: 'stationwatch_backup_last_run_timestamp_seconds', labels: { backup_job: 'nightly' }, value: backup.at / 1000 },
              ...['ok', 'failed', 'corrupt', 'missing'].map((r) => ({ metric: 'stationwatch_backup_last_result', labels: { backup_job: 'nightly', result: r }, value: r === backup.result ? 1 : 0 })),
            ]
          : []),
      ];
      const res = await fetch(`${base}/api/v1/reports`, { method: 'POST', headers: { authorization: `Bearer ${TOKENS[SYN]}`, 'content-type': 'application/json' }, body: JSON.stringify(report) });
      if (res.status >= 300) throw new Error(`report ${i} refused: ${res.status} ${await res.text()}`);
    }
  };

  /** A page that records every CSP violation and console error. */
  const newPage = async (opts: { locale?: string; width?: number } = {}): Promise<{ context: BrowserContext; page: Page; problems: string[] }> => {
    const context = await browser.newContext({ locale: opts.locale ?? 'en-GB', viewport: { width: opts.width ?? 1200, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    // A failed load is recorded with its URL below; the browser's own favicon request is not ours.
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) problems.push(`${r.status()} ${r.url()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.exposeFunction('reportViolation', (text: string) => problems.push(`CSP: ${text}`));
    // Runs in the page (the test's own types have no DOM).
    await page.addInitScript(`document.addEventListener('securitypolicyviolation', (e) => window.reportViolation(e.violatedDirective + ' ' + e.blockedURI))`);
    return { context, page, problems };
  };
  const ready = (page: Page, range: string) => page.waitForSelector(`#charts[data-state=ready][data-range="${range}"]`, { timeout: 10_000 });
  const figure = (page: Page, chart: string) => page.locator(`#charts figure[data-chart="${chart}"]`);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stationwatch-history-page-'));
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    await configFile();
    await startCollector();
    await writeFile(join(dir, 'agent.yaml'), `device: ${REAL}\nsite: ${SITE}\ncollector: { url: "${base}", token: ${TOKENS[REAL]} }\nintervals: { fastSeconds: 1, slowSeconds: 60 }\nstateDir: ${join(dir, 'agent-state')}\nlog: { level: warn }\n`);
    agent = startCli(['agent', '--config', join(dir, 'agent.yaml')]);
    // The shared real Prometheus scrapes the collector from the start, for the last test.
    await configurePrometheus([{ job_name: 'history-page', honor_labels: true, static_configs: [{ targets: [`127.0.0.1:${port}`] }] }]);
    const [token] = await Promise.all([
      (async () => {
        const res = await fetch(`${base}/api/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'tech', password: 'tech-password-1' }) });
        return ((await res.json()) as { token: string }).token;
      })(),
      feedSynthetic(),
      browser === undefined ? launchChromium().then((b) => (browser = b)) : undefined,
    ]);
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const insp = (await (await fetch(`${base}/api/v1/inspections`, { method: 'POST', headers: auth, body: JSON.stringify({ device: SYN, result: 'fault', note: 'fan rattles' }) })).json()) as { atMs: number };
    inspectionAt = insp.atMs;
    const m = (await (await fetch(`${base}/api/v1/maintenance`, { method: 'POST', headers: auth, body: JSON.stringify({ device: SYN, hours: 0.25, reason: 'fan swap' }) })).json()) as { startsMs: number; endsMs: number };
    maintenance = { startsMs: m.startsMs, endsMs: m.endsMs };
    // The writer flushes closed minutes every 0.3 s: wait until the whole synthetic day is readable.
    await waitFor('the synthetic history', async () => {
      const h = await api<DeviceHistory>(`/api/v1/history/devices/${SYN}?range=24h`);
      const cpu = h.charts.find((c) => c.id === 'cpu');
      return cpu && cpu.lines[0]!.avg.filter((v) => v !== null).length === REPORTS && h.overlays.filter((o) => o.kind === 'backup').length === 2 ? h : undefined;
    }, 10_000, 200);
  });

  afterAll(async () => {
    await configurePrometheus([]).catch(() => undefined);
    await browser?.close();
    await agent?.stop();
    await collector?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    done();
  });

  it('draws the synthetic day: a point per report, every overlay at its time, the summary as text', async () => {
    const { context, page, problems } = await newPage();
    await page.goto(`${base}/devices/${SYN}`);
    await ready(page, '24h');
    await expect(page.locator('#chart-source').innerText()).resolves.toBe('Source: collector history');
    const cpu = figure(page, 'cpu');
    expect(await cpu.getAttribute('data-points')).toBe(String(REPORTS));
    // Text alternative: min/max/last over the range, the number of events.
    const fed = Array.from({ length: REPORTS }, (_, i) => cpuOf(i));
    const caption = await cpu.locator('figcaption').innerText();
    expect(caption).toContain(`min ${Math.round(Math.min(...fed) * 100)} %`);
    expect(caption).toContain(`max ${Math.round(Math.max(...fed) * 100)} %`);
    expect(caption).toContain(`last ${Math.round(cpuOf(0) * 100)} %`);
    // Overlays of the CPU chart: both boots, the unclean shutdown, the inspection, the maintenance
    // window, and the resources state changes the collector recorded (from the API: evaluation's own).
    const h = await api<DeviceHistory>(`/api/v1/history/devices/${SYN}?range=24h`);
    const stateTimes = h.overlays.filter((o) => o.kind === 'state' && o.indicator === 'resources').map((o) => o.atMs);
    const times = (await cpu.getAttribute('data-overlay-times'))!.split(',').map(Number);
    expect(times.sort()).toEqual([...boots, unclean, inspectionAt, maintenance.startsMs, ...stateTimes].sort());
    expect(await cpu.getAttribute('data-overlays')).toBe(String(5 + stateTimes.length));
    expect(await cpu.locator('.ov[data-kind=boot]').count()).toBe(2);
    await expect(cpu.locator('.ov[data-kind=inspection]').getAttribute('title')).resolves.toMatch(/Inspection: .*fan rattles/);
    // Each marker sits where its time is on the x axis (within 1 % of the plot's width).
    const positions = await cpu.locator('.ov[data-kind=boot], .ov[data-kind=unclean_shutdown]').evaluateAll((els) => els.map((e) => ({ at: Number(e.getAttribute('data-at')), left: parseFloat((e as unknown as { style: { left: string } }).style.left), width: e.parentElement!.clientWidth })));
    for (const p of positions) expect(Math.abs(p.left / p.width - (p.at - h.fromMs) / (h.toMs - h.fromMs))).toBeLessThan(0.01);
    // Backup runs on the backup chart, with their outcome.
    const backup = figure(page, 'backup_result');
    expect((await backup.getAttribute('data-overlay-times'))!.split(',').map(Number)).toEqual(expect.arrayContaining(backups.map((b) => b.at)));
    expect(await backup.locator('.ov.ov-backup.ov-corrupt').count()).toBe(1);
    expect(await backup.locator('.ov.ov-backup.ov-ok').count()).toBe(1);
    // Grouped by indicator, the threshold lines from the catalog given to the chart.
    expect(await page.locator('#charts section.chart-group[data-group=resources] figure[data-chart=cpu]').count()).toBe(1);
    expect((await cpu.getAttribute('data-thresholds'))!.split(',').length).toBeGreaterThanOrEqual(1);
    await screenshot(page, ARTIFACTS, 'device-24h');

    // A range switch: no reload (a marker on window survives), the URL remembers it.
    await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = 42));
    await page.click('#chart-ranges button[data-range="7d"]');
    await ready(page, '7d');
    expect(await page.locator('#chart-ranges button[data-range="7d"]').getAttribute('aria-pressed')).toBe('true');
    expect(await figure(page, 'cpu').getAttribute('data-points')).toBe(String(REPORTS));
    expect(await page.evaluate(() => (globalThis as unknown as { marker: number }).marker)).toBe(42);
    expect(new URL(page.url()).searchParams.get('range')).toBe('7d');
    expect(await page.locator('#grafana-link').getAttribute('href')).toContain('from=now-7d');
    await page.click('#chart-ranges button[data-range="1h"]');
    await ready(page, '1h');
    expect(await figure(page, 'cpu').getAttribute('data-points')).toBe(String(Array.from({ length: REPORTS }, (_, i) => ageMinutes(i)).filter((a) => a < 60).length));

    // The readable summary is shown; the raw table is behind a toggle.
    await expect(page.locator('#values-summary tr[data-metric=stationwatch_memory_total_bytes] td').innerText()).resolves.toBe('16 GiB');
    expect(await page.locator('#values').isVisible()).toBe(false);
    await page.click('#raw-values summary');
    expect(await page.locator('#values').isVisible()).toBe(true);
    await expect(page.locator('#values').innerText()).resolves.toContain('memory_total_bytes');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('the fleet page: a sparkline per card, the site timeline with its ranges, usable at 390 px', async () => {
    const sparks = await api<Sparklines>(`/api/v1/history/sparklines?site=${encodeURIComponent(SITE)}`);
    for (const width of [1200, 390]) {
      const { context, page, problems } = await newPage({ width });
      await page.goto(`${base}/?site=${encodeURIComponent(SITE)}`);
      await page.waitForSelector('#site-timelines[data-state=ready]', { timeout: 10_000 });
      const syn = page.locator(`[data-device="${SYN}"] .spark .spark-line`);
      await syn.first().waitFor({ timeout: 10_000 });
      const expected = sparks.sparklines.filter((s) => s.device === SYN);
      expect(await syn.count()).toBe(expected.length);
      expect(await syn.first().getAttribute('data-points')).toBe(String(expected[0]!.values.filter((v) => v !== null).length));
      expect(Number(await syn.first().getAttribute('data-points'))).toBeGreaterThan(0);
      await expect(syn.first().locator('svg').getAttribute('aria-label')).resolves.toMatch(/last 24 h: min .+, max .+, last .+/);
      const timeline = page.locator(`#site-timelines figure[data-site="${SITE}"]`);
      expect(await timeline.getAttribute('data-range')).toBe('24h');
      const tl = await api<{ abnormal: (number | null)[] }>(`/api/v1/history/sites/${encodeURIComponent(SITE)}/timeline?range=24h`);
      expect(await timeline.getAttribute('data-points')).toBe(String(tl.abnormal.filter((v) => v !== null).length));
      await page.click('#timeline-ranges button[data-range="7d"]');
      await page.waitForSelector(`#site-timelines[data-state=ready][data-range="7d"]`);
      expect(await timeline.getAttribute('data-range')).toBe('7d');
      expect(await page.locator('#grafana-link').getAttribute('href')).toContain('/grafana/d/stationwatch-fleet?var-site=');
      // Nothing wider than the phone: no sideways scrolling.
      if (width === 390) expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      if (width === 390) await screenshot(page, ARTIFACTS, 'fleet-390');
      expect(problems).toEqual([]);
      await context.close();
    }
  });
  it('the real agent\'s device in Chinese on a phone: its own charts, a Grafana link to its dashboard', async () => {
    // Readers merge what the writer holds in memory: the agent's last seconds are on the chart.
    await waitFor('the agent\'s history', async () => {
      const h = await api<DeviceHistory>(`/api/v1/history/devices/${REAL}?range=1h`);
      return h.charts.find((c) => c.id === 'cpu')?.lines[0]?.avg.some((v) => v !== null) ? true : undefined;
    }, 5_000, 100);
    const { context, page, problems } = await newPage({ locale: 'zh-CN', width: 390 });
    await page.goto(`${base}/devices/${REAL}?range=1h`);
    await ready(page, '1h');
    await expect(page.locator('#chart-source').innerText()).resolves.toBe('数据来源: 采集端历史数据');
    expect(Number(await figure(page, 'cpu').getAttribute('data-points'))).toBeGreaterThanOrEqual(1);
    await expect(figure(page, 'cpu').locator('figcaption').innerText()).resolves.toMatch(/CPU 使用率[\s\S]*最小 .+ %.*最大 .+ %/);
    const grafana = new URL((await page.locator('#grafana-link').getAttribute('href'))!);
    expect(grafana.pathname).toBe('/grafana/d/stationwatch-device-zh');
    expect(grafana.searchParams.get('var-device')).toBe(REAL);
    expect(grafana.searchParams.get('var-site')).toBe(SITE);
    // On a phone the charts take the screen's width, none wider.
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    embeddedShape = await page.locator('#charts figure').evaluateAll((fs) => fs.map((f) => [f.getAttribute('data-chart')!, f.getAttribute('data-lines')!, f.getAttribute('data-overlays')!]));
    expect(problems).toEqual([]);
    await context.close();
  });


  it('with prometheusUrl the same page reads the real Prometheus, says so, and draws the same series', async () => {
    expect(embeddedShape.length).toBeGreaterThan(0);
    await waitForSeries(`stationwatch_cpu_utilisation_ratio{device="${REAL}"}`);
    await collector.stop();
    await configFile({ prometheusUrl: prometheusUrl() });
    await startCollector();
    const { context, page, problems } = await newPage();
    await page.goto(`${base}/devices/${REAL}?range=1h`);
    await ready(page, '1h');
    await expect(page.locator('#chart-source').innerText()).resolves.toBe('Source: Prometheus');
    expect(await page.locator('#charts').getAttribute('data-source')).toBe('prometheus');
    expect(Number(await figure(page, 'cpu').getAttribute('data-points'))).toBeGreaterThanOrEqual(1);
    // Every chart the agent's own series made (not the collector's view: reporting, clock offset),
    // with as many lines; overlays come from the store either way (the restart added state changes).
    const fromAgent = (rows: string[][]) => rows.filter(([id]) => id !== 'reporting' && id !== 'clock_offset').map(([id, lines]) => [id, lines]);
    const promShape = await page.locator('#charts figure').evaluateAll((fs) => fs.map((f) => [f.getAttribute('data-chart')!, f.getAttribute('data-lines')!, f.getAttribute('data-overlays')!]));
    expect(fromAgent(promShape)).toEqual(fromAgent(embeddedShape));
    expect(problems).toEqual([]);
    await context.close();
  });
});
