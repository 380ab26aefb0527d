// Each device's last accepted state in SQLite (WAL, synchronous=FULL: committed means on disk).
import type { DeviceStateRow, DeviceStateStore, DeviceSummary, SavedDevice } from '../store.js';
import { deviceSummaryFromRow, savedDeviceFromRow, type DeviceStateStoredRow, type DeviceSummaryRow } from '../rows.js';
import { prepared, type SqliteRun } from './run.js';

type StoredRow = DeviceStateStoredRow;

const UPSERT = `INSERT INTO device_state (device, site, report, received_at_ms, clock_offset_seconds, reports_accepted, gaps, holder, saved_ms, interval_seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (device) DO UPDATE SET site = excluded.site, report = excluded.report, received_at_ms = excluded.received_at_ms,
         clock_offset_seconds = excluded.clock_offset_seconds, reports_accepted = excluded.reports_accepted, gaps = excluded.gaps,
         holder = excluded.holder, saved_ms = excluded.saved_ms, interval_seconds = excluded.interval_seconds`;
const SUMMARY = 'SELECT device, site, holder, saved_ms, received_at_ms, interval_seconds, reports_accepted FROM device_state';

export class SqliteDeviceStates implements DeviceStateStore {
  constructor(private readonly r: SqliteRun) {}

  loadAll(holder?: string): Promise<SavedDevice[]> {
    return this.r.run((db) =>
      (holder === undefined ? (prepared(db, 'SELECT * FROM device_state').all() as StoredRow[]) : (prepared(db, 'SELECT * FROM device_state WHERE holder IS NULL OR holder = ?').all(holder) as StoredRow[])).map(savedDeviceFromRow),
    );
  }

  load(device: string): Promise<SavedDevice | undefined> {
    return this.r.run((db) => {
      const row = prepared(db, 'SELECT * FROM device_state WHERE device = ?').get(device) as StoredRow | undefined;
      return row && savedDeviceFromRow(row);
    });
  }

  summariesSince(sinceMs?: number): Promise<DeviceSummary[]> {
    return this.r.run((db) =>
      (sinceMs === undefined ? (prepared(db, `${SUMMARY} ORDER BY saved_ms`).all() as DeviceSummaryRow[]) : (prepared(db, `${SUMMARY} WHERE saved_ms >= ? ORDER BY saved_ms`).all(sinceMs) as DeviceSummaryRow[])).map(deviceSummaryFromRow),
    );
  }

  saveMany(rows: readonly DeviceStateRow[]): Promise<void> {
    return this.r.run((db) => {
      if (rows.length === 0) return;
      const upsert = prepared(db, UPSERT);
      db.transaction(() => {
        for (const d of rows) upsert.run(d.name, d.site, d.reportJson, d.receivedAtMs ?? null, d.clockOffsetSeconds ?? null, d.reportsAccepted, JSON.stringify(d.gaps), d.holder ?? null, d.savedMs ?? null, d.intervalSeconds ?? null);
      })();
    });
  }

  forget(device: string): Promise<void> {
    return this.r.run((db) => void prepared(db, 'DELETE FROM device_state WHERE device = ?').run(device));
  }
}
