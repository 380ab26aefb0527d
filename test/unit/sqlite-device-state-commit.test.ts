// Device states committed from the commit thread's own connection (collector/store/sqlite/
// device-state-committer.ts): committed in call order and durable when resolved; the store's own
// calls and transactions never contend with it for SQLite's write lock; a thread that dies fails the
// batches it held (never resolves them) and the next batch gets a new thread; close waits for what is
// in flight. A real SQLite file and a real worker thread throughout.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openSqliteStore, storeFileName, type SqliteStore } from '../../collector/store/sqlite/index.js';
import type { DeviceStateRow } from '../../collector/store/store.js';
import { makeReport } from '../helpers/reports.js';

const T0 = 1_700_000_000_000;
let dir: string;
let store: SqliteStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sw-commit-thread-'));
  store = openSqliteStore(dir);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const row = (name: string, seq: number): DeviceStateRow => ({ name, site: 'branch-a', reportJson: JSON.stringify(makeReport({ device: name, seq, createdAt: T0, sentAt: T0 })), receivedAtMs: T0 + seq, reportsAccepted: seq, gaps: [], holder: 'me', savedMs: T0 + seq, intervalSeconds: 15 });

/** What a restart would find: the file read through a connection of its own. */
function onDisk(): Map<string, number> {
  const db = new Database(join(dir, storeFileName), { readonly: true });
  try {
    return new Map((db.prepare('SELECT device, reports_accepted FROM device_state').all() as Array<{ device: string; reports_accepted: number }>).map((r) => [r.device, r.reports_accepted]));
  } finally {
    db.close();
  }
}

const thread = (s: SqliteStore) => (s.committer as unknown as { thread: Worker | undefined }).thread;

it('commits on a thread of its own, in call order, durable once resolved', async () => {
  expect(store.committer).toBeDefined();
  const writes = Array.from({ length: 30 }, (_, i) => store.devices.saveMany([row(`pc-${i % 3}`, i + 1)]));
  await Promise.all(writes);
  expect(thread(store)).toBeDefined();
  // The last write of each device wins: the batches were committed in the order of the calls.
  expect(onDisk()).toEqual(new Map([['pc-0', 28], ['pc-1', 29], ['pc-2', 30]]));
  expect((await store.devices.load('pc-2'))?.reportsAccepted).toBe(30);
});

it("the store's own writes never wait for the commit thread's lock", async () => {
  // No wait at all on the store's connection: contention would be SQLITE_BUSY at once, not a sleep.
  store.raw.pragma('busy_timeout = 0');
  const work: Array<Promise<unknown>> = [];
  // Batches of 20 rows of ~12 KB (the size of a real report's text): each commit holds the lock a while.
  const padding = 'x'.repeat(12_000);
  const big = (name: string, seq: number): DeviceStateRow => ({ ...row(name, seq), gaps: [{ fromMs: 0, toMs: padding.length }], reportJson: JSON.stringify({ ...makeReport({ device: name, seq, createdAt: T0, sentAt: T0 }), padding }) });
  for (let i = 0; i < 200; i++) {
    work.push(store.devices.saveMany(Array.from({ length: 20 }, (_, k) => big(`pc-${k}`, i + 1))));
    // The store's own writes, a turn later (the batch is then in flight on the commit thread).
    await new Promise((r) => setImmediate(r));
    work.push(i % 2 === 0 ? store.transaction((tx) => tx.indicators.setInitial([{ device: `pc-${i}`, indicator: 'cpu', state: 'normal' }], T0 + i)) : store.inspections.markSeen([`pc-${i}`], T0 + i));
  }
  const outcomes = await Promise.allSettled(work);
  expect(outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason))).toEqual([]);
  expect(onDisk().get('pc-19')).toBe(200);
  expect((await store.indicators.currentStates()).size).toBe(100);
});

it('a thread that dies fails the batches it held, and the next batch gets a new thread', async () => {
  const checkpointPages = () => store.raw.pragma('wal_autocheckpoint', { simple: true });
  expect(checkpointPages()).toBe(1000);
  await store.devices.saveMany([row('pc-1', 1)]);
  // While the thread runs it checkpoints the WAL, not the event loop's connection.
  expect(checkpointPages()).toBe(10_000);
  expect(await store.committer!.pragma('wal_autocheckpoint')).toEqual([{ wal_autocheckpoint: 1000 }]);
  const first = thread(store)!;
  const held = store.devices.saveMany([row('pc-1', 2)]);
  await first.terminate();
  await expect(held).rejects.toThrow(/commit thread exited/);
  expect(checkpointPages()).toBe(1000);
  // Either outcome of the lost batch is whole: the row is the first or the second state, never torn.
  expect([1, 2]).toContain(onDisk().get('pc-1'));
  await store.devices.saveMany([row('pc-1', 3)]);
  expect(thread(store)).toBeDefined();
  expect(thread(store)).not.toBe(first);
  expect(onDisk().get('pc-1')).toBe(3);
});

it('a failed batch is a rejection with SQLite\'s error code, and changes nothing', async () => {
  await store.devices.saveMany([row('pc-1', 1)]);
  expect(await store.committer!.pragma('query_only = ON')).toEqual([]);
  const err = (await store.devices.saveMany([row('pc-1', 2), row('pc-2', 2)]).catch((e: unknown) => e)) as Error & { code?: string };
  expect(err).toBeInstanceOf(Error);
  expect(err.code).toBe('SQLITE_READONLY');
  expect(onDisk()).toEqual(new Map([['pc-1', 1]]));
  await store.committer!.pragma('query_only = OFF');
  await store.devices.saveMany([row('pc-1', 2)]);
  expect(onDisk().get('pc-1')).toBe(2);
});

it('close waits for the batches in flight', async () => {
  const writes = Array.from({ length: 10 }, (_, i) => store.devices.saveMany([row(`pc-${i}`, 1)]));
  await store.close();
  await Promise.all(writes);
  expect(onDisk().size).toBe(10);
  expect(thread(store)).toBeUndefined();
  await expect(store.devices.saveMany([row('pc-1', 2)])).rejects.toThrow(/closed/);
  store = openSqliteStore(dir);
});

it('in memory (no file to share) and for a CLI client, device states commit on the store\'s own connection', async () => {
  const mem = openSqliteStore(undefined);
  const client = openSqliteStore(dir, { client: true });
  try {
    expect(mem.committer).toBeUndefined();
    expect(client.committer).toBeUndefined();
    await mem.devices.saveMany([row('pc-1', 1)]);
    expect((await mem.devices.load('pc-1'))?.reportsAccepted).toBe(1);
  } finally {
    await mem.close();
    await client.close();
  }
});
