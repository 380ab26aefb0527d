// The history end to end: a collector with its SQLite store in a temporary state directory, fed
// through the normal ingest path with a synthetic history (reports made up to two hours ago, sent
// now, as an agent's outbox replays them after an outage), answers the expected points from its API;
// a restart keeps them. The same device scraped by the real shared Prometheus and read through the
// Prometheus source comes back in the same shape (charts, lines, steps), with the same overlays.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCollector, type CollectorApp } from '../../collector/app.js';
import { resolveCollectorConfig, type CollectorConfig } from '../../collector/config.js';
import type { DeviceHistory, SiteTimeline, Sparklines } from '../../collector/history/api.js';
import { PrometheusHistorySource } from '../../collector/history/prometheus-source.js';
import { silentLogger } from '../../common/logger.js';
import type { Report } from '../../protocol/report.js';
import { makeReport } from '../helpers/reports.js';
import { freePort } from './fixtures/processes.js';
import { configurePrometheus, prometheusUrl, query, suiteTimer, waitForSeries } from './fixtures/prometheus.js';

const DEVICE = 'hist-pc-01';
const TOKEN = 'history-token-0123456789abcdef';
const MIN = 60_000;
const HISTORY_MINUTES = 120;

let dir: string;
let config: CollectorConfig;
let c: CollectorApp;
let port: number;
let seq = 0;
const startedAt = Date.now() - 3 * 3_600_000;
const done = suiteTimer('history');

const cpuAt = (i: number) => (i % 10) / 10;
function sample(i: number, extra: { lost: number; sent: number; logins: number }): Report['samples'] {
  return [
    { metric: 'stationwatch_cpu_utilisation_ratio', value: cpuAt(i) },
    { metric: 'stationwatch_memory_utilisation_ratio', value: 0.5 },
    { metric: 'stationwatch_filesystem_utilisation_ratio', labels: { mountpoint: '/', fstype: 'ext4' }, value: 0.4 },
    { metric: 'stationwatch_filesystem_utilisation_ratio', labels: { mountpoint: '/data', fstype: 'xfs' }, value: 0.7 },
    { metric: 'stationwatch_network_ping_lost_total', labels: { target: 'gw' }, value: extra.lost },
    { metric: 'stationwatch_network_ping_sent_total', labels: { target: 'gw' }, value: extra.sent },
    { metric: 'stationwatch_network_rtt_avg_seconds', labels: { target: 'gw' }, value: 0.002 },
    { metric: 'stationwatch_failed_logins_total', value: extra.logins },
    { metric: 'stationwatch_boot_timestamp_seconds', value: Math.floor((startedAt - 60_000) / 1000) },
    { metric: 'stationwatch_swap_used_bytes', value: 1e8 },
    { metric: 'stationwatch_swap_total_bytes', value: 4e8 },
    { metric: 'stationwatch_temperature_celsius', labels: { sensor: 'cpu' }, value: 50 + (i % 5) },
    ...['idle', 'processing', 'stopped'].map((st) => ({ metric: 'stationwatch_printer_state', labels: { printer: 'hall', state: st }, value: st === (i % 2 ? 'stopped' : 'idle') ? 1 : 0 })),
    ...['ok', 'failed', 'corrupt', 'missing'].map((r) => ({ metric: 'stationwatch_backup_last_result', labels: { backup_job: 'daily', result: r }, value: r === 'ok' ? 1 : 0 })),
    { metric: 'stationwatch_backup_last_success_timestamp_seconds', labels: { backup_job: 'daily' }, value: Math.floor((startedAt - 3_600_000) / 1000) },
  ];
}
const post = async (r: Report) => {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/reports`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(r) });
  expect(res.status, await res.text()).toBe(202);
};
const history = async (range: string) => {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/history/devices/${DEVICE}?range=${range}`);
  expect(res.status).toBe(200);
  return (await res.json()) as DeviceHistory;
};

async function start(): Promise<void> {
  c = await buildCollector(config, { log: silentLogger });
  await c.app.listen({ host: '127.0.0.1', port });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sw-history-'));
  port = await freePort();
  config = resolveCollectorConfig({ listen: { host: '127.0.0.1', port }, stateDir: join(dir, 'state'), devices: [{ name: DEVICE, token: TOKEN, site: 'branch-h' }], history: { flushEverySeconds: 0.5 }, limits: { reportsPerSecond: 1000, reportBurst: 1000 } }, {}, 'test');
  await start();
}, 30_000);
afterAll(async () => {
  await c?.app.close();
  await configurePrometheus([]);
  await rm(dir, { recursive: true, force: true });
  done();
});

describe('history through the ingest path', () => {
  // Minute i of the synthetic history: made HISTORY_MINUTES - i minutes ago, at 20 s into its minute.
  const base = Math.floor(Date.now() / MIN) * MIN - HISTORY_MINUTES * MIN + 20_000;

  it('an outage replay lands in its own minutes and the API returns them, gaps as null, counters as increases', async () => {
    const now = Date.now();
    for (let i = 0; i < HISTORY_MINUTES; i++) {
      if (i >= 50 && i < 60) continue; // ten minutes without a report: a gap
      // the failed-login counter resets at minute 80 (agent state lost): the increase is the new value
      const logins = i < 80 ? i : i - 80;
      await post(makeReport({ device: DEVICE, site: 'branch-h', seq: ++seq, createdAt: base + i * MIN, sentAt: now, agent: { version: '0.1.0', platform: 'linux', startedAt }, samples: sample(i, { lost: i, sent: i * 10, logins }) }));
    }
    await c.ctx.history!.flush();
    const h = await history('24h');
    expect(h.source).toBe('embedded');
    expect(h.stepMs).toBe(MIN);
    expect(h.times.length).toBe(1440);
    const at = (i: number) => h.times.indexOf(base - 20_000 + i * MIN);
    const cpu = h.charts.find((x) => x.id === 'cpu')!.lines[0]!;
    for (const i of [0, 7, 49, 60, 119]) expect(cpu.avg[at(i)]).toBeCloseTo(cpuAt(i), 5);
    for (const i of [50, 55, 59]) expect(cpu.avg[at(i)]).toBeNull();
    expect(cpu.avg.filter((v) => v !== null).length).toBe(HISTORY_MINUTES - 10);
    expect(h.charts.find((x) => x.id === 'filesystem')!.lines.map((l) => l.key)).toEqual(['/', '/data']);
    const logins = h.charts.find((x) => x.id === 'failed_logins')!.lines[0]!;
    expect(logins.avg[at(0)]).toBeNull();
    expect(logins.avg[at(1)]).toBe(1);
    expect(logins.avg[at(60)]).toBe(11); // the ten minutes of the gap land in the first minute after it
    expect(logins.avg[at(80)]).toBe(0); // reset: 79 → 0 is an increase of 0, not −79
    expect(logins.avg[at(81)]).toBe(1);
    const loss = h.charts.find((x) => x.id === 'ping_loss')!.lines[0]!;
    expect(loss.avg[at(1)]).toBeCloseTo(0.1, 5);
    // the boot (an hour before the synthetic history began) is an overlay of the day, once
    expect(h.overlays.filter((o) => o.kind === 'boot').map((o) => o.atMs)).toEqual([Math.floor((startedAt - 60_000) / 1000) * 1000]);
  });

  it('the 7-day range reads the quarter-hour tier, filled by the roll-up; a restart keeps everything', async () => {
    await c.app.close();
    // A new port: fetch's pooled keep-alive socket to the old server would meet a closed socket.
    port = await freePort();
    await start();
    const h = await history('7d');
    expect(h.stepMs).toBe(15 * MIN);
    const cpu = h.charts.find((x) => x.id === 'cpu')!.lines[0]!;
    const firstQuarter = Math.floor((base - 20_000) / (15 * MIN)) * 15 * MIN;
    const q = h.times.indexOf(firstQuarter + 15 * MIN);
    // a full quarter hour of minutes 0..9 repeating: avg of the ten values is 0.45, min 0, max 0.9
    expect(cpu.max![q]).toBeCloseTo(0.9, 5);
    expect(cpu.min![q]).toBeCloseTo(0, 5);
    expect(cpu.avg.filter((v) => v !== null).length).toBeGreaterThanOrEqual(8);
    const day = await history('24h');
    expect(day.charts.find((x) => x.id === 'cpu')!.lines[0]!.avg.filter((v) => v !== null).length).toBe(HISTORY_MINUTES - 10);
  }, 30_000);

  it('the same device read from Prometheus has the same shape', async () => {
    // The replay above left the device not reporting (late reports do not count): a fresh report
    // first, so that every scrape sees it reporting.
    const first = Date.now();
    await post(makeReport({ device: DEVICE, site: 'branch-h', seq: ++seq, createdAt: first, sentAt: first, agent: { version: '0.1.0', platform: 'linux', startedAt }, samples: sample(0, { lost: 199, sent: 1990, logins: 99 }) }));
    await configurePrometheus([{ job_name: 'history', honor_labels: true, static_configs: [{ targets: [`127.0.0.1:${port}`] }] }]);
    // fresh reports while Prometheus scrapes every second
    const t0 = Date.now();
    let k = 0;
    // At least 5 s, and until Prometheus holds two growing samples of the ping counters (a loaded
    // machine may scrape late): every chart then has data in Prometheus as in the store.
    // Each counter chart needs its own growth (the loss ratio divides lost by sent): all three are waited for.
    const grown = `increase(stationwatch_network_ping_sent_total{device="${DEVICE}"}[30s]) > 0 and on (device) increase(stationwatch_network_ping_lost_total{device="${DEVICE}"}[30s]) > 0 and on (device) increase(stationwatch_failed_logins_total{device="${DEVICE}"}[30s]) > 0`;
    while (Date.now() - t0 < 5_000 || (Date.now() - t0 < 25_000 && (await query(grown)).length === 0)) {
      const now = Date.now();
      await post(makeReport({ device: DEVICE, site: 'branch-h', seq: ++seq, createdAt: now, sentAt: now, agent: { version: '0.1.0', platform: 'linux', startedAt }, samples: sample(k, { lost: 200 + k, sent: 2000 + 10 * k, logins: 100 + k }) }));
      k++;
      await new Promise((r) => setTimeout(r, 400));
    }
    expect((await query(grown)).length, `Prometheus holds growing ping and login counters after ${Date.now() - t0} ms`).toBeGreaterThan(0);
    await waitForSeries(`count_over_time(stationwatch_failed_logins_total{device="${DEVICE}"}[1m]) >= 3`);
    await c.ctx.history!.flush({ all: true });
    const embedded = await history('1h');
    const prom = await new PrometheusHistorySource(prometheusUrl(), { db: c.ctx.db, devices: c.ctx.store, thresholds: c.status.thresholds, nowMs: Date.now }).device(DEVICE, '1h');
    expect(prom!.source).toBe('prometheus');
    expect([prom!.stepMs, prom!.times.length]).toEqual([embedded.stepMs, embedded.times.length]);
    const shape = (h: DeviceHistory) => h.charts.map((x) => ({ id: x.id, unit: x.unit, thresholds: x.thresholds, lines: x.lines.map((l) => [l.key, l.avg.length, l.min !== undefined, l.max !== undefined]) }));
    expect(shape(prom!)).toEqual(shape(embedded));
    // the current minute has a value in both
    const last = (h: DeviceHistory) => h.charts.find((x) => x.id === 'memory')!.lines[0]!.avg.findLast((v) => v !== null);
    expect(last(prom!)).toBeCloseTo(0.5, 5);
    expect(last(embedded)).toBeCloseTo(0.5, 5);
    expect(prom!.overlays).toEqual(embedded.overlays);
    // the state charts carry the table's codes from both sources
    const printer = (h: DeviceHistory) => h.charts.find((x) => x.id === 'printer_state')!.lines[0]!.avg.findLast((v) => v !== null);
    expect([0, 2]).toContain(printer(prom!));
    expect([0, 2]).toContain(printer(embedded));
    // the site timeline and the sparklines, same shape from both
    const src = new PrometheusHistorySource(prometheusUrl(), { db: c.ctx.db, devices: c.ctx.store, thresholds: c.status.thresholds, nowMs: Date.now });
    const tlProm = await src.siteTimeline('branch-h', '1h');
    const tlEmb = (await (await fetch(`http://127.0.0.1:${port}/api/v1/history/sites/branch-h/timeline?range=1h`)).json()) as SiteTimeline;
    expect([tlProm.source, tlProm.stepMs, tlProm.times.length]).toEqual(['prometheus', tlEmb.stepMs, tlEmb.times.length]);
    expect(tlProm.devices.findLast((v) => v !== null)).toBe(1);
    expect(tlProm.notReporting.findLast((v) => v !== null)).toBe(0);
    const spProm = await src.sparklines('branch-h');
    const spEmb = (await (await fetch(`http://127.0.0.1:${port}/api/v1/history/sparklines?site=branch-h`)).json()) as Sparklines;
    expect(spProm.sparklines.map((x) => [x.device, x.chart, x.values.length])).toEqual(spEmb.sparklines.map((x) => [x.device, x.chart, x.values.length]));
  }, 40_000);
});
