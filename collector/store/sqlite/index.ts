// The SQLite store behind the Store interface: one better-sqlite3 connection, synchronous
// underneath. A call outside a transaction runs at once; `transaction` takes the connection (BEGIN
// IMMEDIATE, so the write lock is taken up front and a busy store fails before any work), and calls
// from elsewhere wait until it commits or rolls back, so they never become part of it.
import { SqliteHistory } from './history.js';
import type { Store, StoreConcerns } from '../store.js';
import { openSqlite, migrations, storeFileName, type Db } from './db.js';
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

function concerns(r: SqliteRun): StoreConcerns {
  return {
    events: new SqliteEvents(r),
    indicators: new SqliteIndicators(r),
    devices: new SqliteDeviceStates(r),
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

  /** `raw`: the connection, for what only SQLite has (tests inject write failures through PRAGMAs). */
  constructor(readonly raw: Db, readonly where: string) {
    const c = concerns({ run: (work) => this.outside(work) });
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
    if (this.held) return this.held.then(() => this.outside(work));
    return now(this.raw, work);
  }

  async transaction<T>(fn: (tx: StoreConcerns) => Promise<T>): Promise<T> {
    while (this.held) await this.held;
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
    this.raw.close();
  }
}

/** Opens the SQLite store in `stateDir` (in memory without one); see openSqlite for `client`. */
export function openSqliteStore(stateDir: string | undefined, opts: { client?: boolean } = {}): SqliteStore {
  return new SqliteStore(openSqlite(stateDir, opts), stateDir ? `SQLite ${join(stateDir, storeFileName)}` : 'SQLite in memory');
}

/** The number of SQLite migrations this version knows. */
export const sqliteSchemaVersion = migrations.length;

/** The SQLite connection under a store (tests inject write failures through PRAGMAs); throws for another kind. */
export function sqliteConnection(store: Store): Db {
  if (!(store instanceof SqliteStore)) throw new Error(`not an SQLite store: ${store.where}`);
  return store.raw;
}
