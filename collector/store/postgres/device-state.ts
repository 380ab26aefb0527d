// Each device's last accepted state in PostgreSQL: a batch is one upsert statement in one transaction.
import type { DeviceStateRow, DeviceStateStore, DeviceSummary, SavedDevice } from '../store.js';
import { deviceSummaryFromRow, savedDeviceFromRow, type DeviceStateStoredRow, type DeviceSummaryRow } from '../rows.js';
import { lastPerKey } from './events.js';
import { NOW_MS, type PgRun } from './run.js';

type StoredRow = DeviceStateStoredRow;
const COLUMNS = 'device, site, report, received_at_ms, clock_offset_seconds, reports_accepted, gaps, holder, saved_ms';

export class PgDeviceStates implements DeviceStateStore {
  constructor(private readonly q: PgRun) {}

  async loadAll(holder?: string): Promise<SavedDevice[]> {
    const rows =
      holder === undefined
        ? await this.q.rows<StoredRow>(`SELECT ${COLUMNS} FROM device_state`)
        : await this.q.rows<StoredRow>(`SELECT ${COLUMNS} FROM device_state WHERE holder IS NULL OR holder = $1`, [holder]);
    return rows.map(savedDeviceFromRow);
  }

  async load(device: string): Promise<SavedDevice | undefined> {
    const [row] = await this.q.rows<StoredRow>(`SELECT ${COLUMNS} FROM device_state WHERE device = $1`, [device]);
    return row && savedDeviceFromRow(row);
  }

  async summariesSince(sinceMs?: number): Promise<DeviceSummary[]> {
    const cols = 'device, site, holder, saved_ms, received_at_ms, interval_seconds, reports_accepted';
    const rows =
      sinceMs === undefined
        ? await this.q.rows<DeviceSummaryRow>(`SELECT ${cols} FROM device_state ORDER BY saved_ms NULLS FIRST`)
        : await this.q.rows<DeviceSummaryRow>(`SELECT ${cols} FROM device_state WHERE saved_ms >= $1 ORDER BY saved_ms`, [sinceMs]);
    return rows.map(deviceSummaryFromRow);
  }

  async saveMany(all: readonly DeviceStateRow[]): Promise<void> {
    const rows = lastPerKey(all, (d) => d.name);
    if (rows.length === 0) return;
    // One statement: it commits on its own, all rows or none. saved_ms is the database's clock (NOW_MS):
    // other collectors read the rows saved since a time, and collectors' clocks may differ.
    await this.q.count(
      `INSERT INTO device_state (device, site, report, received_at_ms, clock_offset_seconds, reports_accepted, gaps, holder, saved_ms, interval_seconds)
       SELECT d, s, r, ra, co, n, g, h, ${NOW_MS}, i FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::double precision[], $6::bigint[], $7::text[], $8::text[], $9::double precision[]) AS t(d, s, r, ra, co, n, g, h, i)
       ON CONFLICT (device) DO UPDATE SET site = excluded.site, report = excluded.report, received_at_ms = excluded.received_at_ms,
         clock_offset_seconds = excluded.clock_offset_seconds, reports_accepted = excluded.reports_accepted, gaps = excluded.gaps,
         holder = excluded.holder, saved_ms = excluded.saved_ms, interval_seconds = excluded.interval_seconds`,
      [
        rows.map((d) => d.name),
        rows.map((d) => d.site),
        rows.map((d) => d.reportJson),
        rows.map((d) => d.receivedAtMs ?? null),
        rows.map((d) => d.clockOffsetSeconds ?? null),
        rows.map((d) => d.reportsAccepted),
        rows.map((d) => JSON.stringify(d.gaps)),
        rows.map((d) => d.holder ?? null),
        rows.map((d) => d.intervalSeconds ?? null),
      ],
    );
  }

  async forget(device: string): Promise<void> {
    await this.q.count('DELETE FROM device_state WHERE device = $1', [device]);
  }
}
