// Hostile input on the ingest route with a valid token (fast-check): random JSON, mutated valid
// reports (wrong types, unicode, huge strings, deep nesting, duplicate keys) — always a 4xx or a
// 202, never a 5xx, and a refused report leaves the store exactly as it was. Then reports generated
// over the schema: whatever is accepted exposes promtool-clean, and none freezes the device.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCollector, type CollectorApp } from '../../collector/app.js';
import { resolveCollectorConfig } from '../../collector/config.js';
import { silentLogger } from '../../common/logger.js';
import { agentMetrics } from '../../protocol/metrics.js';
import type { Report } from '../../protocol/report.js';
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

// ---------------------------------------------------------------------------------------------
// Reports that pass or nearly pass the schema, from a device whose real agent keeps reporting: what
// the collector accepts must expose cleanly (the real promtool), and nothing it accepts or refuses may
// make the real agent's next report `outdated`.

const PROMTOOL = '/usr/bin/promtool';
const T0 = 1_790_000_000_000;
const DAY = 86_400_000;
const STARTED = T0 - 3_600_000; // the real agent's process

/** The series identity (name and label text) and value of each sample line, labels parsed with their escapes. */
function sampleLines(text: string): Array<{ family: string; id: string; value: string }> {
  const out: Array<{ family: string; id: string; value: string }> = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)![0];
    let i = name.length;
    if (line[i] === '{') {
      let quoted = false;
      for (i++; i < line.length; i++) {
        const ch = line[i];
        if (quoted && ch === '\\') i++;
        else if (ch === '"') quoted = !quoted;
        else if (!quoted && ch === '}') break;
      }
      i++;
    }
    out.push({ family: name, id: line.slice(0, i), value: line.slice(i).trim().split(' ')[0]! });
  }
  return out;
}

/** promtool's verdict (when asked) and our own: each series once, device values finite, counters not negative. */
function checkExposition(text: string, promtool = true): void {
  if (promtool) {
    const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' });
    if (r.error) throw new Error(`promtool could not run (apt-get install -y --no-install-recommends prometheus): ${r.error.message}`);
    expect(`${r.stdout}${r.stderr}`, text.slice(0, 2000)).toBe('');
    expect(r.status).toBe(0);
  }
  const counters = new Set([...text.matchAll(/^# TYPE (\S+) counter$/gm)].map((m) => m[1]!));
  const seen = new Set<string>();
  for (const s of sampleLines(text)) {
    expect(seen.has(s.id), `duplicate series ${s.id}`).toBe(false);
    seen.add(s.id);
    if (!s.family.startsWith('stationwatch_collector_')) expect(Number.isFinite(Number(s.value)), s.id).toBe(true);
    if (counters.has(s.family)) expect(Number(s.value), s.id).toBeGreaterThanOrEqual(0);
  }
}

const nasty = fc.constantFrom('', '/', 'a"b', 'a\\b', 'x\ny', '\u0000', '\r\t', '\ud800', '\udc00x', '}', ' 1', '="x"', '\u202e柜台', 'é'.normalize('NFD'));
const labelValue = fc.oneof(nasty, fc.string({ unit: 'binary', maxLength: 12 }), fc.string({ minLength: 250, maxLength: 256 }));
const metricName = fc.constantFrom(...agentMetrics.map((d) => d.name));

const sampleArb = fc.constantFrom(...agentMetrics).chain((def) =>
  fc.record({
    metric: fc.oneof({ weight: 12, arbitrary: fc.constant(def.name) }, { weight: 1, arbitrary: fc.constantFrom('stationwatch_made_up', 'stationwatch_device_reporting', 'stationwatch_probe_success', 'stationwatch_agent_info') }),
    labels: fc.oneof(
      { weight: 10, arbitrary: fc.tuple(...def.labels.map(() => labelValue)).map((vs) => Object.fromEntries(def.labels.map((l, i) => [l, vs[i]!]))) },
      { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('device', 'site', 'probe', 'metric', 'mountpoint', 'le', 'printer'), labelValue, { maxKeys: 3 }) },
    ),
    value: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: -10, max: 10 }), fc.constantFrom(-0, 1e308, -1e308, 5e-324, -5)),
  }),
);

const probeArb = fc.record({
  name: fc.constantFrom('resources', 'thermal', 'network', 'a', 'b_2', 'storage', 'clock'),
  ok: fc.boolean(),
  durationSeconds: fc.double({ min: 0, max: 1e6, noNaN: true }),
  finishedAt: fc.integer({ min: 0, max: 1e14 }),
});

/** A report of pc-01: mostly schema-valid, with the kinds of values a broken or hostile sender picks. */
const reportArb = fc
  .record({
    site: fc.option(fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 64 }), fc.constantFrom('a"b', 'a\\b}', '\ud800', '\u007f')), { nil: undefined }),
    version: fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), nasty),
    platform: fc.oneof(fc.constantFrom('linux', 'win32'), nasty),
    startedAt: fc.oneof(fc.constant(STARTED), fc.integer({ min: 0, max: 1e14 }), fc.constantFrom(0, 1e14)),
    seq: fc.oneof(fc.constant(Number.MAX_SAFE_INTEGER), fc.nat(), fc.nat({ max: 2000 })),
    sentAhead: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: -60_000, max: 60_000 }) }, fc.integer({ min: -T0, max: 2 * DAY }), fc.constantFrom(DAY, DAY + 1, 1e14)),
    age: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: -1000, max: 60_000 }) }, fc.integer({ min: -2 * DAY, max: 410 * DAY }), fc.constantFrom(45_001, 365 * DAY, 401 * DAY, -DAY - 1)),
    intervalSeconds: fc.oneof(fc.constant(15), fc.double({ min: 0.2, max: 3600, noNaN: true })),
    probes: fc.oneof(
      { weight: 5, arbitrary: fc.uniqueArray(probeArb, { maxLength: 6, selector: (p) => p.name }) },
      fc.array(probeArb, { maxLength: 6 }),
    ),
    samples: fc.array(sampleArb, { maxLength: 40 }),
    unavailable: fc.array(fc.record({ metric: fc.oneof(metricName, fc.constant('stationwatch_unknown_thing')), reason: fc.string({ maxLength: 300 }) }), { maxLength: 5 }),
  })
  .map((g) => ({ ...g, toString: () => JSON.stringify(g) }));

function build(g: typeof reportArb extends fc.Arbitrary<infer G> ? G : never, at: number): Report {
  {
    const sentAt = Math.min(1e14, Math.max(0, at + g.sentAhead));
    return {
      schemaVersion: 1,
      device: 'pc-01',
      ...(g.site !== undefined ? { site: g.site } : {}),
      agent: { version: g.version, platform: g.platform, startedAt: g.startedAt },
      seq: g.seq,
      createdAt: Math.min(1e14, Math.max(0, sentAt - g.age)),
      sentAt,
      intervalSeconds: g.intervalSeconds,
      probes: g.probes,
      samples: g.samples,
      unavailable: g.unavailable,
    };
  }
}

describe('what the collector accepts (property-based, against the real promtool)', () => {
  let k: CollectorApp;
  let now = T0;
  let realSeq = 0;
  const realNext = (): Report => ({ ...makeReport({ createdAt: now, seq: ++realSeq }), site: 'branch-a', agent: { version: '0.1.0', platform: 'linux', startedAt: STARTED } });
  const post = (r: Report) => k.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, payload: JSON.stringify(r) });
  const kState = () => JSON.stringify(k.ctx.store.list(), (_k, v: unknown) => (v instanceof Map ? [...v.entries()] : v));

  beforeAll(async () => {
    if (!existsSync(PROMTOOL)) throw new Error('promtool not found: apt-get install -y --no-install-recommends prometheus');
    const config = resolveCollectorConfig({ devices: [{ name: 'pc-01', token: TOKEN }], limits: { reportsPerSecond: 10_000, reportBurst: 100_000 } }, {}, 'test');
    k = await buildCollector(config, { log: silentLogger, nowMs: () => now, pollSnmp: false });
    expect((await post(realNext())).json().status).toBe('accepted');
  });
  afterAll(async () => k.app.close());

  it('exposes any accepted report promtool-clean, with no negative counter and no duplicate series, and the real agent’s next report is applied', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(reportArb, async (g) => {
        now += 1000;
        const before = kState();
        const hostile = build(g, now);
        const res = await post(hostile);
        expect(res.statusCode, res.body).toBeLessThan(500);
        if (res.statusCode === 202) {
          accepted++;
          for (const d of res.json().dropped as Array<{ reason: string }>) expect(['unknown_metric', 'wrong_labels', 'duplicate_series', 'series_limit', 'negative_counter']).toContain(d.reason);
          checkExposition((await k.app.inject('/metrics')).body);
          // the device's own target, unless the report made it not reporting (a tiny interval, a late report)
          const target = await k.app.inject('/devices/pc-01/metrics');
          if (target.statusCode === 200) checkExposition(target.body, false); // its lines are in /metrics, which promtool read
          else expect(target.json().error).toBe('not_reporting');
        } else {
          expect(res.statusCode).toBeGreaterThanOrEqual(400);
          expect(kState()).toBe(before);
        }
        // the real agent's next report, one interval later, is the device's present
        now += 15_000;
        const next = await post(realNext());
        expect(next.json(), JSON.stringify(hostile).slice(0, 500)).toMatchObject({ status: 'accepted' });
        expect(k.ctx.store.get('pc-01')!.report!.seq).toBe(realSeq);
      }),
      { numRuns: 200 },
    );
    // the generator must reach the interesting side: many reports are accepted
    expect(accepted).toBeGreaterThan(50);
  }, 180_000);

  it('a seq of 2^53−1 for the agent’s own startedAt does not freeze the device', async () => {
    now += 15_000;
    const wedge = { ...realNext(), seq: Number.MAX_SAFE_INTEGER };
    expect((await post(wedge)).json().status).toBe('accepted');
    for (let i = 0; i < 3; i++) {
      now += 15_000;
      expect((await post(realNext())).json().status).toBe('accepted');
      expect(k.ctx.store.get('pc-01')!.report!.seq).toBe(realSeq);
    }
    // a resend of the agent's last report is still a resend
    const last = k.ctx.store.get('pc-01')!.report!;
    expect((await post({ ...last, sentAt: now + 500 })).json().status).toBe('outdated');
  });

  it('refuses a negative counter by name, and never exposes it as 0', async () => {
    now += 15_000;
    const r = { ...realNext(), samples: [{ metric: 'stationwatch_boots_total', value: -5 }, { metric: 'stationwatch_cpu_utilisation_ratio', value: 0.3 }] };
    const res = await post(r);
    expect(res.json()).toEqual({ status: 'accepted', dropped: [{ metric: 'stationwatch_boots_total', reason: 'negative_counter' }] });
    const text = (await k.app.inject('/devices/pc-01/metrics')).body;
    expect(text).not.toMatch(/^stationwatch_boots_total\{/m);
    expect(text).toContain('stationwatch_cpu_utilisation_ratio{device="pc-01",site="branch-a"} 0.3');
  });

  it('refuses the far future, a report older than any outbox keeps and duplicate probe names, with the paths; takes a year-old outbox report and a clock years behind', async () => {
    const cases: Array<[Partial<Report>, number, string | undefined]> = [
      [{ sentAt: now + DAY + 60_000, createdAt: now + DAY + 60_000 }, 400, '/sentAt'],
      [{ sentAt: now, createdAt: now - 401 * DAY }, 400, '/createdAt'],
      [{ sentAt: now, createdAt: now + 2 * DAY }, 400, '/createdAt'],
      [{ probes: [{ name: 'resources', ok: true, durationSeconds: 0, finishedAt: now }, { name: 'resources', ok: false, durationSeconds: 0, finishedAt: now }] }, 400, '/probes/1/name'],
      [{ sentAt: now, createdAt: now - 365 * DAY }, 202, undefined],
      [{ sentAt: now - 3 * 365 * DAY, createdAt: now - 3 * 365 * DAY }, 202, undefined],
      [{ sentAt: now + 3_600_000, createdAt: now + 3_600_000 }, 202, undefined],
    ];
    for (const [over, status, path] of cases) {
      now += 15_000;
      const res = await post({ ...realNext(), ...over });
      expect(res.statusCode, JSON.stringify(over)).toBe(status);
      if (path) expect((res.json().problems as string[]).some((p) => p.startsWith(path)), res.body).toBe(true);
    }
  });
});
