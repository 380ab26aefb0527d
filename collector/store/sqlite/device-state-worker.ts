// The commit thread (device-state-committer.ts): its own better-sqlite3 connection to the collector's
// file, committing the device-state batches it is sent, in the order sent, each as one transaction
// (WAL, synchronous=FULL: on disk when answered). better-sqlite3 is synchronous, so the commit's CPU
// and its fsync's wall time are spent on this thread, not the collector's event loop.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';
import type { DeviceStateRow } from '../store.js';
import { UPSERT, upsertParams } from './device-state-upsert.js';

export interface CommitWorkerData {
  file: string;
  busyTimeoutMs: number;
  walAutocheckpointPages: number;
  /** better-sqlite3's entry, resolved by the collector: run from the sources, this script is bundled into the temp directory, where the package cannot be found by name (collector/worker-script.ts). */
  driver: string;
}

export type CommitRequest = { id: number; rows: readonly DeviceStateRow[] } | { id: number; pragma: string };
export type CommitAnswer = { id: number; value?: unknown } | { id: number; error: { name: string; message: string; code?: string } };

const { file, busyTimeoutMs, walAutocheckpointPages, driver } = workerData as CommitWorkerData;
const Database = createRequire(import.meta.url)(driver) as typeof BetterSqlite3;
let db: BetterSqlite3.Database | undefined;
let upsert: BetterSqlite3.Statement | undefined;
let commit: ((rows: readonly DeviceStateRow[]) => void) | undefined;

function open(): BetterSqlite3.Database {
  if (db) return db;
  // The collector's connection created the file, chose WAL (kept in the file) and migrated the schema.
  const c = new Database(file, { fileMustExist: true });
  try {
    c.pragma('synchronous = FULL');
    c.pragma(`busy_timeout = ${busyTimeoutMs}`);
    // This connection checkpoints the WAL, off the event loop (walAutocheckpointPages says why).
    c.pragma(`wal_autocheckpoint = ${walAutocheckpointPages}`);
    upsert = c.prepare(UPSERT);
    // IMMEDIATE: the write lock is taken up front, so a busy store fails before any work.
    commit = c.transaction((rows: readonly DeviceStateRow[]) => {
      for (const d of rows) upsert!.run(...upsertParams(d));
    }).immediate;
  } catch (err) {
    c.close();
    throw err;
  }
  return (db = c);
}

parentPort!.on('message', (m: CommitRequest) => {
  let answer: CommitAnswer;
  try {
    const c = open();
    if ('rows' in m) {
      commit!(m.rows);
      answer = { id: m.id };
    } else {
      answer = { id: m.id, value: c.pragma(m.pragma) };
    }
  } catch (err) {
    const e = err as Error & { code?: unknown };
    answer = { id: m.id, error: { name: e.name, message: e.message, ...(typeof e.code === 'string' ? { code: e.code } : {}) } };
  }
  parentPort!.postMessage(answer);
});
