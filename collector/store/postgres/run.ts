// How the PostgreSQL concerns reach the database: a query on the pool (any free connection) or, inside
// a transaction, on that transaction's connection. `atomic` makes a multi-statement write all-or-
// nothing either way: its own transaction on the pool, a savepoint inside a transaction.
import type { Pool, PoolClient, QueryResultRow } from 'pg';

export interface PgRun {
  rows<R extends QueryResultRow>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** How many rows the statement changed. */
  count(sql: string, params?: readonly unknown[]): Promise<number>;
  atomic<T>(work: (q: PgRun) => Promise<T>): Promise<T>;
}

function on(c: Pool | PoolClient, atomic: PgRun['atomic']): PgRun {
  return {
    rows: async <R extends QueryResultRow>(sql: string, params: readonly unknown[] = []) => (await c.query<R>(sql, params as unknown[])).rows,
    count: async (sql, params = []) => (await c.query(sql, params as unknown[])).rowCount ?? 0,
    atomic,
  };
}

/** Runs `work` in a transaction on a connection of the pool: committed when it resolves, rolled back when it rejects. */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // A checked-out connection that the server ends (a fast shutdown sends 57P01) emits 'error'; with no
  // listener that event ended the collector (the sharedstore benchmark hit it at 10,000 devices). The
  // statement in flight fails on its own and the outage spool takes the write; the connection is dropped.
  const lost = (e: Error) => void (broken ??= e);
  client.on('error', lost);
  try {
    await client.query('BEGIN');
    try {
      const value = await work(client);
      await client.query('COMMIT');
      return value;
    } catch (err) {
      // A connection that cannot even roll back is not given back to the pool.
      await client.query('ROLLBACK').catch((e: Error) => (broken = e));
      throw err;
    }
  } finally {
    client.off('error', lost);
    client.release(broken);
  }
}

export function poolRun(pool: Pool): PgRun {
  return on(pool, (work) => inTransaction(pool, (client) => work(clientRun(client, () => true))));
}

let savepoints = 0;

/** A transaction's connection; `open()` says whether the transaction is still going on. */
export function clientRun(client: PoolClient, open: () => boolean): PgRun {
  const guarded: PgRun = on(client, async (work) => {
    const sp = `sw_sp_${++savepoints}`;
    await client.query(`SAVEPOINT ${sp}`);
    try {
      const value = await work(guarded);
      await client.query(`RELEASE SAVEPOINT ${sp}`);
      return value;
    } catch (err) {
      await client.query(`ROLLBACK TO SAVEPOINT ${sp}`);
      throw err;
    }
  });
  const ended = () => Promise.reject(new Error('this transaction has ended'));
  return {
    rows: (sql, params) => (open() ? guarded.rows(sql, params) : ended()),
    count: (sql, params) => (open() ? guarded.count(sql, params) : ended()),
    atomic: (work) => (open() ? guarded.atomic(work) : ended()),
  } as PgRun;
}

/** Whether a PostgreSQL error is a unique-constraint violation (SQLSTATE 23505). */
export const isUniqueViolation = (err: unknown) => (err as { code?: string } | undefined)?.code === '23505';

/** The database's clock in milliseconds when the statement runs: one clock for every collector of the store. */
export const NOW_MS = '(extract(epoch from clock_timestamp()) * 1000)::bigint';
