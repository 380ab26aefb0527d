// Maintenance periods: a technician marks a device as being worked on from one time to another, so
// the page shows it and (with an Alertmanager configured) its alerts are silenced meanwhile.
import type { Db } from './db.js';

export interface Maintenance {
  id: number;
  device: string;
  startsMs: number;
  endsMs: number;
  user: string;
  reason: string;
  silenceId: string | null;
  silenceError: string | null;
  createdMs: number;
}

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

export class MaintenanceLog {
  constructor(private readonly db: Db) {}

  create(m: Omit<Maintenance, 'id'>): Maintenance {
    const { lastInsertRowid } = this.db
      .prepare('INSERT INTO maintenance (device, starts_ms, ends_ms, user, reason, silence_id, silence_error, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(m.device, m.startsMs, m.endsMs, m.user, m.reason, m.silenceId, m.silenceError, m.createdMs);
    return { ...m, id: Number(lastInsertRowid) };
  }

  get(id: number): Maintenance | undefined {
    const row = this.db.prepare('SELECT * FROM maintenance WHERE id = ?').get(id) as Row | undefined;
    return row && fromRow(row);
  }

  /** Ends a period now (the work finished early). */
  end(id: number, nowMs: number): void {
    this.db.prepare('UPDATE maintenance SET ends_ms = MIN(ends_ms, ?), ended_early_ms = ? WHERE id = ?').run(nowMs, nowMs, id);
  }

  /** Periods that have not ended yet (current or planned), per device. */
  open(nowMs: number): Maintenance[] {
    return (this.db.prepare('SELECT * FROM maintenance WHERE ends_ms > ? ORDER BY starts_ms').all(nowMs) as Row[]).map(fromRow);
  }

  forDevice(device: string, limit = 20): Maintenance[] {
    return (this.db.prepare('SELECT * FROM maintenance WHERE device = ? ORDER BY starts_ms DESC LIMIT ?').all(device, limit) as Row[]).map(fromRow);
  }
}
