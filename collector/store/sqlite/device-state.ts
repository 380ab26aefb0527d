// Each device's last accepted state in SQLite (WAL, synchronous=FULL: committed means on disk).
import type { DeviceStateRow, DeviceStateStore, SavedDevice } from '../store.js';
import { savedDeviceFromRow, type DeviceStateStoredRow } from '../rows.js';
import { prepared, type SqliteRun } from './run.js';

type StoredRow = DeviceStateStoredRow;

const UPSERT = `INSERT INTO device_state (device, site, report, received_at_ms, clock_offset_seconds, reports_accepted, gaps) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (device) DO UPDATE SET site = excluded.site, report = excluded.report, received_at_ms = excluded.received_at_ms,
         clock_offset_seconds = excluded.clock_offset_seconds, reports_accepted = excluded.reports_accepted, gaps = excluded.gaps`;

export class SqliteDeviceStates implements DeviceStateStore {
  constructor(private readonly r: SqliteRun) {}

  loadAll(): Promise<SavedDevice[]> {
    return this.r.run((db) =>
      (prepared(db, 'SELECT * FROM device_state').all() as StoredRow[]).map(savedDeviceFromRow),
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
