// The SQLite store behind the Store interface: one better-sqlite3 connection, synchronous
// underneath. A call outside a transaction runs at once; `transaction` takes the connection (BEGIN
// IMMEDIATE, so the write lock is taken up front and a busy store fails before any work), and calls
// from elsewhere wait until it commits or rolls back, so they never become part of it. A store with a
// file commits device states on a thread of its own (device-state-committer.ts); while a batch is in
// flight there, calls and transactions here wait for it, so the two connections never contend for
// SQLite's write lock (a wait for it would sleep on the event loop).
import { SqliteHistory } from './history.js';
import type { Store, StoreConcerns } from '../store.js';
import { busyTimeoutMs, openSqlite, migrations, storeFileName, type Db } from './db.js';
import { DeviceStateCommitter, walAutocheckpointPages } from './device-state-committer.js';
import { SqliteDeviceStates } from './device-state.js';
import { SqliteEnrolment } from './enrolment.js';
import { SqliteEvents, SqliteIndicators } from './events.js';
import { SqliteInspections } from './inspections.js';
import { SqliteMaintenance } from './maintenance.js';
import { SqliteNotifications } from './notifications.js';
import { now, type SqliteRun } from './run.js';
import { SqliteSessions } from './sessions.js';
import { SqliteUsers } from './users.js';
import { join } from 'node:path';

export { storeFileName };

function concerns(r: SqliteRun, commitDevices?: ConstructorParameters<typeof SqliteDeviceStates>[1]): StoreConcerns {
  return {
    events: new SqliteEvents(r),
    indicators: new SqliteIndicators(r),
    devices: new SqliteDeviceStates(r, commitDevices),
    enrolment: new SqliteEnrolment(r),
    inspections: new SqliteInspections(r),
    maintenance: new SqliteMaintenance(r),
    sessions: new SqliteSessions(r),
    users: new SqliteUsers(r),
    notifications: new SqliteNotifications(r),
    history: new SqliteHistory(r),
  };
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly events;
  readonly indicators;
  readonly devices;
  readonly enrolment;
  readonly inspections;
  readonly maintenance;
  readonly sessions;
  readonly users;
  readonly notifications;
  readonly history;
  /** Settles when the transaction holding the connection ends; undefined when none does. */
  private held: Promise<void> | undefined;
  private closed = false;

  /**
   * `raw`: the connection, for what only SQLite has (tests inject write failures through PRAGMAs).
   * `committer`: commits device states outside transactions from its own thread (a store with a file).
   */
  constructor(
    readonly raw: Db,
    readonly where: string,
    readonly committer?: DeviceStateCommitter,
  ) {
    const c = concerns({ run: (work) => this.outside(work) }, committer && ((rows) => this.afterHeld(() => committer.commit(rows))));
    this.events = c.events;
    this.indicators = c.indicators;
    this.devices = c.devices;
    this.enrolment = c.enrolment;
    this.inspections = c.inspections;
    this.maintenance = c.maintenance;
    this.sessions = c.sessions;
    this.users = c.users;
    this.notifications = c.notifications;
    this.history = c.history;
  }

  private outside<T>(work: (db: Db) => T): Promise<T> {
    const wait = this.held ?? this.committer?.busy;
    if (wait) return wait.then(() => this.outside(work));
    return now(this.raw, work);
  }

  /** `send` once no transaction holds the connection (a batch sent to the commit thread during one would wait for its lock). */
  private afterHeld<T>(send: () => Promise<T>): Promise<T> {
    if (this.held) return this.held.then(() => this.afterHeld(send));
    return send();
  }

  async transaction<T>(fn: (tx: StoreConcerns) => Promise<T>): Promise<T> {
    for (let wait = this.held ?? this.committer?.busy; wait; wait = this.held ?? this.committer?.busy) await wait;
    let release!: () => void;
    this.held = new Promise<void>((r) => (release = r));
    let open = true;
    // Calls through `tx` after the transaction ended would run outside it: refuse them.
    const tx = concerns({ run: (work) => (open ? now(this.raw, work) : Promise.reject(new Error('this transaction has ended'))) });
    try {
      this.raw.exec('BEGIN IMMEDIATE');
      try {
        const value = await fn(tx);
        this.raw.exec('COMMIT');
        return value;
      } catch (err) {
        if (this.raw.inTransaction) this.raw.exec('ROLLBACK');
        throw err;
      }
    } finally {
      open = false;
      this.held = undefined;
      release();
    }
  }

  schemaVersion(): Promise<number> {
    return this.outside((db) => db.pragma('user_version', { simple: true }) as number);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    while (this.held) await this.held;
    this.closed = true;
    await this.committer?.close();
    this.raw.close();
  }
}

/**
 * Opens the SQLite store in `stateDir` (in memory without one); see openSqlite for `client`.
 * `commitThread` (default: with a file, not for a client): device states committed from their own
 * thread (device-state-committer.ts); false commits them on the caller's connection (the benchmark's
 * comparison). An in-memory database cannot be shared by two connections.
 */
export function openSqliteStore(stateDir: string | undefined, opts: { client?: boolean; commitThread?: boolean } = {}): SqliteStore {
  const where = stateDir ? `SQLite ${join(stateDir, storeFileName)}` : 'SQLite in memory';
  const db = openSqlite(stateDir, opts);
  const thread = !!stateDir && (opts.commitThread ?? !opts.client);
  // While the thread runs, it checkpoints the WAL (walAutocheckpointPages); the collector's connection again once it is gone.
  const checkpoints = (running: boolean) => {
    if (db.open) db.pragma(`wal_autocheckpoint = ${running ? walAutocheckpointPages.collectorWhileThreadRuns : walAutocheckpointPages.collector}`);
  };
  return new SqliteStore(db, where, thread ? new DeviceStateCommitter(join(stateDir!, storeFileName), busyTimeoutMs.collector, checkpoints) : undefined);
}

/** The number of SQLite migrations this version knows. */
export const sqliteSchemaVersion = migrations.length;

/**
 * Runs a PRAGMA on the connection that commits device states outside transactions — the commit
 * thread's when the store has one, else the store's own: tests inject real write failures there.
 */
export function sqliteDeviceStatePragma(store: Store, pragma: string): Promise<unknown> {
  if (!(store instanceof SqliteStore)) return Promise.reject(new Error(`not an SQLite store: ${store.where}`));
  return store.committer ? store.committer.pragma(pragma) : Promise.resolve(store.raw.pragma(pragma));
}

/** The SQLite connection under a store (tests inject write failures through PRAGMAs); throws for another kind. */
export function sqliteConnection(store: Store): Db {
  if (!(store instanceof SqliteStore)) throw new Error(`not an SQLite store: ${store.where}`);
  return store.raw;
}
