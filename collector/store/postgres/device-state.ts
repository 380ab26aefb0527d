// Each device's last accepted state in PostgreSQL: a batch is one upsert statement in one transaction.
import type { DeviceStateRow, DeviceStateStore, SavedDevice } from '../store.js';
import { savedDeviceFromRow, type DeviceStateStoredRow } from '../rows.js';
import { lastPerKey } from './events.js';
import type { PgRun } from './run.js';

type StoredRow = DeviceStateStoredRow;

export class PgDeviceStates implements DeviceStateStore {
  constructor(private readonly q: PgRun) {}

  async loadAll(): Promise<SavedDevice[]> {
    const rows = await this.q.rows<StoredRow>('SELECT device, site, report, received_at_ms, clock_offset_seconds, reports_accepted, gaps FROM device_state');
    return rows.map(savedDeviceFromRow);
  }

  async saveMany(all: readonly DeviceStateRow[]): Promise<void> {
    const rows = lastPerKey(all, (d) => d.name);
    if (rows.length === 0) return;
    // One statement: it commits on its own, all rows or none.
    await this.q.count(
      `INSERT INTO device_state (device, site, report, received_at_ms, clock_offset_seconds, reports_accepted, gaps)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::double precision[], $6::bigint[], $7::text[])
       ON CONFLICT (device) DO UPDATE SET site = excluded.site, report = excluded.report, received_at_ms = excluded.received_at_ms,
         clock_offset_seconds = excluded.clock_offset_seconds, reports_accepted = excluded.reports_accepted, gaps = excluded.gaps`,
      [
        rows.map((d) => d.name),
        rows.map((d) => d.site),
        rows.map((d) => d.reportJson),
        rows.map((d) => d.receivedAtMs ?? null),
        rows.map((d) => d.clockOffsetSeconds ?? null),
        rows.map((d) => d.reportsAccepted),
        rows.map((d) => JSON.stringify(d.gaps)),
      ],
    );
  }

  async forget(device: string): Promise<void> {
    await this.q.count('DELETE FROM device_state WHERE device = $1', [device]);
  }
}
