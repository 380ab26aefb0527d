// The compact device state (issue 18): a device's record keeps the report without its samples, its
// text and a few facts; the ingest worker sends back only those, the history's feed and the rendered
// bytes. Whatever path a report takes (a worker, the event loop with no worker, fastify's parser for
// the texts the worker leaves to it, a restore from the stored text), the exposition, the status
// page's numbers, the device page's samples and the history's aggregates must be what the full
// report's samples give — computed here straight from them, as the collector did before.
import { afterAll, describe, expect, it } from 'vitest';
import { buildCollector } from '../../collector/app.js';
import { resolveCollectorConfig } from '../../collector/config.js';
import { DeviceExposition, deviceSeries, renderDevice } from '../../collector/device-exposition.js';
import { DeviceStore, deviceSamples, indexSamples, type DeviceRecord } from '../../collector/device-store.js';
import { applyFeed, extract, historyFeed, newMemory, type HistoryMark } from '../../collector/history/extract.js';
import { IngestPool } from '../../collector/ingest-pool.js';
import { prepareReport, type PrepareInput, type Valid } from '../../collector/ingest-prepare.js';
import { silentLogger } from '../../common/logger.js';
import { m } from '../../protocol/metrics.js';
import type { Report } from '../../protocol/report.js';
import { simulatedReport } from '../../tools/loadgen/report-shape.js';

const T = 1_800_000_000_000;
const pools: IngestPool[] = [];
afterAll(async () => {
  for (const p of pools) await p.close();
});

/** The load generator's report plus what the few readers of one device look at, and samples ingest drops or changes. */
function fullReport(seq: number, at = T + seq * 15_000): Report {
  const r = simulatedReport('pc-01', 'branch-a', T - 60_000, seq, at, 15);
  r.samples.push(
    { metric: m.deviceInfo.name, labels: { manufacturer: 'ACME', model: 'M\u0001X', serial: 's1', os: 'Windows', os_version: '11', arch: 'x64', cpu_model: 'i5' }, value: 1 },
    { metric: m.diskInfo.name, labels: { disk: '0', type: 'ssd', vendor: 'V', model: 'D', serial: 'x' }, value: 1 },
    { metric: m.bootTime.name, value: (T - 3_600_000 * seq) / 1000 },
    { metric: m.backupLastRun.name, labels: { backup_job: 'nightly' }, value: (at - 60_000) / 1000 },
    { metric: m.backupLastResult.name, labels: { backup_job: 'nightly', result: 'ok' }, value: 1 },
    { metric: m.printerStateMessage.name, labels: { printer: '前台', message: 'paper "jam"\nfront' }, value: 1 },
    { metric: 'stationwatch_no_such_metric', value: 1 },
    { metric: r.samples[0]!.metric, ...(r.samples[0]!.labels ? { labels: r.samples[0]!.labels } : {}), value: 99 },
    { metric: 'stationwatch_boots_total', value: -1 },
  );
  r.unavailable.push({ metric: 'stationwatch_no_such_metric', reason: 'x' }, { metric: m.fanSpeed.name, reason: 'no fans' });
  return r;
}

const input = (text: string, maxSeriesPerDevice = 1000): PrepareInput => ({ text, configuredSite: undefined, defaultSite: 'main', receivedAtMs: T + 1_500, maxSeriesPerDevice });
const valid = (p: Awaited<ReturnType<typeof prepareReport>>): Valid => {
  if (p.kind !== 'valid') throw new Error(`not valid: ${p.kind}`);
  return p;
};

describe('compact device state', () => {
  it('keeps no samples on the record and reads the same ones back from the text, the series limit included', () => {
    for (const limit of [1000, 7]) {
      const store = new DeviceStore([], 'main', 3, [], { maxSeriesPerDevice: limit });
      const report = fullReport(1);
      const result = store.accept('pc-01', undefined, report, T + 15_000);
      const d = store.get('pc-01')!;
      const before = indexSamples(report.samples, limit);
      expect(result.dropped).toEqual(before.dropped);
      expect(d.report!.samples).toEqual([]);
      expect(d.metrics).toEqual([...before.byMetric.keys()]);
      expect(d.seriesKept).toBe([...before.byMetric.values()].flat().length);
      expect(deviceSamples(d)).toEqual(before.byMetric);
      expect(d.info).toEqual(before.byMetric.get(m.deviceInfo.name)?.[0]?.labels);
      // The text kept is what the store would save and restore from.
      expect(JSON.parse(d.reportText!)).toEqual(report);
    }
  });

  it('devices with the same metrics share one list of names', () => {
    const store = new DeviceStore([], 'main', 3);
    store.accept('pc-01', undefined, fullReport(1), T + 15_000);
    store.accept('pc-02', undefined, { ...fullReport(1), device: 'pc-02' }, T + 15_000);
    expect(store.get('pc-01')!.metrics).toBe(store.get('pc-02')!.metrics);
  });

  it('gives the exposition and the status page the numbers the full samples give', () => {
    const store = new DeviceStore([], 'main', 3);
    const report = fullReport(2);
    store.accept('pc-01', undefined, report, T + 30_000);
    const d = store.get('pc-01')!;
    const samples = indexSamples(report.samples).byMetric;
    const exposition = new DeviceExposition();
    const wanted = new Set([m.cpuUtilisation.name, m.diskInfo.name, 'stationwatch_metric_available', 'stationwatch_probe_success']);
    expect(renderDevice(d).text).toBe(renderDevice(d, samples).text);
    expect(exposition.deviceText(d)).toContain('stationwatch_printer_state_message_info{device="pc-01",site="branch-a",printer="前台",message="paper \\"jam\\"\uFFFDfront"} 1');
    // Read back from the rendered text: exactly the series the samples make, in the same order.
    expect(exposition.series(d)).toEqual(deviceSeries(d, undefined, samples));
    expect(exposition.series(d, wanted)).toEqual(deviceSeries(d, wanted, samples));
    expect(exposition.series(d, wanted).length).toBeGreaterThan(3);
  });

  it('a worker, the event loop without one and fastify\'s parser make the same compact state', async () => {
    // Without the control character, whose \u escape would leave the text to fastify's parser.
    const text = JSON.stringify(fullReport(3)).replace('M\\u0001X', 'MX');
    const inline = valid(prepareReport(input(text)));
    const noWorker = new IngestPool(silentLogger, 0);
    const oneWorker = new IngestPool(silentLogger, 1);
    pools.push(noWorker, oneWorker);
    for (const p of [await noWorker.prepare(input(text), Buffer.from(text)), await oneWorker.prepare(input(text), Buffer.from(text))]) {
      const got = valid(p);
      expect(got.report).toEqual(inline.report);
      expect(got.compact).toEqual(inline.compact);
      expect(got.history).toEqual(inline.history);
      expect(Buffer.from(got.rendered.body).toString()).toBe(Buffer.from(inline.rendered.body).toString());
    }
    // A text with a \u escape is left to fastify's parser (ingest-prepare.ts) and prepared on the loop.
    expect(prepareReport(input(text.replace('"ACME"', '"\\u0041CME"'))).kind).toBe('unparsed');
  });

  it('through the collector: the escaped text fastify parses, the plain one a worker parses, and a restart give one exposition, API and device page; badges held share their empty lists', async () => {
    const config = resolveCollectorConfig({ devices: [{ name: 'pc-01', token: 'token-for-pc-01-xxxxxxxx' }, { name: 'pc-02', token: 'token-for-pc-02-xxxxxxxx' }] }, {}, 'test');
    let now = T + 60_000;
    const c = await buildCollector(config, { log: silentLogger, nowMs: () => now });
    try {
      const post = (device: string, body: string) =>
        c.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { 'content-type': 'application/json', authorization: `Bearer token-for-${device}-xxxxxxxx` }, payload: body });
      const report = fullReport(4, now);
      const plain = JSON.stringify(report);
      const other = JSON.stringify({ ...report, device: 'pc-02' }).replace('"ACME"', '"\\u0041CME"');
      expect((await post('pc-01', plain)).statusCode).toBe(202);
      expect((await post('pc-02', other)).statusCode).toBe(202);
      const text = async (device: string) => (await c.app.inject(`/devices/${device}/metrics`)).body;
      const one = await text('pc-01');
      expect(one).toContain('stationwatch_device_info{device="pc-01",site="branch-a",manufacturer="ACME",model="M\uFFFDX"');
      expect((await text('pc-02')).replaceAll('pc-02', 'pc-01')).toBe(one);
      // The device API lists the samples ingest kept, read back from the stored text.
      const api = (await c.app.inject('/api/devices/pc-01')).json() as { samples: unknown[]; unavailable: unknown[] };
      expect(api.samples).toEqual(JSON.parse(JSON.stringify([...indexSamples(report.samples).byMetric.values()].flat())));
      expect(api.unavailable).toEqual([{ metric: m.fanSpeed.name, reason: 'no fans' }]);
      // A record restored from the saved text is the one ingest made.
      const d = c.ctx.store.get('pc-01')!;
      const restored = new DeviceStore([], 'main', 3);
      restored.restore({ name: 'pc-01', site: d.site, report: JSON.parse(d.reportText!) as Report, reportText: d.reportText!, reportsAccepted: 1, gaps: [] });
      const r = restored.get('pc-01')!;
      expect([r.report, r.metrics, r.seriesKept, r.info]).toEqual([d.report, d.metrics, d.seriesKept, d.info]);
      expect(deviceSamples(r)).toEqual(deviceSamples(d));
      // The badges held per device (copies from the evaluation worker) share their empty alert lists.
      await c.status.monitor.tick();
      const snap = await c.status.monitor.current();
      const badges = snap.devices.flatMap((s) => s.badges);
      const empty = badges.filter((b) => b.pending.length === 0);
      expect(snap.devices.map((s) => s.device.name).sort()).toEqual(['pc-01', 'pc-02']);
      expect(empty.length).toBeGreaterThan(4);
      for (const b of empty) expect(b.pending).toBe(empty[0]!.pending);
    } finally {
      await c.app.close();
    }
  });

  it('the history takes from the feed what it took from the report: the same aggregates and marks, counters included', () => {
    const reports = [1, 2, 3, 5, 4].map((seq) => fullReport(seq));
    const run = (fromFeed: boolean) => {
      const mem = newMemory();
      const puts: Array<[string, string, number]> = [];
      const marks: HistoryMark[] = [];
      for (const r of reports) {
        const atMs = r.createdAt;
        const put = (key: string, kind: string, v: number) => void puts.push([key, kind, v]);
        // The feed as it arrives from a worker: through a structured clone.
        marks.push(...(fromFeed ? applyFeed('pc-01', structuredClone(historyFeed(r)), 0.25, mem, atMs, put) : extract('pc-01', r, 0.25, mem, atMs, put)));
      }
      return { puts, marks };
    };
    const direct = run(false);
    expect(run(true)).toEqual(direct);
    expect(direct.puts.some(([, kind]) => kind === 'sum')).toBe(true);
    expect(direct.marks.filter((x) => x.kind === 'boot')).toHaveLength(5);
    expect(direct.marks.filter((x) => x.kind === 'backup').map((x) => x.outcome)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
  });
});

// A record the exposition renders needs only what plan() keeps; a hand-made one without text has no samples.
it('a record that never reported has no samples', () => {
  const d: DeviceRecord = { name: 'x', site: 's', kind: 'agent', configured: true, metrics: [], seriesKept: 0, reportsAccepted: 0, gaps: [] };
  expect(deviceSamples(d).size).toBe(0);
  expect(renderDevice(d).text).toBe('');
});
