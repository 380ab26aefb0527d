// The collector's persistent store: one SQLite file (better-sqlite3) in the state directory. Why
// SQLite: a single file that survives power loss — with WAL and synchronous=FULL a committed
// transaction is on disk and a crash mid-write rolls back instead of leaving a torn file — queries by
// device and time range for the history and the exports, and no server to run in a branch office.
// better-sqlite3 is synchronous, which suits a store written a few times a minute from one process.
// Schema changes are numbered migrations keyed on `PRAGMA user_version`; the reliability work adds
// its tables (devices, tokens) as further migrations. collector/store/sqlite/index.ts puts this
// behind the asynchronous Store interface (collector/store/store.ts).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { schemaTooNew, schemaTooOld } from '../store.js';

export type Db = Database.Database;

export const storeFileName = 'collector.sqlite';

export const migrations: readonly string[] = [
  `CREATE TABLE events (
     id INTEGER PRIMARY KEY,
     device TEXT NOT NULL,
     site TEXT NOT NULL,
     indicator TEXT NOT NULL,
     from_state TEXT NOT NULL,
     to_state TEXT NOT NULL,
     at_ms INTEGER NOT NULL,
     detail TEXT NOT NULL
   );
   CREATE INDEX events_device_at ON events (device, at_ms);
   CREATE INDEX events_at ON events (at_ms);
   CREATE TABLE indicator_state (
     device TEXT NOT NULL,
     indicator TEXT NOT NULL,
     state TEXT NOT NULL,
     since_ms INTEGER NOT NULL,
     PRIMARY KEY (device, indicator)
   );
   CREATE TABLE alert_active (
     alert TEXT NOT NULL,
     labels TEXT NOT NULL,
     active_at_ms INTEGER NOT NULL,
     PRIMARY KEY (alert, labels)
   );
   CREATE TABLE inspections (
     id INTEGER PRIMARY KEY,
     device TEXT NOT NULL,
     site TEXT NOT NULL,
     at_ms INTEGER NOT NULL,
     user TEXT NOT NULL,
     result TEXT NOT NULL CHECK (result IN ('ok', 'fault')),
     note TEXT NOT NULL
   );
   CREATE INDEX inspections_device_at ON inspections (device, at_ms);
   CREATE TABLE device_first_seen (
     device TEXT PRIMARY KEY,
     first_seen_ms INTEGER NOT NULL
   );
   CREATE TABLE sessions (
     id_hash TEXT PRIMARY KEY,
     user TEXT NOT NULL,
     csrf TEXT NOT NULL,
     created_ms INTEGER NOT NULL,
     expires_ms INTEGER NOT NULL
   );
   CREATE TABLE maintenance (
     id INTEGER PRIMARY KEY,
     device TEXT NOT NULL,
     starts_ms INTEGER NOT NULL,
     ends_ms INTEGER NOT NULL,
     user TEXT NOT NULL,
     reason TEXT NOT NULL,
     silence_id TEXT,
     silence_error TEXT,
     created_ms INTEGER NOT NULL,
     ended_early_ms INTEGER
   );
   CREATE INDEX maintenance_device ON maintenance (device, ends_ms);`,
  // reliability: each device's last accepted state (restored at start, so a restart forgets nothing
  // acknowledged), enrolled devices' token hashes, one-time enrolment codes (hashes only)
  `CREATE TABLE device_state (
     device TEXT PRIMARY KEY,
     site TEXT NOT NULL,
     report TEXT NOT NULL,
     received_at_ms INTEGER,
     clock_offset_seconds REAL,
     reports_accepted INTEGER NOT NULL,
     gaps TEXT NOT NULL
   );
   CREATE TABLE device_tokens (
     device TEXT PRIMARY KEY,
     site TEXT NOT NULL,
     token_hash TEXT NOT NULL UNIQUE,
     enrolled_ms INTEGER NOT NULL,
     enrolled_via TEXT NOT NULL,
     revoked_ms INTEGER
   );
   CREATE TABLE enrol_codes (
     code_hash TEXT PRIMARY KEY,
     site TEXT NOT NULL,
     created_ms INTEGER NOT NULL,
     expires_ms INTEGER NOT NULL,
     used_ms INTEGER,
     used_by TEXT
   );`,
  // notifications (issue 20): the durable delivery queue (one row per notification and channel), the
  // record of every notification sent or failed, the alerts the all-in-one notifier has announced
  `CREATE TABLE notify_queue (
     id INTEGER PRIMARY KEY,
     notification_id TEXT NOT NULL,
     channel TEXT NOT NULL,
     device TEXT,
     notification TEXT NOT NULL,
     created_ms INTEGER NOT NULL,
     attempts INTEGER NOT NULL,
     next_attempt_ms INTEGER NOT NULL,
     lease_until_ms INTEGER NOT NULL,
     last_error TEXT,
     UNIQUE (notification_id, channel)
   );
   CREATE INDEX notify_queue_due ON notify_queue (channel, next_attempt_ms);
   CREATE INDEX notify_queue_device ON notify_queue (device);
   CREATE TABLE notify_log (
     id INTEGER PRIMARY KEY,
     notification_id TEXT NOT NULL,
     channel TEXT NOT NULL,
     site TEXT NOT NULL,
     device TEXT,
     status TEXT NOT NULL,
     repeat INTEGER NOT NULL,
     alerts TEXT NOT NULL,
     result TEXT NOT NULL CHECK (result IN ('sent', 'failed')),
     detail TEXT NOT NULL,
     attempts INTEGER NOT NULL,
     at_ms INTEGER NOT NULL
   );
   CREATE INDEX notify_log_device_at ON notify_log (device, at_ms);
   CREATE INDEX notify_log_at ON notify_log (at_ms);
   CREATE TABLE notify_announced (
     key TEXT PRIMARY KEY,
     group_key TEXT NOT NULL,
     alert TEXT NOT NULL,
     last_sent_ms INTEGER NOT NULL
   );`,
  // history (issue 19): downsampled chunks per device, tier and start (collector/history/chunk.ts
  // says what the blob holds) and the marks only reports tell (boots, unclean shutdowns, backup runs)
  `CREATE TABLE history_chunks (
     device TEXT NOT NULL,
     tier INTEGER NOT NULL,
     start_ms INTEGER NOT NULL,
     data BLOB NOT NULL,
     PRIMARY KEY (device, tier, start_ms)
   );
   CREATE INDEX history_chunks_tier_start ON history_chunks (tier, start_ms);
   CREATE TABLE history_marks (
     device TEXT NOT NULL,
     kind TEXT NOT NULL,
     at_ms INTEGER NOT NULL,
     key TEXT NOT NULL,
     outcome TEXT NOT NULL,
     PRIMARY KEY (device, kind, at_ms, key)
   );
   CREATE INDEX history_marks_at ON history_marks (at_ms);`,
  // users (issue 21): the status page's users, shared by every collector of the store; `sites` is a
  // JSON array (empty: every site). The configuration file's users stay in the file (collector/store/users.ts).
  `CREATE TABLE users (
     name TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
     role TEXT NOT NULL CHECK (role IN ('viewer', 'technician', 'admin')),
     sites TEXT NOT NULL,
     password_hash TEXT NOT NULL,
     disabled INTEGER NOT NULL CHECK (disabled IN (0, 1)),
     created_ms INTEGER NOT NULL,
     updated_ms INTEGER NOT NULL
   );
   CREATE INDEX sessions_user ON sessions (user);`,
  // which collector holds each device and when it last saved it (issue 21; one SQLite file has one
  // collector, but both stores keep the same columns).
  `ALTER TABLE device_state ADD COLUMN holder TEXT;
   ALTER TABLE device_state ADD COLUMN saved_ms INTEGER;
   ALTER TABLE device_state ADD COLUMN interval_seconds REAL;
   CREATE INDEX device_state_saved ON device_state (saved_ms);
   ALTER TABLE indicator_state ADD COLUMN updated_ms INTEGER;
   CREATE INDEX indicator_state_updated ON indicator_state (updated_ms);`,
];

/**
 * How long a connection waits for another's write lock. The collector's event loop blocks while
 * better-sqlite3 waits, so the collector waits briefly: a write that cannot get the lock in time
 * fails (a report is answered 503 and retried) instead of freezing ingest, /sd and the status page.
 * The CLI's writes are single short statements, and the CLI itself may wait longer for the
 * collector's batches without harming anyone.
 */
export const busyTimeoutMs = { collector: 250, client: 2000 } as const;

/**
 * Opens (creating) the store in `stateDir`; without one, an in-memory store that forgets on exit.
 * `client`: a command beside a possibly running collector (cli/enrolment.ts) — it waits longer for
 * the lock and never changes the schema of an existing store under the collector.
 */
export function openSqlite(stateDir: string | undefined, opts: { client?: boolean } = {}): Db {
  let db: Db;
  if (stateDir) {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    db = new Database(join(stateDir, storeFileName));
    db.pragma('journal_mode = WAL');
    // FULL: a recorded inspection is on disk when the technician sees "saved", even after a power cut.
    db.pragma('synchronous = FULL');
  } else {
    db = new Database(':memory:');
  }
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${opts.client ? busyTimeoutMs.client : busyTimeoutMs.collector}`);
  migrate(db, opts.client === true);
  return db;
}

function migrate(db: Db, client: boolean): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    db.close();
    throw schemaTooNew(current, migrations.length);
  }
  if (client && current > 0 && current < migrations.length) {
    db.close();
    throw schemaTooOld(current, migrations.length);
  }
  for (let v = current; v < migrations.length; v++) {
    db.transaction(() => {
      db.exec(migrations[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
