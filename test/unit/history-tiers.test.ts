// The history's tiers on hand-written inputs, through the writer and the in-memory SQLite store:
// roll-ups 1 min → 15 min → 1 h, retention pruning per tier, the tier chosen per range, the chunk
// format round trip, late reports into the right (already written) buckets, and gaps as null.
import { beforeEach, describe, expect, it } from 'vitest';
import { DeviceStore } from '../../collector/device-store.js';
import { storedKey } from '../../collector/history/charts.js';
import { aggAt, columns, decodeChunk, decodeChunkAsync, encodeChunk, encodeChunkAsync, mergeAt, type ChunkLines } from '../../collector/history/chunk.js';
import { deviceTierFor, readSteps, rangeMs, stepsFor } from '../../collector/history/read.js';
import { tierById, tiers } from '../../collector/history/tiers.js';
import { HistoryWriter } from '../../collector/history/writer.js';
import { openSqliteStore } from '../../collector/store/sqlite/index.js';
import type { Store } from '../../collector/store/store.js';
import { silentLogger } from '../../common/logger.js';
import { makeReport } from '../helpers/reports.js';

const MIN = 60_000;
const H = 60 * MIN;
const DAY = 24 * H;
const T0 = Math.floor(1_700_000_000_000 / DAY) * DAY;

let store: Store;
let devices: DeviceStore;
let now = T0;
let w: HistoryWriter;
let seq = 0;

beforeEach(() => {
  store = openSqliteStore(undefined);
  devices = new DeviceStore([{ name: 'pc', site: 's' }], 's', 3);
  now = T0;
  seq = 0;
  w = new HistoryWriter(store, devices, () => now, silentLogger, { graceMs: 5_000 });
});

/** A report of cpu `v` made at `at`, received at `now`. */
const cpu = (at: number, v: number) => w.record('pc', makeReport({ device: 'pc', seq: ++seq, createdAt: at, sentAt: now, samples: [{ metric: 'stationwatch_cpu_utilisation_ratio', value: v }] }), now);
/** The cpu line as a reader sees it: the store plus what the writer has not written yet (`storeOnly`: the store alone). */
const cpuLine = async (tier: number, fromMs: number, toMs: number, stepMs: number, storeOnly = false) => {
  const times: number[] = [];
  for (let t = fromMs; t < toMs; t += stepMs) times.push(t);
  const lines = await readSteps(store.history, ['pc'], tier, { fromMs, toMs, stepMs, times }, storeOnly ? undefined : (d, t) => w.unwritten(d, t));
  const cols = lines.get('pc')?.get(storedKey('cpu', 'cpu'));
  return times.map((_, i) => aggAt(cols, i));
};

describe('history tiers', () => {
  it('rolls closed minutes into quarter hours and hours: min of mins, max of maxes, weighted average', async () => {
    // 30 minutes, two reports per minute: (i/100, i/100 + 0.5)
    for (let i = 0; i < 30; i++) {
      now = T0 + i * MIN + 40_000;
      cpu(T0 + i * MIN + 10_000, i / 100);
      cpu(T0 + i * MIN + 40_000, i / 100 + 0.5);
    }
    now = T0 + 30 * MIN + 6_000; // minute 29 and the second quarter hour closed (grace 5 s)
    await w.flush();
    const minutes = await cpuLine(1, T0, T0 + 30 * MIN, MIN, true);
    expect(minutes.filter(Boolean)).toHaveLength(30);
    expect(minutes[3]).toMatchObject({ n: 2, min: expect.closeTo(0.03, 6) as number, max: expect.closeTo(0.53, 5) as number });
    const quarters = await cpuLine(15, T0, T0 + H, 15 * MIN, true);
    expect(quarters[0]!.n).toBe(30);
    expect(quarters[0]!.min).toBeCloseTo(0, 6);
    expect(quarters[0]!.max).toBeCloseTo(0.64, 6);
    expect(quarters[0]!.sum / quarters[0]!.n).toBeCloseTo(0.07 + 0.25, 5);
    expect(quarters[1]!.sum / quarters[1]!.n).toBeCloseTo(0.22 + 0.25, 5);
    expect(quarters[2]).toBeUndefined();
    // the hour is still open: written merged-and-reset every quarter hour, so after 30 minutes it holds them
    now = T0 + 31 * MIN;
    expect((await cpuLine(60, T0, T0 + H, H, true))[0]).toBeUndefined(); // its accumulator began at the first flush: not a quarter hour old yet
    expect((await cpuLine(60, T0, T0 + H, H))[0]!.n).toBe(60); // but a reader sees it already
    // a minute chunk is written once its five minutes have closed; a reader sees the open one too
    now = T0 + 31 * MIN;
    cpu(T0 + 30 * MIN + 10_000, 0.3);
    now = T0 + 31 * MIN + 6_000;
    await w.flush();
    expect((await cpuLine(1, T0 + 30 * MIN, T0 + 31 * MIN, MIN, true))[0]).toBeUndefined();
    expect((await cpuLine(1, T0 + 30 * MIN, T0 + 31 * MIN, MIN))[0]!.sum).toBeCloseTo(0.3, 6);
    await w.stop();
    expect((await cpuLine(1, T0 + 30 * MIN, T0 + 31 * MIN, MIN, true))[0]!.sum).toBeCloseTo(0.3, 6);
    const hour = await cpuLine(60, T0, T0 + H, H, true);
    expect(hour[0]!.n).toBe(61);
    expect((hour[0]!.sum - 0.3) / 60).toBeCloseTo(0.145 + 0.25, 5);
    expect(hour[0]!.max).toBeCloseTo(0.79, 5);
  });

  it('a late report for a written minute merges into it and into its quarter hour and hour', async () => {
    now = T0 + 10_000;
    cpu(T0 + 5_000, 0.2);
    now = T0 + 2 * H;
    await w.flush();
    cpu(T0 + 50_000, 0.6); // made in minute 0, arrives two hours later
    await w.flush();
    const [m0] = await cpuLine(1, T0, T0 + MIN, MIN, true);
    expect(m0).toMatchObject({ n: 2, min: expect.closeTo(0.2, 6) as number, max: expect.closeTo(0.6, 6) as number });
    const [q0] = await cpuLine(15, T0, T0 + 15 * MIN, 15 * MIN, true);
    expect(q0!.sum / q0!.n).toBeCloseTo(0.4, 6);
    const [h0] = await cpuLine(60, T0, T0 + H, H, true);
    expect(h0!.n).toBe(2);
  });

  it('a forgotten device: what it reported is still written, then the writer lets it go', async () => {
    now = T0 + 10_000;
    cpu(T0 + 5_000, 0.4);
    w.forget('pc');
    await w.flush();
    expect(w.openBuckets).toBe(0);
    expect(w.unwritten('pc', 1)).toEqual([]);
    expect((await cpuLine(1, T0, T0 + MIN, MIN, true))[0]!.sum).toBeCloseTo(0.4, 6);
    expect((await cpuLine(60, T0, T0 + H, H, true))[0]!.n).toBe(1);
  });

  it('a minute without reports is a gap (undefined → null in the API), not 0', async () => {
    now = T0 + 10 * MIN;
    cpu(T0 + 1 * MIN, 0.5);
    cpu(T0 + 3 * MIN, 0.7);
    await w.flush();
    const steps = await cpuLine(1, T0, T0 + 5 * MIN, MIN);
    expect([0, 1, 2, 3, 4].map((i) => steps[i]?.sum ?? null)).toEqual([null, 0.5, null, expect.closeTo(0.7, 6), null]);
  });

  it('prunes each tier past its retention (a chunk once its last bucket is), and the marks past 400 days', async () => {
    const put = (tier: number, startMs: number) => store.history.put([{ device: 'pc', tier, startMs, data: new Uint8Array([1, 0, 0]) }]);
    const t1 = tierById(1);
    const t15 = tierById(15);
    const t60 = tierById(60);
    const span = (t: typeof t1) => t.stepMs * t.bucketsPerChunk;
    now = T0 + 500 * DAY;
    for (const t of [t1, t15, t60]) {
      await put(t.id, now - t.retentionMs - span(t)); // its last bucket ended at the retention limit: goes
      await put(t.id, now - t.retentionMs - span(t) + t.stepMs); // its last bucket is still inside: stays
    }
    await store.history.addMarks([{ device: 'pc', kind: 'boot', atMs: now - 401 * DAY, key: '', outcome: '' }, { device: 'pc', kind: 'boot', atMs: now - 399 * DAY, key: '', outcome: '' }]);
    expect(await w.prune(now)).toBe(4);
    for (const t of [t1, t15, t60]) expect((await store.history.range(['pc'], t.id, 0, now)).map((c) => c.startMs)).toEqual([now - t.retentionMs - span(t) + t.stepMs]);
    expect((await store.history.marks('pc', 0, now)).map((k) => k.atMs)).toEqual([now - 399 * DAY]);
  });

  it('keeps the tiers as the issue asks: 1 min for 2 days, 15 min for 30 days, 1 h for 400 days', () => {
    expect(tiers.map((t) => [t.stepMs / MIN, t.retentionMs / DAY])).toEqual([[1, 2], [15, 30], [60, 400]]);
  });

  it('chooses a tier per range that still holds the range, at most ~1500 points', () => {
    for (const [range, { tier, stepMs }] of Object.entries(deviceTierFor)) {
      const t = tierById(tier);
      expect(t.retentionMs, range).toBeGreaterThanOrEqual(rangeMs[range as keyof typeof rangeMs]);
      expect(stepMs % t.stepMs).toBe(0);
      expect(stepsFor(range as keyof typeof rangeMs, stepMs, T0 + 123_456).times.length, range).toBeLessThanOrEqual(2208);
    }
    expect(deviceTierFor['24h']).toEqual({ tier: 1, stepMs: MIN });
    expect(deviceTierFor['7d']).toEqual({ tier: 15, stepMs: 15 * MIN });
    expect(deviceTierFor.quarter.tier).toBe(60);
    const s = stepsFor('1h', MIN, T0 + 30_000);
    expect([s.times.length, s.fromMs, s.toMs]).toEqual([60, T0 - 59 * MIN, T0 + MIN]);
  });

  it('encodes a chunk and reads it back: gauges, sums and states, gaps kept, raw and deflated', () => {
    const t = tierById(15);
    const start = T0;
    const cpu = columns('gauge', t.bucketsPerChunk);
    mergeAt(cpu, 0, { n: 3, min: 0.1, max: 0.9, sum: 1.5, last: 0, lastAt: start });
    mergeAt(cpu, 2, { n: 1, min: 0.25, max: 0.25, sum: 0.25, last: 0, lastAt: start + 2 * t.stepMs });
    const thr = columns('sum', t.bucketsPerChunk);
    mergeAt(thr, 1, { n: 4, min: 0, max: 0, sum: 12, last: 0, lastAt: start + t.stepMs });
    const ps = columns('last', t.bucketsPerChunk);
    mergeAt(ps, 0, { n: 2, min: 0, max: 2, sum: 2, last: 2, lastAt: start + 61_000 });
    const lines: ChunkLines = new Map([[storedKey('cpu', 'cpu'), cpu], [storedKey('throttling', 'throttling'), thr], [storedKey('printer_state', 'hall'), ps]]);
    for (const compress of [false, true]) {
      const back = decodeChunk(t, start, encodeChunk(t, start, lines, compress));
      const g = back.get(storedKey('cpu', 'cpu'))!;
      expect(g.kind).toBe('gauge');
      expect(aggAt(g, 0)).toMatchObject({ n: 3, min: expect.closeTo(0.1, 6) as number, max: expect.closeTo(0.9, 6) as number, sum: expect.closeTo(1.5, 5) as number });
      expect(aggAt(g, 1)).toBeUndefined();
      expect(aggAt(g, 2)!.sum).toBeCloseTo(0.25, 6);
      expect(aggAt(back.get(storedKey('throttling', 'throttling')), 1)).toMatchObject({ n: 4, sum: 12 });
      expect(aggAt(back.get(storedKey('printer_state', 'hall')), 0)).toMatchObject({ n: 2, last: 2, min: 0, max: 2, lastAt: start + 61_000 });
    }
    expect(() => decodeChunk(t, start, new Uint8Array([9, 0, 0]))).toThrow(/format 9 is unknown/);
  });

  it('encodes and decodes on the thread pool to the very same bytes and lines as on the event loop', async () => {
    const t = tierById(1);
    const lines: ChunkLines = new Map();
    for (let k = 0; k < 20; k++) {
      const c = columns(k % 3 === 0 ? 'gauge' : k % 3 === 1 ? 'sum' : 'last', t.bucketsPerChunk);
      for (let i = 0; i < t.bucketsPerChunk; i += 1 + (k % 2)) mergeAt(c, i, { n: 1 + (i % 4), min: k - i, max: k + i, sum: k * i + 0.5, last: i, lastAt: T0 + i * t.stepMs + 7_000 });
      lines.set(storedKey('fs_used', `d${k}`), c);
    }
    for (const compress of [false, true]) {
      const bytes = await encodeChunkAsync(t, T0, lines, compress);
      expect(Buffer.from(bytes).equals(Buffer.from(encodeChunk(t, T0, lines, compress)))).toBe(true);
      expect(await decodeChunkAsync(t, T0, bytes)).toEqual(decodeChunk(t, T0, bytes));
    }
    await expect(decodeChunkAsync(t, T0, new Uint8Array([9, 0, 0]))).rejects.toThrow(/format 9 is unknown/);
  });

  it('a flush of a large fleet lets the event loop run between slices, and writes every chunk once', async () => {
    const fleet = Array.from({ length: 1000 }, (_, i) => `pc-${i}`);
    devices = new DeviceStore(fleet.map((name) => ({ name, site: 's' })), 's', 3);
    w = new HistoryWriter(store, devices, () => now, silentLogger, { graceMs: 5_000 });
    for (let m = 0; m < 5; m++) {
      now = T0 + m * MIN + 30_000;
      for (const name of fleet) w.record(name, makeReport({ device: name, seq: ++seq, createdAt: now, sentAt: now, samples: [{ metric: 'stationwatch_cpu_utilisation_ratio', value: m / 10 }, { metric: 'stationwatch_memory_utilisation_ratio', value: 0.5 }] }), now);
    }
    now = T0 + 5 * MIN + 6_000; // the first five-minute chunk of every device has closed
    let turns = 0;
    let turnsAtFirstWrite: number | undefined;
    const put = store.history.put.bind(store.history);
    store.history.put = (chunks) => ((turnsAtFirstWrite ??= turns), put(chunks));
    const counting = setInterval(() => turns++, 0);
    await w.flush();
    clearInterval(counting);
    // Timers ran before the first batch was even written: taking and encoding what is due yields too.
    expect(turnsAtFirstWrite).toBeGreaterThan(0);
    expect(turns).toBeGreaterThan(turnsAtFirstWrite!);
    expect(w.stats.chunksWritten).toBe(1000); // each device's minute chunk (its quarter hour and hour are still open)
    const back = await store.history.get([{ device: 'pc-999', tier: 1, startMs: T0 }]);
    const cols = decodeChunk(tierById(1), T0, back[0]!.data).get(storedKey('cpu', 'cpu'))!;
    expect([0, 1, 2, 3, 4].map((i) => aggAt(cols, i)?.sum)).toEqual([0, 0.1, 0.2, 0.3, 0.4].map((v) => expect.closeTo(v, 6) as number));
    expect(aggAt(decodeChunk(tierById(1), T0, back[0]!.data).get(storedKey('memory', 'memory')), 0)).toMatchObject({ n: 1 });
    // The written minutes' arrays are reused for the next ones: nothing of the old values shows through.
    for (let m = 5; m < 10; m++) {
      now = T0 + m * MIN + 30_000;
      for (const name of fleet.slice(0, 10)) w.record(name, makeReport({ device: name, seq: ++seq, createdAt: now, sentAt: now, samples: [{ metric: 'stationwatch_cpu_utilisation_ratio', value: 0.9 }] }), now);
    }
    now = T0 + 10 * MIN + 6_000;
    await w.flush();
    const next = await store.history.get([{ device: 'pc-3', tier: 1, startMs: T0 + 5 * MIN }]);
    const lines = decodeChunk(tierById(1), T0 + 5 * MIN, next[0]!.data);
    expect([0, 1, 2, 3, 4].map((i) => aggAt(lines.get(storedKey('cpu', 'cpu')), i))).toEqual(Array.from({ length: 5 }, () => expect.objectContaining({ n: 1, min: expect.closeTo(0.9, 6) as number, max: expect.closeTo(0.9, 6) as number })));
    expect(aggAt(lines.get(storedKey('memory', 'memory')), 0)).toBeUndefined();
  });

  it('the collector\'s own reporting view, per minute, for every known device', async () => {
    now = T0 + 20_000;
    await w.sampleReporting(); // never heard from: not reporting
    now = T0 + 30_000;
    devices.accept('pc', 's', makeReport({ device: 'pc', createdAt: now, sentAt: now }), now);
    now = T0 + MIN + 5_000; // 35 s after its report, within 3 × 15 s
    await w.sampleReporting();
    now = T0 + 3 * MIN;
    await w.flush();
    const times = [T0, T0 + MIN, T0 + 2 * MIN];
    const lines = await readSteps(store.history, ['pc'], 1, { fromMs: T0, toMs: T0 + 3 * MIN, stepMs: MIN, times }, (d, t) => w.unwritten(d, t));
    const r = lines.get('pc')!.get(storedKey('reporting', 'reporting'))!;
    expect([aggAt(r, 0)?.sum, aggAt(r, 1)?.sum, aggAt(r, 2)]).toEqual([0, 1, undefined]);
  });
});
