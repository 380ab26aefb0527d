// The collector's local outage spool: writes meant for a shared PostgreSQL store that could not be
// reached, kept in order in one SQLite file in the collector's state directory until they are
// replayed. SQLite with WAL and synchronous=FULL, as the embedded store: a write acknowledged as
// spooled survives a crash of the collector. Each entry is one unit that must land together (a
// status evaluation's transaction, one batch of device states): replayed in one transaction.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export const SPOOL_FILE = 'store-outage-spool.sqlite';

/** One spooled call: `store[concern][method](...args)`. */
export interface SpooledCall {
  concern: string;
  method: string;
  args: unknown[];
}

export interface SpoolEntry {
  id: number;
  atMs: number;
  calls: SpooledCall[];
}

export class SpoolFull extends Error {}

export class SpoolFile {
  private readonly db: Database.Database;
  private bytes: number;
  private entries: number;

  constructor(
    stateDir: string | undefined,
    private readonly maxBytes: number,
  ) {
    if (stateDir) mkdirSync(stateDir, { recursive: true });
    this.db = new Database(stateDir ? join(stateDir, SPOOL_FILE) : ':memory:');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec('CREATE TABLE IF NOT EXISTS spool (id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, calls TEXT NOT NULL)');
    this.db.exec('CREATE TABLE IF NOT EXISTS refused (id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, calls TEXT NOT NULL, error TEXT NOT NULL)');
    const row = this.db.prepare('SELECT count(*) AS n, coalesce(sum(length(calls)), 0) AS b FROM spool').get() as { n: number; b: number };
    this.entries = row.n;
    this.bytes = row.b;
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries, bytes: this.bytes };
  }

  /** Appends one entry (durable when this returns); SpoolFull beyond the size limit: the caller fails the write instead. */
  append(calls: readonly SpooledCall[], atMs: number): void {
    const text = JSON.stringify(calls);
    if (this.bytes + text.length > this.maxBytes) throw new SpoolFull(`the outage spool is full (${this.entries} entries, ${Math.round(this.bytes / 1048576)} MiB of ${Math.round(this.maxBytes / 1048576)} MiB)`);
    this.db.prepare('INSERT INTO spool (at_ms, calls) VALUES (?, ?)').run(atMs, text);
    this.entries++;
    this.bytes += text.length;
  }

  oldest(): SpoolEntry | undefined {
    const row = this.db.prepare('SELECT id, at_ms, calls FROM spool ORDER BY id LIMIT 1').get() as { id: number; at_ms: number; calls: string } | undefined;
    return row && { id: row.id, atMs: row.at_ms, calls: JSON.parse(row.calls) as SpooledCall[] };
  }

  /** Removes an entry once it is in the store. */
  remove(id: number): void {
    const row = this.db.prepare('DELETE FROM spool WHERE id = ? RETURNING length(calls) AS b').get(id) as { b: number } | undefined;
    if (row) {
      this.entries--;
      this.bytes -= row.b;
    }
  }

  /** Moves an entry the store refused (not for being away) aside, with the reason, so it never blocks the rest. */
  refuse(id: number, error: string): void {
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO refused (id, at_ms, calls, error) SELECT id, at_ms, calls, ? FROM spool WHERE id = ?').run(error.slice(0, 2000), id);
      this.remove(id);
    })();
  }

  close(): void {
    this.db.close();
  }
}
