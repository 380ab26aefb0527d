// `npm run screenshots`: the README's pictures of the status page (docs/screenshots/*.png), made the
// way a user would see them — a real collector (dist/, a private state directory, loopback only) fed a
// week of synthetic history through the normal ingest path (reports made in the past, sent now), with
// an inspection and a maintenance window recorded through the API, photographed by Debian's Chromium
// (playwright-core, never a downloaded browser) in English and 简体中文, and the fleet at phone width.
// Everything it starts is killed by its deadline.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { packageRoot } from '../common/package-root.js';
import { SCHEMA_VERSION, type Report, type Sample } from '../protocol/report.js';

const DEADLINE_MS = 180_000;
const MIN = 60_000;
const root = packageRoot();
const cli = join(root, 'dist', 'cli', 'stationwatch.js');
const out = join(root, 'docs', 'screenshots');

interface Device {
  name: string;
  site: string;
  token: string;
  /** 0..1: how busy the machine is on a working day. */
  load: number;
  hot?: boolean;
}

const devices: Device[] = [
  { name: 'counter-pc-01', site: '深圳-福田', token: 'screenshots-token-counter-pc-01', load: 0.35 },
  { name: 'counter-pc-02', site: '深圳-福田', token: 'screenshots-token-counter-pc-02', load: 0.55, hot: true },
  { name: 'counter-pc-03', site: '深圳-福田', token: 'screenshots-token-counter-pc-03', load: 0.2 },
  { name: 'teller-01', site: '广州-天河', token: 'screenshots-token-teller-01-abc', load: 0.3 },
  { name: 'teller-02', site: '广州-天河', token: 'screenshots-token-teller-02-abc', load: 0.45 },
];
const MAIN = devices[0]!;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Office hours make the day's curve: busy 9–18 local time, a lunch dip, quiet nights. */
function busy(d: Device, atMs: number, i: number): number {
  const h = new Date(atMs).getHours() + new Date(atMs).getMinutes() / 60;
  const office = h >= 9 && h < 18 ? (h >= 12 && h < 13.5 ? 0.6 : 1) : 0.15;
  const noise = 0.08 * Math.sin(i * 1.7) + 0.05 * Math.sin(i * 0.37);
  return Math.min(0.99, Math.max(0.02, d.load * office + noise + 0.05));
}

function report(d: Device, atMs: number, sentAt: number, seq: number, startedAt: number, nowMs: number): Report {
  const cpu = d.hot && nowMs - atMs < 40 * MIN ? 0.97 : busy(d, atMs, seq);
  const boots = [nowMs - 6 * 86_400_000 - 3 * 3_600_000, nowMs - 2 * 86_400_000 - 7.5 * 3_600_000];
  const boot = [...boots].reverse().find((b) => b < atMs) ?? nowMs - 8 * 86_400_000;
  const backupRuns = Array.from({ length: 8 }, (_, k) => {
    const day = new Date(nowMs - k * 86_400_000);
    day.setHours(2, 0, 0, 0);
    return { at: day.getTime(), result: k === 3 ? 'corrupt' : 'ok' };
  }).filter((b) => b.at < nowMs);
  const backup = backupRuns.filter((b) => b.at < atMs).sort((a, b) => b.at - a.at)[0];
  const lastGood = backupRuns.filter((b) => b.at < atMs && b.result === 'ok').sort((a, b) => b.at - a.at)[0];
  const samples: Sample[] = [
    { metric: 'stationwatch_cpu_utilisation_ratio', value: cpu },
    { metric: 'stationwatch_memory_utilisation_ratio', value: 0.45 + cpu * 0.25 },
    { metric: 'stationwatch_memory_total_bytes', value: 16 * 2 ** 30 },
    { metric: 'stationwatch_memory_used_bytes', value: (0.45 + cpu * 0.25) * 16 * 2 ** 30 },
    { metric: 'stationwatch_filesystem_utilisation_ratio', labels: { mountpoint: 'C:', fstype: 'NTFS' }, value: 0.62 + (seq % 1000) / 20_000 },
    { metric: 'stationwatch_filesystem_utilisation_ratio', labels: { mountpoint: 'D:', fstype: 'NTFS' }, value: 0.31 },
    { metric: 'stationwatch_temperature_celsius', labels: { sensor: 'cpu' }, value: 38 + cpu * 45 },
    { metric: 'stationwatch_network_rtt_avg_seconds', labels: { target: 'core-banking' }, value: 0.004 + 0.003 * Math.abs(Math.sin(seq / 7)) },
    { metric: 'stationwatch_network_ping_sent_total', labels: { target: 'core-banking' }, value: seq * 10 },
    { metric: 'stationwatch_network_ping_lost_total', labels: { target: 'core-banking' }, value: Math.floor(seq / 50) },
    { metric: 'stationwatch_boot_timestamp_seconds', value: boot / 1000 },
    ...(boot === boots[1] ? [{ metric: 'stationwatch_last_unclean_shutdown_timestamp_seconds', value: (boots[1]! - 4 * MIN) / 1000 }] : []),
    ...(backup
      ? [
          { metric: 'stationwatch_backup_last_run_timestamp_seconds', labels: { backup_job: 'core-db' }, value: backup.at / 1000 },
          ...['ok', 'failed', 'corrupt', 'missing'].map((r) => ({ metric: 'stationwatch_backup_last_result', labels: { backup_job: 'core-db', result: r }, value: r === backup.result ? 1 : 0 })),
        ]
      : []),
    ...(lastGood ? [{ metric: 'stationwatch_backup_last_success_timestamp_seconds', labels: { backup_job: 'core-db' }, value: lastGood.at / 1000 }] : []),
  ];
  return {
    schemaVersion: SCHEMA_VERSION,
    device: d.name,
    site: d.site,
    agent: { version: '0.1.0', platform: 'windows', startedAt },
    seq,
    createdAt: atMs,
    sentAt,
    intervalSeconds: 60,
    probes: [{ name: 'resources', ok: true, durationSeconds: 0.004, finishedAt: atMs }],
    samples,
    unavailable: [],
  };
}

async function post(base: string, path: string, body: unknown, headers: Record<string, string>): Promise<Response> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
  return res;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'stationwatch-screenshots-'));
  let collector: ChildProcess | undefined;
  let browser: Browser | undefined;
  const deadline = setTimeout(() => {
    console.error(`screenshots: no result after ${DEADLINE_MS / 1000} s, stopping`);
    if (collector?.pid) process.kill(-collector.pid, 'SIGKILL');
    void browser?.close();
    process.exit(1);
  }, DEADLINE_MS);
  try {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const hash = execFileSync(process.execPath, [cli, 'user', 'hash-password'], { input: 'screenshot-password-1\n', encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' }).trim();
    await writeFile(join(dir, 'site.yaml'), 'thresholds:\n  resources: { cpuHighFor: 0s, cpuCriticalFor: 0s }\n');
    await writeFile(
      join(dir, 'collector.yaml'),
      JSON.stringify({
        listen: { host: '127.0.0.1', port },
        stateDir: join(dir, 'state'),
        overridesFile: join(dir, 'site.yaml'),
        devices: devices.map((d) => ({ name: d.name, token: d.token, site: d.site })),
        users: [{ name: 'li.wei', role: 'technician', passwordHash: hash }],
        statusPage: { evaluateEverySeconds: 0.5, refreshSeconds: 3600 },
        history: { flushEverySeconds: 0.5 },
        limits: { reportsPerSecond: 10_000, reportBurst: 100_000 },
        grafanaUrl: 'http://127.0.0.1:3000',
        log: { level: 'warn' },
      }),
    );
    // Its own process group, so the deadline (and the end) kill everything it started.
    collector = spawn(process.execPath, [cli, 'collector', '--config', join(dir, 'collector.yaml')], { detached: true, stdio: ['ignore', 'ignore', 'inherit'] });
    await waitFor('the collector', async () => (await fetch(`${base}/healthz`)).ok, 20_000);

    // A week for the main device every 10 minutes, two days for the others; oldest first, as an outbox replays.
    const now = Date.now();
    await Promise.all(
      devices.map(async (d) => {
        const days = d === MAIN ? 7 : 2;
        const n = (days * 24 * 60) / 10;
        const startedAt = now - days * 86_400_000 - 3_600_000;
        for (let k = n; k >= 1; k--) {
          const at = now - k * 10 * MIN + 37_000;
          await post(base, '/api/v1/reports', report(d, at, Date.now(), n - k + 1, startedAt, now), { authorization: `Bearer ${d.token}` });
        }
        // And one now, so the badges are current.
        await post(base, '/api/v1/reports', report(d, Date.now(), Date.now(), n + 1, startedAt, now), { authorization: `Bearer ${d.token}` });
      }),
    );
    const session = (await (await post(base, '/api/v1/sessions', { user: 'li.wei', password: 'screenshot-password-1' }, {})).json()) as { token: string };
    const auth = { authorization: `Bearer ${session.token}` };
    await post(base, '/api/v1/inspections', { device: MAIN.name, result: 'ok', note: 'fans clean, cables tidy' }, auth);
    await post(base, '/api/v1/maintenance', { device: MAIN.name, hours: 0.5, reason: 'replacing the receipt printer' }, auth);
    await waitFor(
      'the history',
      async () => {
        const h = (await (await fetch(`${base}/api/v1/history/devices/${MAIN.name}?range=7d`)).json()) as { charts: { id: string; lines: { avg: (number | null)[] }[] }[] };
        return (h.charts.find((c) => c.id === 'cpu')?.lines[0]?.avg.filter((v) => v !== null).length ?? 0) > 600;
      },
      60_000,
    );

    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'], timeout: 30_000 });
    await mkdir(out, { recursive: true });
    const shots: { file: string; path: string; lang: 'en' | 'zh'; width: number; ready: string; clip?: string }[] = [
      { file: 'device-en.png', path: `/devices/${MAIN.name}?range=7d&lang=en`, lang: 'en', width: 1280, ready: '#charts[data-state=ready]', clip: '#charts-section' },
      { file: 'device-zh.png', path: `/devices/${MAIN.name}?range=7d&lang=zh`, lang: 'zh', width: 1280, ready: '#charts[data-state=ready]', clip: '#charts-section' },
      { file: 'fleet-en.png', path: '/?lang=en', lang: 'en', width: 1280, ready: '#site-timelines[data-state=ready]' },
      { file: 'fleet-zh.png', path: '/?lang=zh', lang: 'zh', width: 1280, ready: '#site-timelines[data-state=ready]' },
      { file: 'fleet-phone-zh.png', path: '/?lang=zh', lang: 'zh', width: 390, ready: '#site-timelines[data-state=ready]' },
    ];
    for (const s of shots) {
      const context = await browser.newContext({ locale: s.lang === 'zh' ? 'zh-CN' : 'en-GB', viewport: { width: s.width, height: 900 }, deviceScaleFactor: 1 });
      const page = await context.newPage();
      await page.goto(`${base}${s.path}`);
      await page.waitForSelector(s.ready, { timeout: 20_000 });
      await page.waitForSelector('.spark-line, figure.chart', { timeout: 20_000 });
      await page.waitForTimeout(300);
      const file = join(out, s.file);
      if (s.clip) await page.locator(s.clip).screenshot({ path: file });
      else await page.screenshot({ path: file, fullPage: true });
      console.log(`wrote ${file}`);
      await context.close();
    }
  } finally {
    clearTimeout(deadline);
    await browser?.close();
    if (collector?.pid && collector.exitCode === null) {
      const exited = new Promise((r) => collector!.once('exit', r));
      process.kill(-collector.pid, 'SIGTERM');
      const timer = setTimeout(() => process.kill(-collector!.pid!, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
