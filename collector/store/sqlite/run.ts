// How the SQLite concerns reach the connection. better-sqlite3 stays synchronous underneath: a call
// runs at once, on the caller's turn, unless a transaction holds the connection — then it waits for
// that transaction to end (on one connection it would otherwise become part of it).
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';

export interface SqliteRun {
  run<T>(work: (db: Db) => T): Promise<T>;
}

const cache = new WeakMap<Db, Map<string, Statement>>();

/** The statement for `sql`, prepared once per connection (preparing per call showed in the ingest profile). */
export function prepared(db: Db, sql: string): Statement {
  let m = cache.get(db);
  if (!m) cache.set(db, (m = new Map()));
  let s = m.get(sql);
  if (!s) m.set(sql, (s = db.prepare(sql)));
  return s;
}

/** Runs `work` now, as a settled promise (a throw becomes a rejection). */
export function now<T>(db: Db, work: (db: Db) => T): Promise<T> {
  try {
    return Promise.resolve(work(db));
  } catch (err) {
    return Promise.reject(err);
  }
}
