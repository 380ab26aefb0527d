// Whether a store error means "the database cannot be reached" (spool the write and try later) rather
// than "this write is wrong" (a constraint, a bug: fail it now, spooling would only fail it later).
// node-postgres passes socket errors through (ECONNREFUSED while PostgreSQL is stopped, ECONNRESET
// when it goes away mid-query), names its pool and query deadlines in the message, and relays the
// server's SQLSTATE: class 08 (connection exception) and 57P01–57P03 (shutting down, crashed,
// cannot connect now — a server starting up or in recovery).
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ENOENT']);
const SERVER_DOWN = new Set(['57P01', '57P02', '57P03']);
const CLIENT_MESSAGES = [/timeout exceeded when trying to connect/i, /Connection terminated/i, /Client has encountered a connection error/i, /Query read timeout/i, /connection is closed/i];

export function isStoreUnavailable(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    // Our own verdict, also when given without a cause (a read refused at once while the store is known away).
    if (e instanceof StoreUnavailable) return true;
    const code = typeof e.code === 'string' ? e.code : '';
    if (SOCKET_CODES.has(code) || SERVER_DOWN.has(code) || code.startsWith('08')) return true;
    const message = typeof e.message === 'string' ? e.message : '';
    if (CLIENT_MESSAGES.some((re) => re.test(message))) return true;
  }
  return false;
}

/** What a read (or a write that cannot wait) gets while the database is away. */
export class StoreUnavailable extends Error {
  constructor(where: string, cause?: unknown) {
    super(`the store (${where}) cannot be reached${cause instanceof Error ? `: ${cause.message}` : ''}`, cause === undefined ? undefined : { cause });
  }
}
