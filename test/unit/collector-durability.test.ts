// Durability as promised: a report is answered 202 only once its state is committed to SQLite, the
// collector's memory changes only after that commit, and an agent's retry after a failed commit is
// applied exactly once. The failures are real SQLite failures on the connection that commits the
// device states (the commit thread's own, collector/store/sqlite/device-state-committer.ts): the
// database made read-only (PRAGMA query_only: SQLITE_READONLY) and full (PRAGMA max_page_count:
// SQLITE_FULL, as on a full disk).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildCollector, type CollectorApp } from '../../collector/app.js';
import { resolveCollectorConfig } from '../../collector/config.js';
import { sqliteConnection, sqliteDeviceStatePragma, storeFileName } from '../../collector/store/sqlite/index.js';
import { silentLogger } from '../../common/logger.js';
import { makeReport } from '../helpers/reports.js';
import type { Report } from '../../protocol/report.js';

const TOKEN = 'token-for-pc-01-xxxxxxxx';
const OTHER = 'token-for-pc-02-xxxxxxxx';
const T0 = 1_700_000_000_000;
let now = T0;
let dir: string;
const apps: CollectorApp[] = [];

beforeEach(async () => {
  now = T0;
  dir = await mkdtemp(join(tmpdir(), 'sw-durable-'));
});
afterEach(async () => {
  for (const a of apps.splice(0)) await a.app.close();
  await rm(dir, { recursive: true, force: true });
});

async function collector(): Promise<CollectorApp> {
  const config = resolveCollectorConfig({ devices: [{ name: 'pc-01', token: TOKEN, site: 'branch-a' }, { name: 'pc-02', token: OTHER, site: 'branch-a' }], stateDir: dir }, {}, 'test');
  const c = await buildCollector(config, { log: silentLogger, nowMs: () => now });
  apps.push(c);
  return c;
}

const post = (c: CollectorApp, body: Report, token = TOKEN) =>
  c.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, payload: JSON.stringify(body) });

const agent = { version: '0.1.0', platform: 'linux', startedAt: T0 - 60_000 };
const report = (seq: number, device = 'pc-01') =>
  makeReport({ device, seq, createdAt: now, sentAt: now, agent, samples: [{ metric: 'stationwatch_cpu_utilisation_ratio', value: seq / 100 }, { metric: 'stationwatch_boots_total', value: seq }] });

/** What the database holds for a device, read through a connection of its own (what a restart would find). */
function stored(device: string): { seq: number; reportsAccepted: number } | undefined {
  const db = new Database(join(dir, storeFileName), { readonly: true });
  try {
    const row = db.prepare('SELECT report, reports_accepted FROM device_state WHERE device = ?').get(device) as { report: string; reports_accepted: number } | undefined;
    return row && { seq: (JSON.parse(row.report) as Report).seq, reportsAccepted: row.reports_accepted };
  } finally {
    db.close();
  }
}

const pragma = (c: CollectorApp, text: string) => sqliteDeviceStatePragma(c.ctx.db, text);

const faults: Array<[string, (c: CollectorApp) => Promise<() => Promise<unknown>>]> = [
  [
    'read-only (SQLITE_READONLY)',
    async (c) => {
      await pragma(c, 'query_only = ON');
      return () => pragma(c, 'query_only = OFF');
    },
  ],
  [
    'full (SQLITE_FULL)',
    async (c) => {
      // No page beyond those the file has: the next write that needs one fails as on a full disk.
      const pages = sqliteConnection(c.ctx.db).pragma('page_count', { simple: true }) as number;
      await pragma(c, `max_page_count = ${pages}`);
      return () => pragma(c, 'max_page_count = 1073741823');
    },
  ],
];

it('the faults below reach the connection that commits, which is not the event loop\'s', async () => {
  const c = await collector();
  expect(c.ctx.db.kind).toBe('sqlite');
  await pragma(c, 'query_only = ON');
  // Only the committing connection is read-only: the collector's own still writes (a test injecting
  // the fault on the wrong connection would see every report accepted).
  expect(sqliteConnection(c.ctx.db).pragma('query_only', { simple: true })).toBe(0);
  expect(await pragma(c, 'query_only')).toEqual([{ query_only: 1 }]);
  expect((await post(c, report(1))).statusCode).toBe(503);
  await pragma(c, 'query_only = OFF');
  expect((await post(c, report(1))).statusCode).toBe(202);
});

describe('a failed commit', () => {
  for (const [name, breakStore] of faults) {
    it(`(${name}) is a 503 that changes nothing, and the agent's retry is applied exactly once`, async () => {
      const c = await collector();
      expect((await post(c, report(1))).json().status).toBe('accepted');
      const exposedBefore = (await c.app.inject('/devices/pc-01/metrics')).body;
      now += 15_000;
      const heal = await breakStore(c);
      // A report big enough to need new pages (for the full database).
      const big: Report = { ...report(2), unavailable: Array.from({ length: 200 }, (_, i) => ({ metric: 'stationwatch_temperature_celsius', reason: `padding ${i} `.repeat(20) })) };
      const failed = await post(c, big);
      expect(failed.statusCode).toBe(503);
      expect(failed.json().error).toBe('store_unavailable');
      // memory is as before: same report, same count, same exposition
      const d = c.ctx.store.get('pc-01')!;
      expect(d.report!.seq).toBe(1);
      expect(d.reportsAccepted).toBe(1);
      expect(d.receivedAtMs).toBe(T0);
      expect((await c.app.inject('/devices/pc-01/metrics')).body).toBe(exposedBefore);
      expect(stored('pc-01')).toEqual({ seq: 1, reportsAccepted: 1 });

      await heal();
      now += 2000;
      // the agent retries the same report (same startedAt, seq and createdAt; a new sentAt)
      const retry = await post(c, { ...big, sentAt: now });
      expect(retry.statusCode).toBe(202);
      expect(retry.json().status).toBe('accepted');
      expect(c.ctx.store.get('pc-01')!.report!.seq).toBe(2);
      expect(c.ctx.store.get('pc-01')!.reportsAccepted).toBe(2);
      expect(stored('pc-01')).toEqual({ seq: 2, reportsAccepted: 2 });
      expect((await c.app.inject('/metrics')).body).toContain('stationwatch_boots_total{device="pc-01",site="branch-a"} 2');
      // a second retry (the 202 was lost) is a resend: answered, not applied again
      expect((await post(c, { ...big, sentAt: now + 1000 })).json().status).toBe('outdated');
      expect(c.ctx.store.get('pc-01')!.reportsAccepted).toBe(2);
      expect(stored('pc-01')).toEqual({ seq: 2, reportsAccepted: 2 });

      // and a restart finds exactly what was acknowledged
      await c.app.close();
      apps.length = 0;
      const b = await collector();
      expect(b.ctx.store.get('pc-01')!.report!.seq).toBe(2);
      expect(b.ctx.store.get('pc-01')!.reportsAccepted).toBe(2);
    });
  }

  it('fails every report committed with it, and none of them is applied', async () => {
    const c = await collector();
    await pragma(c, 'query_only = ON');
    const answers = await Promise.all([post(c, report(1)), post(c, report(1, 'pc-02'), OTHER)]);
    expect(answers.map((a) => a.statusCode)).toEqual([503, 503]);
    expect(c.ctx.store.get('pc-01')!.report).toBeUndefined();
    expect(c.ctx.store.get('pc-02')!.report).toBeUndefined();
    await pragma(c, 'query_only = OFF');
    const again = await Promise.all([post(c, report(1)), post(c, report(1, 'pc-02'), OTHER)]);
    expect(again.map((a) => a.json().status)).toEqual(['accepted', 'accepted']);
    expect([stored('pc-01'), stored('pc-02')]).toEqual([{ seq: 1, reportsAccepted: 1 }, { seq: 1, reportsAccepted: 1 }]);
  });

  it("one device's reports sent at once are each planned against the committed state, in order", async () => {
    const c = await collector();
    const answers = await Promise.all([1, 2, 3, 3].map((seq) => post(c, report(seq))));
    expect(answers.map((a) => a.json().status)).toEqual(['accepted', 'accepted', 'accepted', 'outdated']);
    expect(c.ctx.store.get('pc-01')!.reportsAccepted).toBe(3);
    expect(stored('pc-01')).toEqual({ seq: 3, reportsAccepted: 3 });
  });
});
