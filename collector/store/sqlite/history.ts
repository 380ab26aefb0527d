// The history concern in SQLite (collector/store/store.ts says what each method means). Chunks are
// blobs written whole; a batch of them is one transaction (better-sqlite3 nests it as a savepoint
// inside the caller's transaction).
import type { HistoryChunk, HistoryChunkKey, HistoryMarkRow, HistoryStore } from '../store.js';
import { prepared, type SqliteRun } from './run.js';

interface ChunkRow {
  device: string;
  tier: number;
  start_ms: number;
  data: Buffer;
}
interface MarkRow {
  device: string;
  kind: HistoryMarkRow['kind'];
  at_ms: number;
  key: string;
  outcome: string;
}

const chunkOf = (r: ChunkRow): HistoryChunk => ({ device: r.device, tier: r.tier, startMs: r.start_ms, data: r.data });

export class SqliteHistory implements HistoryStore {
  constructor(private readonly r: SqliteRun) {}

  get(keys: readonly HistoryChunkKey[]): Promise<HistoryChunk[]> {
    return this.r.run((db) => {
      const s = prepared(db, 'SELECT device, tier, start_ms, data FROM history_chunks WHERE device = ? AND tier = ? AND start_ms = ?');
      const out: HistoryChunk[] = [];
      for (const k of keys) {
        const row = s.get(k.device, k.tier, k.startMs) as ChunkRow | undefined;
        if (row) out.push(chunkOf(row));
      }
      return out;
    });
  }

  put(chunks: readonly HistoryChunk[]): Promise<void> {
    if (chunks.length === 0) return Promise.resolve();
    return this.r.run((db) => {
      const s = prepared(db, 'INSERT INTO history_chunks (device, tier, start_ms, data) VALUES (?, ?, ?, ?) ON CONFLICT (device, tier, start_ms) DO UPDATE SET data = excluded.data');
      db.transaction(() => {
        for (const c of chunks) s.run(c.device, c.tier, c.startMs, Buffer.from(c.data.buffer, c.data.byteOffset, c.data.byteLength));
      })();
    });
  }

  range(devices: readonly string[], tier: number, fromStartMs: number, toMs: number): Promise<HistoryChunk[]> {
    return this.r.run((db) => {
      const s = prepared(db, 'SELECT device, tier, start_ms, data FROM history_chunks WHERE device = ? AND tier = ? AND start_ms >= ? AND start_ms < ? ORDER BY start_ms');
      const out: HistoryChunk[] = [];
      for (const d of devices) for (const row of s.all(d, tier, fromStartMs, toMs) as ChunkRow[]) out.push(chunkOf(row));
      return out;
    });
  }

  prune(tier: number, beforeStartMs: number): Promise<number> {
    return this.r.run((db) => prepared(db, 'DELETE FROM history_chunks WHERE tier = ? AND start_ms < ?').run(tier, beforeStartMs).changes);
  }

  addMarks(marks: readonly HistoryMarkRow[]): Promise<void> {
    if (marks.length === 0) return Promise.resolve();
    return this.r.run((db) => {
      const s = prepared(db, 'INSERT INTO history_marks (device, kind, at_ms, key, outcome) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING');
      db.transaction(() => {
        for (const k of marks) s.run(k.device, k.kind, k.atMs, k.key, k.outcome);
      })();
    });
  }

  marks(device: string, fromMs: number, toMs: number): Promise<HistoryMarkRow[]> {
    return this.r.run((db) =>
      (prepared(db, 'SELECT device, kind, at_ms, key, outcome FROM history_marks WHERE device = ? AND at_ms >= ? AND at_ms < ? ORDER BY at_ms, kind, key').all(device, fromMs, toMs) as MarkRow[]).map((r) => ({
        device: r.device,
        kind: r.kind,
        atMs: r.at_ms,
        key: r.key,
        outcome: r.outcome,
      })),
    );
  }

  pruneMarks(beforeMs: number): Promise<number> {
    return this.r.run((db) => prepared(db, 'DELETE FROM history_marks WHERE at_ms < ?').run(beforeMs).changes);
  }
}
