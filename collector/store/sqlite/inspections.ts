// Physical inspections and when the collector first saw each device, in SQLite.
import type { Inspection, InspectionResult, InspectionStore } from '../store.js';
import { prepared, type SqliteRun } from './run.js';

interface Row {
  id: number;
  device: string;
  site: string;
  at_ms: number;
  user: string;
  result: InspectionResult;
  note: string;
}

const fromRow = (r: Row): Inspection => ({ id: r.id, device: r.device, site: r.site, atMs: r.at_ms, user: r.user, result: r.result, note: r.note });

export class SqliteInspections implements InspectionStore {
  constructor(private readonly r: SqliteRun) {}

  record(i: Omit<Inspection, 'id'>): Promise<Inspection> {
    return this.r.run((db) => {
      const { lastInsertRowid } = prepared(db, 'INSERT INTO inspections (device, site, at_ms, user, result, note) VALUES (?, ?, ?, ?, ?, ?)').run(i.device, i.site, i.atMs, i.user, i.result, i.note);
      return { ...i, id: Number(lastInsertRowid) };
    });
  }

  forDevice(device: string, limit = 50): Promise<Inspection[]> {
    return this.r.run((db) => (prepared(db, 'SELECT * FROM inspections WHERE device = ? ORDER BY at_ms DESC, id DESC LIMIT ?').all(device, limit) as Row[]).map(fromRow));
  }

  between(fromMs: number, toMs: number, device?: string): Promise<Inspection[]> {
    return this.r.run((db) =>
      (device === undefined
        ? (prepared(db, 'SELECT * FROM inspections WHERE at_ms >= ? AND at_ms < ? ORDER BY at_ms, id').all(fromMs, toMs) as Row[])
        : (prepared(db, 'SELECT * FROM inspections WHERE device = ? AND at_ms >= ? AND at_ms < ? ORDER BY at_ms, id').all(device, fromMs, toMs) as Row[])
      ).map(fromRow),
    );
  }

  latest(): Promise<Map<string, Inspection>> {
    return this.r.run((db) => {
      const rows = prepared(db, 'SELECT * FROM inspections i WHERE id = (SELECT id FROM inspections j WHERE j.device = i.device ORDER BY at_ms DESC, id DESC LIMIT 1)').all() as Row[];
      return new Map(rows.map((r) => [r.device, fromRow(r)]));
    });
  }

  firstSeen(): Promise<Map<string, number>> {
    return this.r.run((db) => {
      const rows = prepared(db, 'SELECT device, first_seen_ms FROM device_first_seen').all() as { device: string; first_seen_ms: number }[];
      return new Map(rows.map((r) => [r.device, r.first_seen_ms]));
    });
  }

  markSeen(devices: readonly string[], atMs: number): Promise<void> {
    return this.r.run((db) => {
      if (devices.length === 0) return;
      const insert = prepared(db, 'INSERT OR IGNORE INTO device_first_seen (device, first_seen_ms) VALUES (?, ?)');
      db.transaction(() => devices.forEach((d) => insert.run(d, atMs)))();
    });
  }

  forgetFirstSeen(device: string): Promise<void> {
    return this.r.run((db) => void prepared(db, 'DELETE FROM device_first_seen WHERE device = ?').run(device));
  }
}
