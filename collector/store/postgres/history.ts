// The history concern in PostgreSQL (collector/store/store.ts says what each method means). Batches
// go in as arrays (unnest): one statement whatever the batch size.
import type { HistoryChunk, HistoryChunkKey, HistoryMarkRow, HistoryStore } from '../store.js';
import { lastPerKey } from './events.js';
import type { PgRun } from './run.js';

interface ChunkRow {
  device: string;
  tier: number;
  start_ms: number;
  data: Buffer;
}

const chunkOf = (r: ChunkRow): HistoryChunk => ({ device: r.device, tier: r.tier, startMs: r.start_ms, data: r.data });
const buf = (d: Uint8Array) => Buffer.from(d.buffer, d.byteOffset, d.byteLength);

export class PgHistory implements HistoryStore {
  constructor(private readonly q: PgRun) {}

  async get(keys: readonly HistoryChunkKey[]): Promise<HistoryChunk[]> {
    if (keys.length === 0) return [];
    const rows = await this.q.rows<ChunkRow>(
      `SELECT c.device, c.tier, c.start_ms, c.data FROM history_chunks c
       JOIN unnest($1::text[], $2::int[], $3::bigint[]) AS k(device, tier, start_ms) USING (device, tier, start_ms)`,
      [keys.map((k) => k.device), keys.map((k) => k.tier), keys.map((k) => k.startMs)],
    );
    return rows.map(chunkOf);
  }

  async put(chunks: readonly HistoryChunk[]): Promise<void> {
    if (chunks.length === 0) return;
    const put = lastPerKey(chunks, (c) => `${c.device}\u0000${c.tier}\u0000${c.startMs}`);
    await this.q.count(
      `INSERT INTO history_chunks (device, tier, start_ms, data) SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::bytea[])
       ON CONFLICT (device, tier, start_ms) DO UPDATE SET data = excluded.data`,
      [put.map((c) => c.device), put.map((c) => c.tier), put.map((c) => c.startMs), put.map((c) => buf(c.data))],
    );
  }

  async range(devices: readonly string[], tier: number, fromStartMs: number, toMs: number): Promise<HistoryChunk[]> {
    if (devices.length === 0) return [];
    const rows = await this.q.rows<ChunkRow>(
      'SELECT device, tier, start_ms, data FROM history_chunks WHERE device = ANY($1::text[]) AND tier = $2 AND start_ms >= $3 AND start_ms < $4 ORDER BY device, start_ms',
      [devices, tier, fromStartMs, toMs],
    );
    return rows.map(chunkOf);
  }

  prune(tier: number, beforeStartMs: number): Promise<number> {
    return this.q.count('DELETE FROM history_chunks WHERE tier = $1 AND start_ms < $2', [tier, beforeStartMs]);
  }

  async addMarks(marks: readonly HistoryMarkRow[]): Promise<void> {
    if (marks.length === 0) return;
    await this.q.count(
      `INSERT INTO history_marks (device, kind, at_ms, key, outcome) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[])
       ON CONFLICT DO NOTHING`,
      [marks.map((k) => k.device), marks.map((k) => k.kind), marks.map((k) => k.atMs), marks.map((k) => k.key), marks.map((k) => k.outcome)],
    );
  }

  async marks(device: string, fromMs: number, toMs: number): Promise<HistoryMarkRow[]> {
    const rows = await this.q.rows<{ device: string; kind: HistoryMarkRow['kind']; at_ms: number; key: string; outcome: string }>(
      'SELECT device, kind, at_ms, key, outcome FROM history_marks WHERE device = $1 AND at_ms >= $2 AND at_ms < $3 ORDER BY at_ms, kind, key',
      [device, fromMs, toMs],
    );
    return rows.map((r) => ({ device: r.device, kind: r.kind, atMs: r.at_ms, key: r.key, outcome: r.outcome }));
  }

  pruneMarks(beforeMs: number): Promise<number> {
    return this.q.count('DELETE FROM history_marks WHERE at_ms < $1', [beforeMs]);
  }
}
