// Each device's last accepted state in SQLite (WAL, synchronous=FULL: committed means on disk).
import type { DeviceStateRow, DeviceStateStore, DeviceSummary, SavedDevice } from '../store.js';
import { deviceSummaryFromRow, savedDeviceFromRow, type DeviceStateStoredRow, type DeviceSummaryRow } from '../rows.js';
import { prepared, type SqliteRun } from './run.js';
import { UPSERT, upsertParams } from './device-state-upsert.js';

type StoredRow = DeviceStateStoredRow;

const SUMMARY = 'SELECT device, site, holder, saved_ms, received_at_ms, interval_seconds, reports_accepted FROM device_state';

export class SqliteDeviceStates implements DeviceStateStore {
  /** `commit`: where saveMany goes instead of `r` — the commit thread's connection (device-state-committer.ts). */
  constructor(
    private readonly r: SqliteRun,
    private readonly commit?: (rows: readonly DeviceStateRow[]) => Promise<void>,
  ) {}

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
    if (this.commit) return rows.length === 0 ? Promise.resolve() : this.commit(rows);
    return this.r.run((db) => {
      if (rows.length === 0) return;
      const upsert = prepared(db, UPSERT);
      db.transaction(() => {
        for (const d of rows) upsert.run(...upsertParams(d));
      })();
    });
  }

  forget(device: string): Promise<void> {
    return this.r.run((db) => void prepared(db, 'DELETE FROM device_state WHERE device = ?').run(device));
  }
}
