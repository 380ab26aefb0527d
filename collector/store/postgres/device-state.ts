// Each device's last accepted state in PostgreSQL: a batch is one upsert statement in one transaction.
import type { Report } from '../../../protocol/report.js';
import type { Gap } from '../../device-store.js';
import type { DeviceStateRow, DeviceStateStore, SavedDevice } from '../store.js';
import { lastPerKey } from './events.js';
import type { PgRun } from './run.js';

interface StoredRow {
  device: string;
  site: string;
  report: string;
  received_at_ms: number | null;
  clock_offset_seconds: number | null;
  reports_accepted: number;
  gaps: string;
}

export class PgDeviceStates implements DeviceStateStore {
  constructor(private readonly q: PgRun) {}

  async loadAll(): Promise<SavedDevice[]> {
    const rows = await this.q.rows<StoredRow>('SELECT device, site, report, received_at_ms, clock_offset_seconds, reports_accepted, gaps FROM device_state');
    return rows.map((r) => ({
      name: r.device,
      site: r.site,
      report: JSON.parse(r.report) as Report,
      ...(r.received_at_ms !== null ? { receivedAtMs: r.received_at_ms } : {}),
      ...(r.clock_offset_seconds !== null ? { clockOffsetSeconds: r.clock_offset_seconds } : {}),
      reportsAccepted: r.reports_accepted,
      gaps: JSON.parse(r.gaps) as Gap[],
    }));
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
