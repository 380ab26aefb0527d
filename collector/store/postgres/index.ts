// The PostgreSQL store behind the Store interface, with the `pg` client: a pool of connections
// (several requests and the status evaluation write at once), parameterised statements only (no
// value is ever spliced into SQL), and a deadline on every connect and statement. Several collectors
// may share the database: schema upgrades run under an advisory lock, so collectors starting
// together upgrade it once.
import { PgHistory } from './history.js';
import pg from 'pg';
import { schemaTooNew, schemaTooOld, type Store, type StoreConcerns } from '../store.js';
import { redactedUrl, type PostgresOptions } from './config.js';
import { PgDeviceStates } from './device-state.js';
import { PgEnrolment } from './enrolment.js';
import { PgEvents, PgIndicators } from './events.js';
import { PgInspections } from './inspections.js';
import { PgMaintenance } from './maintenance.js';
import { PgNotifications } from './notifications.js';
import { MIGRATION_LOCK_KEY, migrations } from './migrations.js';
import { clientRun, inTransaction, poolRun, type PgRun } from './run.js';
import { PgSessions } from './sessions.js';
import { PgUsers } from './users.js';

export type { PostgresOptions };

/** BIGINT (milliseconds, counts) as numbers: every value the store keeps is far below 2^53. */
const INT8 = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format ?? 'text'))) as typeof pg.types.getTypeParser,
};

function concerns(q: PgRun): StoreConcerns {
  return {
    events: new PgEvents(q),
    indicators: new PgIndicators(q),
    devices: new PgDeviceStates(q),
    enrolment: new PgEnrolment(q),
    inspections: new PgInspections(q),
    maintenance: new PgMaintenance(q),
    sessions: new PgSessions(q),
    users: new PgUsers(q),
    notifications: new PgNotifications(q),
    history: new PgHistory(q),
  };
}

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
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
  private closing: Promise<void> | undefined;

  constructor(readonly pool: pg.Pool, readonly where: string) {
    const c = concerns(poolRun(pool));
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

  transaction<T>(fn: (tx: StoreConcerns) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, async (client) => {
      let open = true;
      try {
        return await fn(concerns(clientRun(client, () => open)));
      } finally {
        open = false;
      }
    });
  }

  async schemaVersion(): Promise<number> {
    return appliedVersion(this.pool);
  }

  close(): Promise<void> {
    this.closing ??= this.pool.end();
    return this.closing;
  }
}

/** The highest migration applied (0: none, or no schema_migrations table yet). */
async function appliedVersion(c: pg.Pool | pg.PoolClient): Promise<number> {
  const { rows } = await c.query<{ v: number | null }>("SELECT CASE WHEN to_regclass('schema_migrations') IS NULL THEN 0 END AS v");
  if (rows[0]!.v === 0) return 0;
  const r = await c.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
  return r.rows[0]!.v ?? 0;
}

/**
 * Applies the migrations this database lacks, in one transaction under an advisory lock: a second
 * collector starting at the same moment waits, then finds the schema current. A failed migration
 * rolls back entirely (the schema stays as it was).
 */
export async function migrate(pool: pg.Pool, opts: { client?: boolean } = {}): Promise<number> {
  return inTransaction(pool, async (c) => {
    await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await c.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
    const current = await appliedVersion(c);
    if (current > migrations.length) throw schemaTooNew(current, migrations.length);
    if (opts.client && current > 0 && current < migrations.length) throw schemaTooOld(current, migrations.length);
    for (let v = current; v < migrations.length; v++) {
      await c.query(migrations[v]!.sql);
      await c.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [v + 1, migrations[v]!.name]);
    }
    return migrations.length;
  });
}

/** Connects (checking the connection and the schema before returning) and upgrades the schema unless `client`. */
export async function openPostgresStore(o: PostgresOptions, opts: { client?: boolean } = {}): Promise<PostgresStore> {
  const queryMs = Math.round(o.queryTimeoutSeconds * 1000);
  const pool = new pg.Pool({
    connectionString: o.url,
    max: o.maxConnections,
    connectionTimeoutMillis: Math.round(o.connectTimeoutSeconds * 1000),
    // The server cancels a statement past its deadline; the client stops waiting a little later.
    statement_timeout: queryMs,
    query_timeout: queryMs + 1000,
    // A transaction left open (a stuck collector) must not hold its locks for ever.
    idle_in_transaction_session_timeout: Math.max(queryMs * 2, 60_000),
    application_name: 'stationwatch-collector',
    types,
  });
  // An idle connection the server closed (restart, failover) is dropped by the pool and the next
  // query opens a new one; without a listener the error would end the process.
  pool.on('error', () => undefined);
  const u = new URL(o.url);
  const where = `PostgreSQL ${u.hostname || (u.searchParams.get('host') ?? 'local socket')}${u.port ? `:${u.port}` : ''}/${decodeURIComponent(u.pathname.replace(/^\//, ''))}`;
  try {
    await migrate(pool, opts);
  } catch (err) {
    await pool.end().catch(() => undefined);
    const e = err as Error;
    // pg's messages never contain the password; the URL in ours is redacted.
    throw new Error(`the PostgreSQL store (${redactedUrl(o.url)}) could not be opened: ${e.message}`, { cause: err });
  }
  return new PostgresStore(pool, where);
}

/** The number of PostgreSQL migrations this version knows. */
export const postgresSchemaVersion = migrations.length;
