// The history routes on an in-memory collector fed through the normal ingest path: reports with old
// creation times land in their own minutes, late reports merge into a flushed minute, gaps are null,
// counters become increases (a reset is not a drop), bad ranges and unknown devices are refused.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildCollector, type CollectorApp } from '../../collector/app.js';
import { resolveCollectorConfig } from '../../collector/config.js';
import type { DeviceHistory, SiteTimeline, Sparklines } from '../../collector/history/api.js';
import { silentLogger } from '../../common/logger.js';
import type { Report } from '../../protocol/report.js';
import { makeReport } from '../helpers/reports.js';

const TOKEN = 'token-for-pc-01-xxxxxxxx';
const MIN = 60_000;
// A minute boundary, so that the expected buckets are plain to read.
const T0 = Math.floor(1_700_000_000_000 / 3_600_000) * 3_600_000;
let now = T0;
let c: CollectorApp;
let seq = 0;

beforeEach(async () => {
  now = T0 + 30 * MIN;
  seq = 0;
  const config = resolveCollectorConfig({ devices: [{ name: 'pc-01', token: TOKEN, site: 'branch-a' }] }, {}, 'test');
  c = await buildCollector(config, { log: silentLogger, nowMs: () => now });
});
afterEach(async () => {
  await c.app.close();
});

/** A report made at `at`, sent now (old ones are late: the outbox replays them). */
function report(at: number, samples: Report['samples'], over: Partial<Report> = {}): Report {
  return makeReport({ seq: ++seq, createdAt: at, sentAt: now, samples, agent: { version: '0.1.0', platform: 'linux', startedAt: T0 - 3_600_000 }, ...over });
}
const post = async (r: Report) => {
  const res = await c.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, payload: JSON.stringify(r) });
  expect(res.statusCode).toBe(202);
};
const get = async <T>(url: string) => {
  const res = await c.app.inject(url);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<T>();
};
const cpu = (v: number) => ({ metric: 'stationwatch_cpu_utilisation_ratio', value: v });
const line = (h: DeviceHistory, chart: string, key?: string) => {
  const ch = h.charts.find((x) => x.id === chart);
  return key === undefined ? ch?.lines[0] : ch?.lines.find((l) => l.key === key);
};
const at = (h: DeviceHistory, ms: number) => h.times.indexOf(ms);

describe('history API (embedded source)', () => {
  it('puts reports in the minute they were made, keeps min/avg/max, and leaves gaps null', async () => {
    await post(report(T0 + 1 * MIN + 5_000, [cpu(0.2)]));
    await post(report(T0 + 1 * MIN + 20_000, [cpu(0.6)]));
    await post(report(T0 + 1 * MIN + 35_000, [cpu(0.4)]));
    await post(report(T0 + 3 * MIN + 1_000, [cpu(0.9)]));
    await c.ctx.history!.flush();
    const h = await get<DeviceHistory>('/api/v1/history/devices/pc-01?range=1h');
    expect(h.source).toBe('embedded');
    expect(h.stepMs).toBe(MIN);
    expect(h.times.length).toBe(60);
    const l = line(h, 'cpu')!;
    expect(l.avg[at(h, T0 + MIN)]).toBeCloseTo(0.4, 5);
    expect(l.min![at(h, T0 + MIN)]).toBeCloseTo(0.2, 5);
    expect(l.max![at(h, T0 + MIN)]).toBeCloseTo(0.6, 5);
    expect(l.avg[at(h, T0 + 2 * MIN)]).toBeNull();
    expect(l.avg[at(h, T0 + 3 * MIN)]).toBeCloseTo(0.9, 5);
    const ch = h.charts.find((x) => x.id === 'cpu')!;
    expect(ch.thresholds).toEqual([
      { value: 0.9, severity: 'warning', label: { en: 'warning', zh: '警告' } },
      { value: 0.98, severity: 'critical', label: { en: 'critical', zh: '严重' } },
    ]);
  });

  it('merges a late report into a minute already written', async () => {
    await post(report(T0 + 5 * MIN + 1_000, [cpu(0.2)]));
    await c.ctx.history!.flush();
    await post(report(T0 + 5 * MIN + 40_000, [cpu(0.8)]));
    await c.ctx.history!.flush();
    const h = await get<DeviceHistory>('/api/v1/history/devices/pc-01?range=1h');
    const l = line(h, 'cpu')!;
    expect(l.avg[at(h, T0 + 5 * MIN)]).toBeCloseTo(0.5, 5);
    expect(l.max![at(h, T0 + 5 * MIN)]).toBeCloseTo(0.8, 5);
  });

  it('stores counters as increases: a reset counts from zero, never as a drop', async () => {
    const lost = (v: number) => ({ metric: 'stationwatch_network_ping_lost_total', labels: { target: 'gw' }, value: v });
    const sent = (v: number) => ({ metric: 'stationwatch_network_ping_sent_total', labels: { target: 'gw' }, value: v });
    const logins = (v: number) => ({ metric: 'stationwatch_failed_logins_total', value: v });
    await post(report(T0 + 1 * MIN, [lost(10), sent(100), logins(7)]));
    await post(report(T0 + 2 * MIN, [lost(12), sent(120), logins(9)]));
    // agent restarted: counters start again
    await post(report(T0 + 3 * MIN, [lost(1), sent(10), logins(1)], { agent: { version: '0.1.0', platform: 'linux', startedAt: T0 + 3 * MIN - 1000 }, seq: 1 }));
    await post(report(T0 + 4 * MIN, [lost(1), sent(30), logins(1)], { agent: { version: '0.1.0', platform: 'linux', startedAt: T0 + 3 * MIN - 1000 }, seq: 2 }));
    await c.ctx.history!.flush();
    const h = await get<DeviceHistory>('/api/v1/history/devices/pc-01?range=1h');
    const f = line(h, 'failed_logins')!;
    // the first report has nothing to compare with: unknown, not 0
    expect([1, 2, 3, 4].map((k) => f.avg[at(h, T0 + k * MIN)])).toEqual([null, 2, 1, 0]);
    const loss = line(h, 'ping_loss', 'gw')!;
    expect(loss.avg[at(h, T0 + 2 * MIN)]).toBeCloseTo(0.1, 5);
    expect(loss.avg[at(h, T0 + 3 * MIN)]).toBeCloseTo(0.1, 5);
    expect(loss.avg[at(h, T0 + 4 * MIN)]).toBe(0);
  });

  it('a resend is counted once', async () => {
    const r = report(T0 + 7 * MIN, [cpu(0.3), { metric: 'stationwatch_failed_logins_total', value: 1 }]);
    await post(report(T0 + 6 * MIN, [{ metric: 'stationwatch_failed_logins_total', value: 0 }]));
    await post(r);
    await post(r);
    await c.ctx.history!.flush();
    const h = await get<DeviceHistory>('/api/v1/history/devices/pc-01?range=1h');
    expect(line(h, 'failed_logins')!.avg[at(h, T0 + 7 * MIN)]).toBe(1);
    expect(c.ctx.history!.stats.resends).toBe(1);
  });

  it('records boots, unclean shutdowns and backup runs as overlays, once each', async () => {
    const boot = (T0 + 2 * MIN) / 1000;
    const s = (runAt: number, result: string) => [
      { metric: 'stationwatch_boot_timestamp_seconds', value: boot },
      { metric: 'stationwatch_last_unclean_shutdown_timestamp_seconds', value: boot - 30 },
      { metric: 'stationwatch_backup_last_run_timestamp_seconds', labels: { backup_job: 'daily' }, value: runAt / 1000 },
      ...['ok', 'failed', 'corrupt', 'missing'].map((r) => ({ metric: 'stationwatch_backup_last_result', labels: { backup_job: 'daily', result: r }, value: r === result ? 1 : 0 })),
    ];
    await post(report(T0 + 3 * MIN, s(T0 + 2.5 * MIN, 'ok')));
    await post(report(T0 + 4 * MIN, s(T0 + 2.5 * MIN, 'ok')));
    await post(report(T0 + 9 * MIN, s(T0 + 8 * MIN, 'corrupt')));
    await c.ctx.history!.flush();
    const h = await get<DeviceHistory>('/api/v1/history/devices/pc-01?range=1h');
    expect(h.overlays.map((o) => [o.kind, o.atMs, o.outcome])).toEqual([
      ['unclean_shutdown', T0 + 2 * MIN - 30_000, undefined],
      ['boot', T0 + 2 * MIN, undefined],
      ['backup', T0 + 2.5 * MIN, 'ok'],
      ['backup', T0 + 8 * MIN, 'corrupt'],
    ]);
    expect(h.overlays[3]!.text).toEqual({ en: 'Backup daily: corrupt', zh: '备份 daily：已损坏' });
    const br = line(h, 'backup_result', 'daily')!;
    expect(br.avg[at(h, T0 + 9 * MIN)]).toBe(2);
  });

  it('answers the timeline and the sparklines, and refuses a bad range and unknown names', async () => {
    // Started at T0+30 min (the first request makes the app ready): the device had not reported yet.
    await post(report(T0 + 29 * MIN, [cpu(0.5)]));
    now = T0 + 31 * MIN + 10_000;
    await post(report(now, [cpu(0.5)]));
    await c.ctx.history!.sampleReporting();
    now += 2 * MIN;
    await c.ctx.history!.flush();
    const tl = await get<SiteTimeline>('/api/v1/history/sites/branch-a/timeline?range=1h');
    expect(tl.devices[tl.times.indexOf(T0 + 30 * MIN)]).toBe(1);
    expect(tl.notReporting[tl.times.indexOf(T0 + 30 * MIN)]).toBe(1);
    expect(tl.notReporting[tl.times.indexOf(T0 + 31 * MIN)]).toBe(0);
    expect(tl.devices[tl.times.indexOf(T0 + 10 * MIN)]).toBeNull();
    const sp = await get<Sparklines>('/api/v1/history/sparklines?site=branch-a');
    expect(sp.sparklines.map((s) => [s.device, s.chart])).toEqual([['pc-01', 'cpu']]);
    expect((await c.app.inject('/api/v1/history/devices/pc-01?range=2w')).statusCode).toBe(400);
    expect((await c.app.inject('/api/v1/history/devices/pc-01?range=2w')).json()).toMatchObject({ error: 'invalid_request' });
    expect((await c.app.inject('/api/v1/history/devices/nope?range=1h')).statusCode).toBe(404);
    expect((await c.app.inject('/api/v1/history/sites/nowhere/timeline')).statusCode).toBe(404);
  });
});
