// `store.postgres` in collector.yaml: the PostgreSQL database the collector keeps its state in
// (SQLite in the state directory when absent). The URL may carry a password: it is never logged,
// and configuration errors about it show it without the password.
import { Type, type Static } from '@sinclair/typebox';

export const PostgresStoreSchema = Type.Object(
  {
    /** postgres://user:password@host:port/database (?sslmode=… as libpq); also STATIONWATCH_STORE_URL. */
    url: Type.String({ minLength: 1, maxLength: 2048 }),
    /** Connections this collector keeps open at most (each one is a PostgreSQL backend process). */
    maxConnections: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
    /** How long connecting may take before the attempt fails. */
    connectTimeoutSeconds: Type.Number({ minimum: 1, maximum: 300, default: 10 }),
    /** The deadline of every statement (the server cancels it: statement_timeout) and of waiting for its answer. */
    queryTimeoutSeconds: Type.Number({ minimum: 1, maximum: 3600, default: 30 }),
    /**
     * While the database cannot be reached, state writes wait in a local spool in the state directory
     * (collector/store/outage/) up to this size (default 512); beyond it ingest answers 503 and agents
     * keep their reports.
     */
    outageSpoolMegabytes: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    /** How often the spool is replayed while the database is away (default 5). */
    outageRetrySeconds: Type.Optional(Type.Number({ minimum: 0.1, maximum: 600 })),
  },
  { additionalProperties: false },
);

export type PostgresOptions = Static<typeof PostgresStoreSchema>;

/** The URL without its password, for messages and logs. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** What is wrong with a store URL (undefined: nothing); never repeats the password. */
export function postgresUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'is not a URL (postgres://user:password@host:port/database)';
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') return `must start with postgres:// or postgresql://, not ${u.protocol}//`;
  if (u.pathname.replace(/^\//, '') === '') return `names no database (${redactedUrl(url)}): add /database after the host`;
  return undefined;
}
