// Each device's last accepted state in SQLite (WAL, synchronous=FULL: committed means on disk).
import type { Report } from '../../../protocol/report.js';
import type { Gap } from '../../device-store.js';
import type { DeviceStateRow, DeviceStateStore, SavedDevice } from '../store.js';
import { prepared, type SqliteRun } from './run.js';

interface StoredRow {
  device: string;
  site: string;
  report: string;
  received_at_ms: number | null;
  clock_offset_seconds: number | null;
  reports_accepted: number;
  gaps: string;
}

const UPSERT = `INSERT INTO device_state (device, site, report, received_at_ms, clock_offset_seconds, reports_accepted, gaps) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (device) DO UPDATE SET site = excluded.site, report = excluded.report, received_at_ms = excluded.received_at_ms,
         clock_offset_seconds = excluded.clock_offset_seconds, reports_accepted = excluded.reports_accepted, gaps = excluded.gaps`;

export class SqliteDeviceStates implements DeviceStateStore {
  constructor(private readonly r: SqliteRun) {}

  loadAll(): Promise<SavedDevice[]> {
    return this.r.run((db) =>
      (prepared(db, 'SELECT * FROM device_state').all() as StoredRow[]).map((r) => ({
        name: r.device,
        site: r.site,
        report: JSON.parse(r.report) as Report,
        ...(r.received_at_ms !== null ? { receivedAtMs: r.received_at_ms } : {}),
        ...(r.clock_offset_seconds !== null ? { clockOffsetSeconds: r.clock_offset_seconds } : {}),
        reportsAccepted: r.reports_accepted,
        gaps: JSON.parse(r.gaps) as Gap[],
      })),
    );
  }

  saveMany(rows: readonly DeviceStateRow[]): Promise<void> {
    return this.r.run((db) => {
      if (rows.length === 0) return;
      const upsert = prepared(db, UPSERT);
      db.transaction(() => {
        for (const d of rows) upsert.run(d.name, d.site, d.reportJson, d.receivedAtMs ?? null, d.clockOffsetSeconds ?? null, d.reportsAccepted, JSON.stringify(d.gaps));
      })();
    });
  }

  forget(device: string): Promise<void> {
    return this.r.run((db) => void prepared(db, 'DELETE FROM device_state WHERE device = ?').run(device));
  }
}
