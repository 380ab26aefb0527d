// A shared PostgreSQL store that may be away (restarted, failed over, the network to it down) must
// not stop a collector: ingest answers its agents, /metrics and the per-device targets keep serving
// from memory, and the writes that keep a collector's state — device states, the status evaluation's
// transitions and alert times, first sightings, history — are kept in order in a local spool
// (spool-file.ts: SQLite in the state directory, bounded, durable) and replayed when the database
// answers again. What cannot wait or be spooled (reads, enrolment, sessions, inspections recorded by
// a person) fails at once with StoreUnavailable, and the status page says the store is away.
//
// Order is what makes the replay right: once one write is spooled, every later spoolable write goes
// to the spool too, until the replay has emptied it, so no newer state lands before an older one. A
// transaction of spoolable calls only (the status evaluation's) is recorded as one entry and replayed
// as one transaction. An entry the database refuses for another reason (a constraint, not the
// connection) is set aside with the reason, counted and logged: it never blocks the entries behind it.
import type { Logger } from '../../../common/logger.js';
import type { Store, StoreConcerns } from '../store.js';
import { isStoreUnavailable, StoreUnavailable } from './unavailable.js';
import { SpoolFull, type SpoolFile, type SpooledCall } from './spool-file.js';

/**
 * The calls that may wait: all return nothing, all are "set this state" or "append this" that mean the
 * same replayed minutes later. Anything else is answered now or not at all.
 */
export const SPOOLABLE: Readonly<Record<string, ReadonlySet<string>>> = {
  devices: new Set(['saveMany']),
  events: new Set(['record']),
  indicators: new Set(['setInitial', 'updatePendingAlerts']),
  inspections: new Set(['markSeen']),
  // Chunks are read, merged and rewritten by the history writer, which keeps its minutes until a flush lands; marks are plain rows.
  history: new Set(['addMarks']),
};

export interface OutageStatus {
  /** Set while the database cannot be reached (or the spool still holds writes): since when, and why. */
  away?: { sinceMs: number; reason: string };
  spooled: { entries: number; bytes: number };
  /** Counters since start: entries spooled, replayed, set aside as refused; writes failed for a full spool. */
  totals: { spooled: number; replayed: number; refused: number; full: number };
}

export interface OutageOptions {
  log: Logger;
  retryMs: number;
  nowMs?: () => number;
}

export type SpooledStore = Store & { outage(): OutageStatus; drainNow(): Promise<void> };

export function withOutageSpool(inner: Store, spool: SpoolFile, opts: OutageOptions): SpooledStore {
  const now = opts.nowMs ?? Date.now;
  const log = opts.log;
  let away: OutageStatus['away'] = spool.size.entries > 0 ? { sinceMs: now(), reason: 'writes spooled before a restart are waiting to be replayed' } : undefined;
  const totals = { spooled: 0, replayed: 0, refused: 0, full: 0 };
  let timer: NodeJS.Timeout | undefined;
  let draining: Promise<void> | undefined;
  let closed = false;
  // The database's last answer was no answer: reads fail at once until the retry timer's check gets
  // one. Trying each read would make every caller wait for the connect or query deadline (10 s and
  // 30 s by default) first: the status evaluation reads maintenance periods on every pass, and the
  // whole page would lag by that much for as long as the database is away. Not set merely because
  // the spool holds writes from before a restart: reads go to a database that answers.
  let unreachable = false;
  /** The error that made it unreachable, the cause of what reads are refused with meanwhile. */
  let lastFailure: unknown;

  const spooling = () => spool.size.entries > 0;

  function markAway(err: unknown): void {
    unreachable = true;
    lastFailure = err;
    if (!away) {
      away = { sinceMs: now(), reason: err instanceof Error ? err.message : String(err) };
      log.error({ store: inner.where, reason: away.reason }, 'the store cannot be reached: state writes are spooled on this collector until it is back');
    }
    schedule();
  }

  function schedule(): void {
    if (timer || closed) return;
    timer = setTimeout(() => {
      timer = undefined;
      void drain();
    }, opts.retryMs);
    timer.unref();
  }

  function enqueue(calls: SpooledCall[]): void {
    try {
      spool.append(calls, now());
    } catch (err) {
      if (err instanceof SpoolFull) {
        totals.full++;
        throw new StoreUnavailable(inner.where, err);
      }
      throw err;
    }
    totals.spooled++;
    schedule();
  }

  /** Replays the spool in order until it is empty or the database is away again; then checks the database answers. */
  function drain(): Promise<void> {
    if (draining) return draining;
    const run = replay();
    draining = run;
    // Cleared after it settles (never from inside: a replay that finishes at once must not leave itself set).
    void run.finally(() => {
      if (draining === run) draining = undefined;
    });
    return run;
  }

  async function replay(): Promise<void> {
    for (let entry = spool.oldest(); entry; entry = spool.oldest()) {
      const calls = entry.calls;
      try {
        await inner.transaction(async (tx) => {
          for (const c of calls) await (tx as unknown as Record<string, Record<string, (...a: unknown[]) => Promise<unknown>>>)[c.concern]![c.method]!(...c.args);
        });
        spool.remove(entry.id);
        unreachable = false;
        totals.replayed++;
      } catch (err) {
        if (!isStoreUnavailable(err)) {
          spool.refuse(entry.id, (err as Error).message);
          totals.refused++;
          log.error({ err, calls: calls.map((c) => `${c.concern}.${c.method}`) }, 'the store refused a spooled write; it is kept aside in the spool file and the rest is replayed');
          continue;
        }
        return stillAway(err);
      }
    }
    if (!away) return;
    // Nothing spooled (a read found the store away): it is back only once it answers.
    try {
      await inner.schemaVersion();
    } catch (err) {
      if (isStoreUnavailable(err)) return stillAway(err);
      // It answered, wrongly: not back yet, and the timer must keep asking (a rejection here would
      // end the retries and leave reads failing).
      log.error({ err, store: inner.where }, 'the store answered the check of its schema with an error; asking again');
      return schedule();
    }
    unreachable = false;
    // A write spooled while we asked is replayed first.
    if (spooling()) return schedule();
    log.info({ store: inner.where, awaySeconds: Math.round((now() - away.sinceMs) / 1000), replayed: totals.replayed }, 'the store is back: every spooled write is in it');
    away = undefined;
  }

  function stillAway(err: unknown): void {
    unreachable = true;
    lastFailure = err;
    if (away) away.reason = (err as Error).message;
    schedule();
  }

  async function write(calls: SpooledCall[], direct: () => Promise<unknown>): Promise<void> {
    if (!spooling() && !unreachable) {
      try {
        await direct();
        return;
      } catch (err) {
        if (!isStoreUnavailable(err)) throw err;
        markAway(err);
      }
    }
    enqueue(calls);
  }

  async function read<T>(call: () => Promise<T>): Promise<T> {
    if (unreachable) throw new StoreUnavailable(inner.where, lastFailure);
    try {
      return await call();
    } catch (err) {
      if (!isStoreUnavailable(err)) throw err;
      markAway(err);
      throw new StoreUnavailable(inner.where, err);
    }
  }

  const copy = (args: unknown[]) => JSON.parse(JSON.stringify(args)) as unknown[];

  function liveConcern(name: string, concern: object): object {
    const spoolable = SPOOLABLE[name];
    return new Proxy(concern, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function' || typeof prop !== 'string') return value;
        const fn = value as (...a: unknown[]) => Promise<unknown>;
        if (spoolable?.has(prop)) return (...args: unknown[]) => write([{ concern: name, method: prop, args: copy(args) }], () => fn.apply(target, args));
        return (...args: unknown[]) => read(() => fn.apply(target, args));
      },
    });
  }

  /** Concerns that record spoolable calls, for a transaction run while the store is away. */
  function recordingConcerns(calls: SpooledCall[]): StoreConcerns {
    const out: Record<string, object> = {};
    for (const name of concernNames) {
      const spoolable = SPOOLABLE[name];
      out[name] = new Proxy((inner as unknown as Record<string, object>)[name]!, {
        get(target, prop) {
          const value = Reflect.get(target, prop) as unknown;
          if (typeof value !== 'function' || typeof prop !== 'string') return value;
          if (spoolable?.has(prop)) return async (...args: unknown[]) => void calls.push({ concern: name, method: prop, args: copy(args) });
          return async () => {
            throw new StoreUnavailable(inner.where, away ? new Error(away.reason) : undefined);
          };
        },
      });
    }
    return out as unknown as StoreConcerns;
  }

  const concernNames = Object.keys(inner).filter((k) => {
    const v = (inner as unknown as Record<string, unknown>)[k];
    return typeof v === 'object' && v !== null && !['pool', 'raw'].includes(k);
  });
  const live: Record<string, object> = Object.fromEntries(concernNames.map((n) => [n, liveConcern(n, (inner as unknown as Record<string, object>)[n]!)]));

  async function transaction<T>(fn: (tx: StoreConcerns) => Promise<T>): Promise<T> {
    if (!spooling() && !unreachable) {
      try {
        return await inner.transaction(fn);
      } catch (err) {
        if (!isStoreUnavailable(err)) throw err;
        markAway(err);
      }
    }
    // Run again against a recorder: it completes only if every call may wait; then it is one entry.
    const calls: SpooledCall[] = [];
    const value = await fn(recordingConcerns(calls));
    if (calls.length > 0) enqueue(calls);
    return value;
  }

  if (spooling()) schedule();

  const extra = {
    transaction,
    outage: (): OutageStatus => ({ ...(away ? { away: { ...away } } : {}), spooled: spool.size, totals: { ...totals } }),
    drainNow: drain,
    schemaVersion: () => read(() => inner.schemaVersion()),
    async close() {
      closed = true;
      clearTimeout(timer);
      await draining?.catch(() => undefined);
      spool.close();
      await inner.close();
    },
  };
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && prop in extra) return extra[prop as keyof typeof extra];
      if (typeof prop === 'string' && prop in live) return live[prop];
      return Reflect.get(target, prop, receiver);
    },
    has: (target, prop) => (typeof prop === 'string' && (prop in extra || prop in live)) || Reflect.has(target, prop),
  }) as SpooledStore;
}
