// Physical inspections (who, when, result, note) and when the collector first saw each device: the
// reference from which a device that was never inspected becomes overdue.
import type { Db } from './db.js';

export type InspectionResult = 'ok' | 'fault';

export interface Inspection {
  id: number;
  device: string;
  site: string;
  atMs: number;
  user: string;
  result: InspectionResult;
  note: string;
}

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

export class InspectionLog {
  private latestCache: Map<string, Inspection> | undefined;
  private firstSeenCache: Map<string, number> | undefined;

  constructor(private readonly db: Db) {}

  record(i: Omit<Inspection, 'id'>): Inspection {
    const { lastInsertRowid } = this.db.prepare('INSERT INTO inspections (device, site, at_ms, user, result, note) VALUES (?, ?, ?, ?, ?, ?)').run(i.device, i.site, i.atMs, i.user, i.result, i.note);
    this.latestCache = undefined;
    return { ...i, id: Number(lastInsertRowid) };
  }

  forDevice(device: string, limit = 50): Inspection[] {
    return (this.db.prepare('SELECT * FROM inspections WHERE device = ? ORDER BY at_ms DESC, id DESC LIMIT ?').all(device, limit) as Row[]).map(fromRow);
  }

  between(fromMs: number, toMs: number): Inspection[] {
    return (this.db.prepare('SELECT * FROM inspections WHERE at_ms >= ? AND at_ms < ? ORDER BY at_ms, id').all(fromMs, toMs) as Row[]).map(fromRow);
  }

  /** Each device's latest inspection (read at every scrape, so cached until the next record). */
  latest(): Map<string, Inspection> {
    if (!this.latestCache) {
      const rows = this.db.prepare('SELECT * FROM inspections i WHERE id = (SELECT id FROM inspections j WHERE j.device = i.device ORDER BY at_ms DESC, id DESC LIMIT 1)').all() as Row[];
      this.latestCache = new Map(rows.map((r) => [r.device, fromRow(r)]));
    }
    return this.latestCache;
  }

  firstSeen(): ReadonlyMap<string, number> {
    if (!this.firstSeenCache) {
      const rows = this.db.prepare('SELECT device, first_seen_ms FROM device_first_seen').all() as { device: string; first_seen_ms: number }[];
      this.firstSeenCache = new Map(rows.map((r) => [r.device, r.first_seen_ms]));
    }
    return this.firstSeenCache;
  }

  /** Forgets when the device was first seen: enrolled again under its name, it starts afresh. */
  forgetFirstSeen(device: string): void {
    this.db.prepare('DELETE FROM device_first_seen WHERE device = ?').run(device);
    this.firstSeenCache?.delete(device);
  }

  /** Notes devices not seen before; the first sighting is kept forever (until the device is forgotten). */
  markSeen(devices: Iterable<string>, atMs: number): void {
    const known = this.firstSeen() as Map<string, number>;
    const fresh = [...devices].filter((d) => !known.has(d));
    if (fresh.length === 0) return;
    const insert = this.db.prepare('INSERT OR IGNORE INTO device_first_seen (device, first_seen_ms) VALUES (?, ?)');
    this.db.transaction(() => fresh.forEach((d) => insert.run(d, atMs)))();
    for (const d of fresh) known.set(d, atMs);
  }
}
