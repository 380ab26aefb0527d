// Collector reliability through inject(): late reports and their counters, backfill only for the
// not-reporting period (to a real HTTP receiver decoding the remote-write body), state surviving a
// restart, enrolment and revocation, rate limits, series limits, scrape auth, security headers.
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildCollector, type CollectorApp } from '../../collector/app.js';
import { resolveCollectorConfig } from '../../collector/config.js';
import { decodeWriteRequest, type Series } from '../../collector/remote-write/encode.js';
import { silentLogger } from '../../common/logger.js';
import { deviceSamples } from '../../collector/device-store.js';
import { makeReport } from '../helpers/reports.js';
import { sqliteConnection } from '../../collector/store/sqlite/index.js';

const TOKEN = 'token-for-pc-01-xxxxxxxx';
const T0 = 1_700_000_000_000;
let now = T0;
let dir: string;
const apps: CollectorApp[] = [];

beforeEach(async () => {
  now = T0;
  dir = await mkdtemp(join(tmpdir(), 'sw-coll-'));
});
afterEach(async () => {
  for (const a of apps.splice(0)) await a.app.close();
  await rm(dir, { recursive: true, force: true });
});

async function collector(extra: Record<string, unknown> = {}): Promise<CollectorApp> {
  const config = resolveCollectorConfig({ devices: [{ name: 'pc-01', token: TOKEN, site: 'branch-a' }], stateDir: dir, ...extra }, {}, 'test');
  const c = await buildCollector(config, { log: silentLogger, nowMs: () => now });
  apps.push(c);
  return c;
}

const post = (c: CollectorApp, body: unknown, token = TOKEN) =>
  c.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, payload: JSON.stringify(body) });

/** A report made at `at` (device clock = collector clock here) and sent now. */
const report = (seq: number, at: number, boots = seq) =>
  makeReport({ seq, createdAt: at, sentAt: now, agent: { version: '0.1.0', platform: 'linux', startedAt: T0 - 60_000 }, samples: [{ metric: 'stationwatch_cpu_utilisation_ratio', value: seq / 100 }, { metric: 'stationwatch_boots_total', value: boots }] });

async function receiver(): Promise<{ url: string; got: Series[]; server: Server }> {
  const got: Series[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push(...decodeWriteRequest(Buffer.concat(chunks)));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/api/v1/write`, got, server };
}

describe('late reports and backfill', () => {
  it('applies late counters without marking the device reporting, and backfills only the not-reporting period', async () => {
    const rw = await receiver();
    try {
      const c = await collector({ remoteWrite: { url: rw.url } });
      expect((await post(c, report(1, now))).json().status).toBe('accepted');
      const lastFresh = now;
      // the collector is unreachable for the agent for 10 minutes; the agent queues a report each 15 s
      now += 600_000;
      const queued = [60, 120, 300, 540].map((s, i) => report(2 + i, lastFresh + s * 1000));
      const answers = [];
      for (const r of queued) answers.push((await post(c, { ...r, sentAt: now })).json().status);
      expect(answers).toEqual(['late', 'late', 'late', 'late']);
      const d = c.ctx.store.get('pc-01')!;
      expect(c.ctx.store.isReporting(d, now)).toBe(false);
      expect(d.report?.seq).toBe(5); // counters of the newest late report apply
      expect((await post(c, report(6, now))).json().status).toBe('accepted');
      expect(c.ctx.store.isReporting(c.ctx.store.get('pc-01')!, now)).toBe(true);
      expect((await c.app.inject('/metrics')).body).toContain('stationwatch_boots_total{device="pc-01",site="branch-a"} 6');

      await c.ctx.backfill!.idle();
      const cpu = rw.got.filter((s) => s.labels.__name__ === 'stationwatch_cpu_utilisation_ratio');
      // the staleness window is 3 × 15 s: all four were made after the device was shown as not reporting
      expect(cpu.map((s) => s.samples[0]!.timestampMs)).toEqual([60, 120, 300, 540].map((s) => lastFresh + s * 1000));
      expect(cpu[0]!.labels).toMatchObject({ device: 'pc-01', site: 'branch-a', job: 'stationwatch-devices', instance: 'pc-01' });

      // a resend of a report from a period in which the device was reporting is not backfilled
      rw.got.length = 0;
      const before = JSON.stringify(c.ctx.store.get('pc-01')!.report);
      expect((await post(c, { ...report(1, lastFresh), sentAt: now })).json().status).toBe('late');
      await c.ctx.backfill!.idle();
      expect(rw.got).toEqual([]);
      expect(JSON.stringify(c.ctx.store.get('pc-01')!.report)).toBe(before);
    } finally {
      rw.server.close();
    }
  });

  it('an agent restarted after its clock was set back is the present, not outdated; a resend is', async () => {
    const c = await collector();
    const ahead = { version: '0.1.0', platform: 'linux', startedAt: T0 + 3_600_000 }; // the clock was an hour ahead
    expect((await post(c, makeReport({ seq: 5, createdAt: now, sentAt: now, agent: ahead }))).json().status).toBe('accepted');
    now += 15_000;
    const corrected = { ...ahead, startedAt: now - 1000 }; // restarted with the right time
    expect((await post(c, makeReport({ seq: 0, createdAt: now, sentAt: now, agent: corrected }))).json().status).toBe('accepted');
    expect((await post(c, makeReport({ seq: 0, createdAt: now, sentAt: now, agent: corrected }))).json().status).toBe('outdated');
    expect(c.ctx.store.get('pc-01')!.report!.agent.startedAt).toBe(corrected.startedAt);
    expect(c.ctx.store.isReporting(c.ctx.store.get('pc-01')!, now)).toBe(true);
  });

  it('a restart keeps every acknowledged state and the gaps', async () => {
    const a = await collector();
    await post(a, report(1, now));
    now += 120_000;
    await post(a, report(2, now));
    await a.app.close();
    apps.length = 0;
    const b = await collector();
    const d = b.ctx.store.get('pc-01')!;
    expect(d.report?.seq).toBe(2);
    expect(d.receivedAtMs).toBe(now);
    expect(d.gaps.at(-1)).toEqual({ fromMs: T0 + 45_000, toMs: now });
    expect((await post(b, report(2, now))).json().status).toBe('outdated'); // a resend after the restart
  });
});

describe('durable device state', () => {
  it('stores the report as it arrived, and restores it through the same checks as ingest', async () => {
    const a = await collector();
    const sent = {
      ...report(1, now),
      unavailable: [{ metric: 'stationwatch_temperature_celsius', reason: 'no sensor' }, { metric: 'stationwatch_future_thing', reason: 'newer agent' }],
      samples: [{ metric: 'stationwatch_boots_total', value: 4 }, { metric: 'stationwatch_future_thing', value: 1 }],
      futureField: { anything: true }, // newer agents may send fields this collector does not know
    };
    const body = JSON.stringify(sent);
    const res = await a.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, payload: body });
    expect(res.statusCode).toBe(202); // answered once committed
    const live = a.ctx.store.get('pc-01')!;
    const deviceLines = async (c: CollectorApp) => (await c.app.inject('/metrics')).body.split('\n').filter((l) => l.includes('device="pc-01"'));
    const liveLines = await deviceLines(a);
    expect(liveLines.length).toBeGreaterThan(3);
    const row = sqliteConnection(a.ctx.db).prepare('SELECT report FROM device_state WHERE device = ?').get('pc-01') as { report: string };
    expect(row.report).toBe(body); // the text received, not a re-serialisation
    await a.app.close();
    apps.length = 0;

    const b = await collector();
    const restored = b.ctx.store.get('pc-01')!;
    // the unknown metric's sample and "unavailable" entry are dropped again, as at ingest
    expect(restored.report!.unavailable).toEqual(live.report!.unavailable);
    expect(restored.report!.unavailable.map((u) => u.metric)).toEqual(['stationwatch_temperature_celsius']);
    expect(restored.metrics).toEqual(['stationwatch_boots_total']);
    expect([...deviceSamples(restored).keys()]).toEqual(['stationwatch_boots_total']);
    expect(await deviceLines(b)).toEqual(liveLines); // the device's series as before the restart
  });

  it('a report sent with a byte-order mark is stored without it and restored', async () => {
    const a = await collector();
    const body = JSON.stringify(report(1, now));
    const res = await a.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, payload: `\uFEFF${body}` });
    expect(res.statusCode).toBe(202);
    await a.app.close();
    apps.length = 0;
    const b = await collector();
    expect(b.ctx.store.get('pc-01')!.report?.seq).toBe(1);
    expect((sqliteConnection(b.ctx.db).prepare('SELECT report FROM device_state').get() as { report: string }).report).toBe(body);
  });
});

describe('backfill sender', () => {
  it('retries a receiver that is away and gives up on one that refuses, counting both', async () => {
    const { Registry } = await import('prom-client');
    const { Backfill } = await import('../../collector/remote-write/backfill.js');
    const answers = [503, 204, 400];
    const got: Series[][] = [];
    const fake = (async (_url: string, init: { body: Uint8Array }) => {
      got.push(decodeWriteRequest(init.body));
      return new Response(null, { status: answers.shift() ?? 204 });
    }) as unknown as typeof fetch;
    const registry = new Registry();
    const b = new Backfill({ url: 'http://127.0.0.1:1/api/v1/write', timeoutSeconds: 1, labels: { job: 'j' }, instanceIsDevice: true, maxQueuedSamples: 1000 }, registry, fake);
    b.enqueue('pc-01', 'a', 1000, [{ metric: 'stationwatch_boots_total', value: -1 }, { metric: 'stationwatch_cpu_utilisation_ratio', value: 0.5 }]);
    b.enqueue('pc-01', 'a', 2000, [{ metric: 'stationwatch_cpu_utilisation_ratio', value: 0.7 }]);
    await waitUntil(async () => got.length >= 3);
    await b.idle();
    // the first batch twice (503, then 204), the second once (400)
    expect(got.map((g) => g.map((s) => s.samples[0]!.timestampMs))).toEqual([[1000, 1000], [1000, 1000], [2000]]);
    expect(got[0]!.find((s) => s.labels.__name__ === 'stationwatch_boots_total')!.samples[0]!.value).toBe(0); // counters never negative
    expect(got[0]![0]!.labels).toMatchObject({ job: 'j', instance: 'pc-01', device: 'pc-01', site: 'a' });
    const text = await registry.metrics();
    expect(text).toContain('stationwatch_collector_backfill_samples_total{result="sent"} 2');
    expect(text).toContain('stationwatch_collector_backfill_samples_total{result="refused"} 1');
    b.close();
  });
});

async function waitUntil(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('enrolment', () => {
  const enrol = (c: CollectorApp, body: unknown, ip = '127.0.0.1') => c.app.inject({ method: 'POST', url: '/api/v1/enrol', remoteAddress: ip, payload: body as object });

  it('trades a one-time code for a token that reports as this device only, until revoked', async () => {
    const c = await collector();
    const { code } = await c.ctx.enrolment.issueCode('branch-b', now, 3_600_000);
    const res = await enrol(c, { device: 'pc-07', code });
    expect(res.statusCode).toBe(201);
    const { token, site } = res.json() as { token: string; site: string };
    expect(site).toBe('branch-b');
    // only the hash is stored
    expect(JSON.stringify(sqliteConnection(c.ctx.db).prepare('SELECT * FROM device_tokens').all())).not.toContain(token);
    expect((await post(c, makeReport({ device: 'pc-07' }), token)).statusCode).toBe(202);
    expect(c.ctx.store.get('pc-07')?.site).toBe('branch-b');
    const before = JSON.stringify(c.ctx.store.get('pc-01') ?? null);
    const wrong = await post(c, makeReport({ device: 'pc-01' }), token);
    expect([wrong.statusCode, wrong.json().error]).toEqual([403, 'wrong_device']);
    expect(JSON.stringify(c.ctx.store.get('pc-01') ?? null)).toBe(before);
    // replaying the code
    const replay = await enrol(c, { device: 'pc-08', code });
    expect([replay.statusCode, replay.json().error]).toEqual([403, 'enrol_refused']);
    expect(await c.ctx.enrolment.isEnrolled('pc-08')).toBe(false);
    // revoke
    expect(await c.ctx.enrolment.revoke('pc-07', now)).toBe(true);
    const revoked = await post(c, makeReport({ device: 'pc-07', seq: 9 }), token);
    expect([revoked.statusCode, revoked.json().error]).toEqual([401, 'unauthorized']);
    expect(c.ctx.store.get('pc-07')?.report?.seq).toBe(1);
  });

  it('a site secret enrols into its site; wrong secrets, expired codes, taken names and the device cap are refused', async () => {
    const c = await collector({ enrolment: { siteSecrets: [{ site: 'branch-c', secret: 'branch-c-secret-0123456789' }] }, limits: { maxDevices: 3 } });
    expect((await enrol(c, { device: 'pc-20', secret: 'branch-c-secret-0123456789' })).json()).toMatchObject({ device: 'pc-20', site: 'branch-c' });
    expect((await enrol(c, { device: 'pc-21', secret: 'not-the-secret-0123456789' })).statusCode).toBe(403);
    expect((await enrol(c, { device: 'pc-20', secret: 'branch-c-secret-0123456789' })).statusCode).toBe(409);
    expect((await enrol(c, { device: 'pc-01', secret: 'branch-c-secret-0123456789' })).statusCode).toBe(409); // configured
    const { code } = await c.ctx.enrolment.issueCode('branch-c', now, 1000);
    now += 2000;
    expect((await enrol(c, { device: 'pc-22', code })).json().message).toContain('expired');
    expect((await enrol(c, { device: 'pc-23', secret: 'branch-c-secret-0123456789' })).statusCode).toBe(201);
    expect((await enrol(c, { device: 'pc-24', secret: 'branch-c-secret-0123456789' })).json().error).toBe('limit_reached');
    expect((await enrol(c, { device: 'bad name', code: 'x' })).statusCode).toBe(400);
  });

  it('limits enrolment attempts per address', async () => {
    const c = await collector();
    const codes = [];
    for (let i = 0; i < 12; i++) codes.push((await enrol(c, { device: `pc-${i}`, code: `guess-${i}` }, '10.9.9.9')).statusCode);
    expect(codes.slice(0, 10).every((s) => s === 403)).toBe(true);
    expect(codes.slice(10)).toEqual([429, 429]);
    expect((await enrol(c, { device: 'pc-x', code: 'guess' }, '10.9.9.8')).statusCode).toBe(403);
  });
});

describe('limits and scrape auth', () => {
  it('rate-limits each token with Retry-After, and stores nothing refused', async () => {
    const c = await collector({ limits: { reportsPerSecond: 1, reportBurst: 3 } });
    const statuses = [];
    for (let seq = 1; seq <= 5; seq++) statuses.push((await post(c, report(seq, now))).statusCode);
    expect(statuses).toEqual([202, 202, 202, 429, 429]);
    expect(c.ctx.store.get('pc-01')?.report?.seq).toBe(3);
    now += 1000;
    const res = await post(c, report(6, now));
    expect(res.statusCode).toBe(202);
    const limited = await post(c, report(7, now));
    expect(limited.headers['retry-after']).toBe('1');
  });

  it('keeps at most maxSeriesPerDevice series and counts the rest', async () => {
    const c = await collector({ limits: { maxSeriesPerDevice: 10 } });
    const samples = Array.from({ length: 50 }, (_, i) => ({ metric: 'stationwatch_filesystem_utilisation_ratio', labels: { mountpoint: `/m${i}\u0001\ud800`, fstype: 'ext4' }, value: 0.5 }));
    const res = await post(c, makeReport({ samples }));
    expect(res.json().dropped.filter((d: { reason: string }) => d.reason === 'series_limit')).toHaveLength(40);
    const body = (await c.app.inject('/metrics')).body;
    expect(body.match(/^stationwatch_filesystem_utilisation_ratio\{/gm)).toHaveLength(10);
    expect(body).toContain('mountpoint="/m0\uFFFD\uFFFD"');
  });

  it('guards metrics and service discovery with a bearer token or basic auth when configured', async () => {
    const c = await collector({ scrapeAuth: { bearerToken: 'scrape-token-0123456789', basic: { username: 'prom', password: 'scrape-password-1' } } });
    for (const url of ['/metrics', '/collector/metrics', '/sd', '/devices/pc-01/metrics']) {
      expect((await c.app.inject(url)).statusCode, url).toBe(401);
      expect((await c.app.inject({ url, headers: { authorization: 'Bearer wrong-token-0123456789' } })).statusCode).toBe(401);
    }
    expect((await c.app.inject({ url: '/metrics', headers: { authorization: 'Bearer scrape-token-0123456789' } })).statusCode).toBe(200);
    expect((await c.app.inject({ url: '/sd', headers: { authorization: `Basic ${Buffer.from('prom:scrape-password-1').toString('base64')}` } })).statusCode).toBe(200);
    expect((await c.app.inject({ url: '/sd', headers: { authorization: `Basic ${Buffer.from('prom:wrong').toString('base64')}` } })).statusCode).toBe(401);
    expect((await c.app.inject('/healthz')).statusCode).toBe(200);
  });

  it('sends security headers on every answer', async () => {
    const c = await collector();
    const res = await c.app.inject('/');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });
});
