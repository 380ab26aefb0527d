// The ingest workers (collector/ingest-pool.ts): a report prepared in a worker is what the same
// function makes of it on the event loop (parsed report, indexed samples, rendered bytes); texts the
// worker does not parse are left to fastify's parser; a worker that dies is replaced and the reports
// it held are prepared on the event loop.
import { afterEach, describe, expect, it } from 'vitest';
import { defaultIngestWorkers, IngestPool } from '../../collector/ingest-pool.js';
import { prepareReport, type PrepareInput } from '../../collector/ingest-prepare.js';
import { simulatedReport } from '../../tools/loadgen/report-shape.js';

const errors: unknown[] = [];
const log = { error: (obj: object) => void errors.push(obj) };
const pools: IngestPool[] = [];
afterEach(async () => {
  for (const p of pools.splice(0)) await p.close();
  errors.length = 0;
});

const T = 1_800_000_000_000;
const input = (text: string): PrepareInput => ({ text, configuredSite: undefined, defaultSite: 'main', receivedAtMs: T + 1_500, maxSeriesPerDevice: 1000 });
const prepareIn = (pool: IngestPool, text: string) => pool.prepare(input(text), Buffer.from(text));

describe('ingest workers', () => {
  it('are one per core beyond the event loop\'s, at most two, and none on a single core', () => {
    expect([1, 2, 3, 4, 16].map((n) => defaultIngestWorkers(n))).toEqual([0, 1, 2, 2, 2]);
  });

  it('without workers (one core) prepare on the event loop, the same result', async () => {
    const pool = new IngestPool(log, 0);
    pools.push(pool);
    const text = JSON.stringify(simulatedReport('pc-02', 'branch-a', T - 60_000, 3, T, 15));
    const got = await prepareIn(pool, text);
    const inline = prepareReport(input(text));
    if (got.kind !== 'valid' || inline.kind !== 'valid') throw new Error('not valid');
    expect(got.report).toEqual(inline.report);
    expect(Buffer.from(got.rendered.body).toString()).toBe(Buffer.from(inline.rendered.body).toString());
    expect(errors).toEqual([]);
  });

  it('prepare a report as the event loop would', async () => {
    const pool = new IngestPool(log, 2);
    pools.push(pool);
    const report = simulatedReport('pc-01', 'branch-a', T - 60_000, 3, T, 15);
    report.samples.push({ metric: 'stationwatch_no_such_metric', value: 1 }, { metric: report.samples[0]!.metric, value: 2 });
    report.unavailable.push({ metric: 'stationwatch_no_such_metric', reason: 'x' });
    const text = JSON.stringify(report);
    const inWorker = await prepareIn(pool, text);
    const inline = prepareReport(input(text));
    expect(inWorker.kind).toBe('valid');
    if (inWorker.kind !== 'valid' || inline.kind !== 'valid') throw new Error('not valid');
    expect(inWorker.report).toEqual(inline.report);
    expect(inWorker.compact).toEqual(inline.compact);
    expect(inWorker.history).toEqual(inline.history);
    expect(inWorker.compact.dropped.map((d) => d.reason)).toEqual(['unknown_metric', 'duplicate_series']);
    // Compact: the report comes back without its samples, the unknown metric's "unavailable" left out.
    expect(inWorker.report.samples).toEqual([]);
    expect(inWorker.report.unavailable).toEqual([]);
    expect(Buffer.from(inWorker.rendered.body).toString()).toBe(Buffer.from(inline.rendered.body).toString());
    expect([...inWorker.rendered.byteRanges]).toEqual([...inline.rendered.byteRanges]);
    expect(inWorker.rendered.site).toBe('branch-a');
    expect(inWorker.rendered.clockOffsetSeconds).toBe(-1.5);
    // A small text (Node's shared buffer pool) is copied, not transferred away from the pool.
    const small = Buffer.from('{"a":1}');
    expect((await pool.prepare(input('{"a":1}'), small)).kind).toBe('invalid');
    expect(small.toString()).toBe('{"a":1}');
  });

  it('leaves broken JSON and hostile keys to fastify’s parser; says what is wrong with a schema violation', async () => {
    const pool = new IngestPool(log, 1);
    pools.push(pool);
    expect(await prepareIn(pool, '{"device": ')).toEqual({ kind: 'unparsed' });
    expect(await prepareIn(pool, '{"__proto__": {"x": 1}}')).toEqual({ kind: 'unparsed' });
    expect(await prepareIn(pool, '{"\\u005f_proto__": {}}')).toEqual({ kind: 'unparsed' });
    const invalid = await prepareIn(pool, JSON.stringify({ ...simulatedReport('pc-01', 'a', T, 1, T, 15), seq: -1 }));
    expect(invalid.kind).toBe('invalid');
    expect(invalid.kind === 'invalid' && invalid.problems.join('\n')).toMatch(/\/seq/);
  });

  it('replaces a worker that dies; the reports it held are prepared on the event loop', async () => {
    const pool = new IngestPool(log, 1);
    pools.push(pool);
    const text = JSON.stringify(simulatedReport('pc-01', 'a', T, 1, T, 15));
    expect((await prepareIn(pool, text)).kind).toBe('valid');
    const slots = (pool as unknown as { slots: Array<{ worker: import('node:worker_threads').Worker }> }).slots;
    const first = slots[0]!.worker;
    const held = prepareIn(pool, text);
    await first.terminate();
    expect((await held).kind).toBe('valid');
    expect(errors.length).toBe(1);
    expect(slots[0]!.worker).not.toBe(first);
    expect((await prepareIn(pool, text)).kind).toBe('valid');
  });
});
