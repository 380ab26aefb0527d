// The status page as people use it, in headless Chromium: a real collector process with a real
// agent, a second device whose reports the test drives past a threshold, technicians and viewers
// logging in, inspections recorded through the form and with the CLI, maintenance that becomes a
// silence in the shared real Alertmanager, a CSV export whose KPI columns come from the shared real
// Prometheus, and a collector restart that loses nothing. Screenshots: test/artifacts/status-page/.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { generateRules } from '../../alerts/generate-rules.js';
import { parseOverrides } from '../../alerts/overrides.js';
import { makeReport } from '../helpers/reports.js';
import { launchChromium, screenshot } from './fixtures/browser.js';
import { cliPath, freePort, startCli, waitFor, type Proc } from './fixtures/processes.js';
import { configurePrometheus, query, suiteTimer, waitForSeries } from './fixtures/prometheus.js';

const REAL = 'sp-pc-01';
const DRIVEN = 'sp-pc-02';
const TOKENS = { [REAL]: 'status-page-real-token-0123', [DRIVEN]: 'status-page-driven-token-0123' };
const SITE = '深圳-福田';
const OVERRIDES = 'thresholds:\n  resources: { cpuHighFor: 2s, cpuCriticalFor: 2s }\n  inspection: { overdueAfter: 20s }\n';
const ARTIFACTS = 'status-page';

describe('status page in a browser', () => {
  let dir: string;
  let collector: Proc;
  let agent: Proc;
  let base: string;
  let browser: Browser;
  let driving: NodeJS.Timeout | undefined;
  let drivenCpu = 0.3;
  let seq = 0;
  const startedAt = Date.now();
  const done = suiteTimer('status-page');

  const startCollector = async () => {
    collector = startCli(['collector', '--config', join(dir, 'collector.yaml')]);
    await waitFor('the collector', async () => ((await fetch(`${base}/healthz`)).ok ? true : undefined)).catch((e: Error) => {
      throw new Error(`${e.message}\n${collector.output()}`);
    });
  };
  const drive = async () => {
    const now = Date.now();
    const report = makeReport({ device: DRIVEN, site: SITE, seq: ++seq, createdAt: now, sentAt: now, intervalSeconds: 1, agent: { version: '0.1.0', platform: 'linux', startedAt } });
    report.samples = [
      { metric: 'stationwatch_cpu_utilisation_ratio', value: drivenCpu },
      { metric: 'stationwatch_memory_utilisation_ratio', value: 0.5 },
    ];
    await fetch(`${base}/api/v1/reports`, { method: 'POST', headers: { authorization: `Bearer ${TOKENS[DRIVEN]}`, 'content-type': 'application/json' }, body: JSON.stringify(report) }).catch(() => undefined);
  };
  const newPage = async (locale = 'en-GB', width = 1200): Promise<{ context: BrowserContext; page: Page }> => {
    const context = await browser.newContext({ locale, viewport: { width, height: 900 } });
    return { context, page: await context.newPage() };
  };
  const logIn = async (page: Page, user: string, password: string, next = '/') => {
    await page.goto(`${base}/login?next=${encodeURIComponent(next)}`);
    await page.fill('#user', user);
    await page.fill('#password', password);
    await Promise.all([page.waitForURL(`${base}${next}`), page.click('main button[type=submit]')]);
  };
  const badge = (page: Page, device: string, indicator: string) => page.locator(`[data-device="${device}"] [data-indicator="${indicator}"]`);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stationwatch-status-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // Hashes made the way an administrator makes them: `stationwatch user hash-password`.
    const hash = (password: string) => execFileSync(process.execPath, [cliPath, 'user', 'hash-password'], { input: `${password}\n`, encoding: 'utf8' }).trim();
    const users = [
      { name: 'tech', role: 'technician', passwordHash: hash('tech-password-1') },
      { name: 'viewer', role: 'viewer', passwordHash: hash('viewer-password-1') },
    ];
    await writeFile(join(dir, 'site.yaml'), OVERRIDES);
    await writeFile(
      join(dir, 'collector.yaml'),
      JSON.stringify({
        listen: { host: '127.0.0.1', port },
        stateDir: join(dir, 'collector-state'),
        overridesFile: 'site.yaml',
        prometheusUrl: inject('prometheusUrl'),
        alertmanagerUrl: inject('alertmanagerUrl'),
        devices: Object.entries(TOKENS).map(([name, token]) => ({ name, token, site: SITE })),
        users,
        statusPage: { evaluateEverySeconds: 1, refreshSeconds: 1 },
        log: { level: 'warn' },
      }),
    );
    await writeFile(join(dir, 'agent.yaml'), `device: ${REAL}\nsite: ${SITE}\ncollector: { url: "${base}", token: ${TOKENS[REAL]} }\nintervals: { fastSeconds: 1, slowSeconds: 60 }\nstateDir: ${join(dir, 'agent-state')}\nlog: { level: warn }\n`);
    await startCollector();
    agent = startCli(['agent', '--config', join(dir, 'agent.yaml')]);
    driving = setInterval(() => void drive(), 1000);
    await waitFor('the agent\'s first report', async () => ((await (await fetch(`${base}/api/devices/${REAL}`)).json()) as { reporting: boolean }).reporting || undefined);
    // Prometheus evaluates the very rules the page's thresholds come from (same override file).
    await writeFile(join(dir, 'rules.yml'), generateRules(parseOverrides(OVERRIDES, 'site.yaml')));
    await configurePrometheus([{ job_name: 'status-page', honor_labels: true, static_configs: [{ targets: [`127.0.0.1:${port}`] }] }], [join(dir, 'rules.yml')]);
    browser = await launchChromium();
  });

  afterAll(async () => {
    clearInterval(driving);
    await browser?.close();
    await agent?.stop();
    await collector?.stop();
    await configurePrometheus([]);
    if (dir) await rm(dir, { recursive: true, force: true });
    done();
  });

  it('lists the real agent\'s device with its badges', async () => {
    const { context, page } = await newPage();
    await page.goto(base);
    await expect.poll(() => badge(page, REAL, 'resources').getAttribute('data-state'), { timeout: 15_000 }).toMatch(/normal|abnormal/);
    await expect(page.locator(`[data-device="${REAL}"] h3`).innerText()).resolves.toBe(REAL);
    expect(await page.locator(`[data-device="${REAL}"] [data-indicator]`).count()).toBeGreaterThan(5);
    await screenshot(page, ARTIFACTS, 'list-en');
    await context.close();
  });

  it('a report driven past the CPU threshold turns the badge abnormal without a reload', async () => {
    const { context, page } = await newPage();
    await page.goto(`${base}/?site=${encodeURIComponent(SITE)}`);
    await expect.poll(() => badge(page, DRIVEN, 'resources').getAttribute('data-state'), { timeout: 15_000 }).toBe('normal');
    await page.evaluate(() => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true));
    drivenCpu = 0.99;
    await expect.poll(() => badge(page, DRIVEN, 'resources').getAttribute('data-state'), { timeout: 20_000 }).toBe('abnormal');
    expect(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    expect(await badge(page, DRIVEN, 'resources').innerText()).toMatch(/Abnormal/);
    await screenshot(page, ARTIFACTS, 'cpu-abnormal');
    // The device's history has the change with the reading behind it.
    await page.goto(`${base}/devices/${DRIVEN}`);
    expect(await page.locator('#history tr[data-indicator="resources"][data-to="abnormal"]').first().innerText()).toContain('0.99');
    await context.close();
  });

  it('a technician records an inspection through the form: history shows it, "inspection overdue" clears', async () => {
    const { context, page } = await newPage('en-GB', 390); // a phone, on the floor
    await page.goto(`${base}/devices/${REAL}`);
    // Never inspected: overdue once the collector has known the device for the (test) period.
    await expect.poll(() => page.locator('#live-state [data-indicator="inspection"]').getAttribute('data-state'), { timeout: 40_000, interval: 1000 }).toBe('abnormal');
    await screenshot(page, ARTIFACTS, 'inspection-overdue-phone');
    await logIn(page, 'tech', 'tech-password-1', `/devices/${REAL}`);
    await page.check('input[name="result"][value="ok"]');
    await page.fill('#note', 'Fans quiet, cables intact / 风扇无异响，线缆完好');
    await Promise.all([page.waitForURL(/saved=1/), page.click('form[action$="/inspections"] button[type=submit]')]);
    expect(await page.locator('#inspections').innerText()).toContain('风扇无异响，线缆完好');
    expect(await page.locator('#inspections').innerText()).toContain('tech');
    expect(await page.locator('#live-state [data-indicator="inspection"]').getAttribute('data-state')).toBe('normal');
    expect(await page.locator('#history tr[data-indicator="inspection"][data-to="normal"]').count()).toBe(1);
    await screenshot(page, ARTIFACTS, 'inspection-recorded-phone');
    await context.close();
  });

  it('a viewer sees no inspection form and cannot record one', async () => {
    const { context, page } = await newPage();
    await logIn(page, 'viewer', 'viewer-password-1', `/devices/${DRIVEN}`);
    expect(await page.locator('form[action$="/inspections"]').count()).toBe(0);
    expect(await page.locator('main').innerText()).toContain('needs a technician account');
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
    const res = await page.request.post(`${base}/devices/${DRIVEN}/inspections`, { form: { _csrf: csrf, result: 'ok', note: 'viewer tries' }, maxRedirects: 0 });
    expect(res.status()).toBe(403);
    const listed = (await (await fetch(`${base}/api/v1/devices/${DRIVEN}/inspections`)).json()) as { inspections: unknown[] };
    expect(listed.inspections).toEqual([]);
    await context.close();
  });

  it('the Chinese interface renders for a Chinese browser', async () => {
    const { context, page } = await newPage('zh-CN', 390);
    await page.goto(base);
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    expect(await page.locator('main h2').first().innerText()).toBe('设备状态');
    expect(await badge(page, DRIVEN, 'resources').innerText()).toMatch(/CPU、内存与磁盘使用: 异常/);
    await screenshot(page, ARTIFACTS, 'list-zh-phone');
    await page.click(`a[href="/devices/${REAL}"]`);
    expect(await page.locator('#h-insp').innerText()).toBe('物理检查');
    await screenshot(page, ARTIFACTS, 'device-zh-phone');
    await context.close();
  });

  it('maintenance set on the page becomes an Alertmanager silence, and ending it expires the silence', async () => {
    const am = inject('alertmanagerUrl');
    const { context, page } = await newPage();
    await logIn(page, 'tech', 'tech-password-1', `/devices/${DRIVEN}`);
    await page.fill('#hours', '1.5');
    await page.fill('#reason', '更换打印机硒鼓 / replacing the drum');
    await Promise.all([page.waitForURL(/saved=1/), page.click('form[action$="/maintenance"] button[type=submit]')]);
    expect(await page.locator('#live-state .maint').innerText()).toContain('更换打印机硒鼓');
    type Silence = { id: string; status: { state: string }; matchers: { name: string; value: string }[]; createdBy: string };
    const silences = async () => ((await (await fetch(`${am}/api/v2/silences`)).json()) as Silence[]).filter((s) => s.matchers.some((x) => x.name === 'device' && x.value === DRIVEN));
    const [silence] = await silences();
    expect(silence).toMatchObject({ status: { state: 'active' }, createdBy: 'tech' });
    expect(await page.locator('#h-maint ~ div').innerText()).toContain(silence!.id);
    await screenshot(page, ARTIFACTS, 'maintenance');
    await Promise.all([page.waitForURL(/saved=1/), page.click('form[action*="/maintenance/"][action$="/end"] button')]);
    await expect.poll(async () => (await silences())[0]?.status.state, { timeout: 10_000 }).toBe('expired');
    await context.close();
  });

  it('`stationwatch inspect` records an inspection as a technician', async () => {
    const run = (args: string[]) => {
      const p = startCli(['inspect', ...args, '--collector', base, '--user', 'tech'], { STATIONWATCH_PASSWORD: 'tech-password-1' });
      return new Promise<{ code: number | null; out: string }>((resolve) => p.child.once('exit', (code) => setTimeout(() => resolve({ code, out: p.output() }), 50)));
    };
    const rec = await run(['record', '--device', DRIVEN, '--result', 'fault', '--note', 'paper jam rollers worn / 搓纸轮磨损']);
    expect(rec.out).toMatch(/recorded inspection \d+ of sp-pc-02/);
    expect(rec.code).toBe(0);
    const list = await run(['list', '--device', DRIVEN]);
    expect(list.out).toContain('fault\ttech\tpaper jam rollers worn / 搓纸轮磨损');
    const bad = await run(['record', '--device', DRIVEN, '--result', 'meh']);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('--result must be ok or fault');
  });

  it('exports CSV with the KPI columns from Prometheus\' recording rules', async () => {
    const series = await waitForSeries(`stationwatch:device_failure_ratio:avg_1d{device="${DRIVEN}"} > 0`, 40_000);
    expect(Number(series[0]!.value[1])).toBeGreaterThan(0);
    const res = await fetch(`${base}/export/devices.csv`);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const [header, ...rows] = bytes.toString('utf8').replace(/^\uFEFF/, '').trim().split('\r\n');
    const cols = header!.split(',');
    expect(cols).toEqual(expect.arrayContaining(['failure_ratio_day', 'failure_ratio_week', 'failure_ratio_quarter']));
    const driven = rows.map((r) => r.split(',')).find((r) => r[0] === DRIVEN)!;
    expect(driven[1]).toBe(SITE);
    const day = Number(driven[cols.indexOf('failure_ratio_day')]);
    expect(day).toBeGreaterThan(0);
    expect(day).toBeLessThanOrEqual(1);
    // The column is Prometheus' number, not a second calculation.
    const [own] = (await query(`stationwatch:device_failure_ratio:avg_1d{device="${DRIVEN}"}`)).sort((a, b) => Object.keys(a.metric).length - Object.keys(b.metric).length);
    const now = Number(own!.value[1]);
    expect(Math.abs(day - now), `${header}\n${driven.join(',')}\nPrometheus: ${now}`).toBeLessThan(0.2);
    const events = await (await fetch(`${base}/export/events.csv`)).text();
    expect(events).toContain(`,${DRIVEN},${SITE},resources,normal,abnormal,`);
  });

  it('history, inspections and users survive a collector restart', async () => {
    const before = (await (await fetch(`${base}/api/v1/devices/${REAL}/inspections`)).json()) as { inspections: { note: string }[] };
    expect(before.inspections).toHaveLength(1);
    await collector.stop();
    await startCollector();
    const { context, page } = await newPage();
    await logIn(page, 'tech', 'tech-password-1', `/devices/${REAL}`);
    expect(await page.locator('#inspections').innerText()).toContain('风扇无异响，线缆完好');
    expect(await page.locator('#history tr[data-indicator="inspection"][data-to="normal"]').count()).toBe(1);
    await page.goto(`${base}/devices/${DRIVEN}`);
    expect(await page.locator('#history tr[data-indicator="resources"][data-to="abnormal"]').count()).toBeGreaterThan(0);
    expect(await page.locator('#inspections').innerText()).toContain('搓纸轮磨损');
    await screenshot(page, ARTIFACTS, 'after-restart');
    await context.close();
  });
});
