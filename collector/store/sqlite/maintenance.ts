// Maintenance periods in SQLite.
import type { Maintenance, MaintenanceStore } from '../store.js';
import { prepared, type SqliteRun } from './run.js';

interface Row {
  id: number;
  device: string;
  starts_ms: number;
  ends_ms: number;
  user: string;
  reason: string;
  silence_id: string | null;
  silence_error: string | null;
  created_ms: number;
}

const fromRow = (r: Row): Maintenance => ({ id: r.id, device: r.device, startsMs: r.starts_ms, endsMs: r.ends_ms, user: r.user, reason: r.reason, silenceId: r.silence_id, silenceError: r.silence_error, createdMs: r.created_ms });

export class SqliteMaintenance implements MaintenanceStore {
  constructor(private readonly r: SqliteRun) {}

  create(m: Omit<Maintenance, 'id'>): Promise<Maintenance> {
    return this.r.run((db) => {
      const { lastInsertRowid } = prepared(db, 'INSERT INTO maintenance (device, starts_ms, ends_ms, user, reason, silence_id, silence_error, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
        m.device, m.startsMs, m.endsMs, m.user, m.reason, m.silenceId, m.silenceError, m.createdMs,
      );
      return { ...m, id: Number(lastInsertRowid) };
    });
  }

  get(id: number): Promise<Maintenance | undefined> {
    return this.r.run((db) => {
      const row = prepared(db, 'SELECT * FROM maintenance WHERE id = ?').get(id) as Row | undefined;
      return row && fromRow(row);
    });
  }

  end(id: number, nowMs: number): Promise<void> {
    return this.r.run((db) => void prepared(db, 'UPDATE maintenance SET ends_ms = MIN(ends_ms, ?), ended_early_ms = ? WHERE id = ?').run(nowMs, nowMs, id));
  }

  open(nowMs: number): Promise<Maintenance[]> {
    return this.r.run((db) => (prepared(db, 'SELECT * FROM maintenance WHERE ends_ms > ? ORDER BY starts_ms, id').all(nowMs) as Row[]).map(fromRow));
  }

  forDevice(device: string, limit = 20): Promise<Maintenance[]> {
    return this.r.run((db) => (prepared(db, 'SELECT * FROM maintenance WHERE device = ? ORDER BY starts_ms DESC, id DESC LIMIT ?').all(device, limit) as Row[]).map(fromRow));
  }
}
