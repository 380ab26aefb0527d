// Hostile input on the ingest route with a valid token (fast-check): random JSON, mutated valid
// reports (wrong types, unicode, huge strings, deep nesting, duplicate keys) — always a 4xx or a
// 202, never a 5xx, and a refused report leaves the store exactly as it was.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCollector, type CollectorApp } from '../../collector/app.js';
import { resolveCollectorConfig } from '../../collector/config.js';
import { silentLogger } from '../../common/logger.js';
import { makeReport } from '../helpers/reports.js';

const TOKEN = 'token-for-pc-01-xxxxxxxx';
let c: CollectorApp;

beforeAll(async () => {
  const config = resolveCollectorConfig({ bodyLimitBytes: 256 * 1024, devices: [{ name: 'pc-01', token: TOKEN }], limits: { reportsPerSecond: 10_000, reportBurst: 100_000 } }, {}, 'test');
  c = await buildCollector(config, { log: silentLogger });
});
afterAll(async () => c.app.close());

const state = () => JSON.stringify(c.ctx.store.list(), (_k, v: unknown) => (v instanceof Map ? [...v.entries()] : v));

async function send(payload: string): Promise<number> {
  const res = await c.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, payload });
  return res.statusCode;
}

/** Sends; a refusal must be 4xx and change nothing; an acceptance must be 202. */
async function checkOne(payload: string): Promise<void> {
  const before = state();
  const status = await send(payload);
  expect(status, payload.slice(0, 300)).toBeLessThan(500);
  if (status !== 202) {
    expect(status).toBeGreaterThanOrEqual(400);
    expect(state()).toBe(before);
  }
}

// Replace one value somewhere in a valid report by something of another kind.
const anyValue = fc.oneof(fc.string({ unit: 'binary' }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.anything(), { maxLength: 3 }), fc.object({ maxDepth: 2 }), fc.string({ minLength: 300, maxLength: 3000 }));

function paths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (v === null || typeof v !== 'object') return [prefix];
  const keys = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v);
  return [prefix, ...keys.flatMap((k) => paths((v as Record<string | number, unknown>)[k], [...prefix, k]))];
}

function setAt(root: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let cur = copy;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  cur[path.at(-1)!] = value;
  return copy;
}

describe('ingest under hostile input (property-based)', () => {
  // First: the mutations below may legitimately be accepted with a huge seq, after which this
  // test's report would be outdated.
  it('deep nesting, huge strings, unicode label values, duplicate keys and broken JSON are handled', async () => {
    const deep = '['.repeat(50_000) + ']'.repeat(50_000);
    const report = JSON.stringify(makeReport({ seq: 1000 }));
    const cases = [
      deep,
      `{"a":${deep}}`,
      JSON.stringify({ ...makeReport(), device: 'x'.repeat(200_000) }),
      // duplicate keys: JSON.parse keeps the last one
      report.replace('"device":"pc-01"', '"device":"pc-02","device":"pc-01"'),
      report.replace('"device":"pc-01"', '"device":"pc-01","device":"pc-02"'),
      report.slice(0, -5),
      report.replace(/"mountpoint":"\/"/, '"mountpoint":"\\ud800\\u0000柜台\\u202e"'),
      '\uFEFF' + report,
      '"just a string"',
      'null',
      '',
    ];
    for (const p of cases) await checkOne(p);
    // the duplicate-key report whose last device is ours was a valid report: accepted
    expect(c.ctx.store.get('pc-01')?.report?.seq).toBe(1000);
  });

  it('random JSON values are refused with a 4xx and change nothing', async () => {
    await fc.assert(fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), async (v) => checkOne(JSON.stringify(v))), { numRuns: 150 });
  });

  it('a valid report with one value replaced by anything never causes a 5xx', async () => {
    let seq = 10;
    const base = makeReport({ seq: 1 });
    const all = paths(base);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...all), anyValue, async (path, value) => {
        const r = setAt({ ...base, seq: seq++ }, path, value);
        await checkOne(JSON.stringify(r));
      }),
      { numRuns: 300 },
    );
  });

  it('fuzzes byte-level mutations of a valid report', async () => {
    const valid = JSON.stringify(makeReport({ seq: 5000 }));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(valid.length - 1), fc.string({ unit: 'binary', maxLength: 4 })), { minLength: 1, maxLength: 5 }), async (edits) => {
        let s = valid;
        for (const [at, text] of edits) s = s.slice(0, at) + text + s.slice(at + 1);
        await checkOne(s);
      }),
      { numRuns: 300 },
    );
  });
});
