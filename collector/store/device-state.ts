// Each device's last accepted state in the store, so a restarted collector knows every device, its
// last report, when it arrived and its not-reporting gaps. The ingest route answers 202 only after
// the state is committed (WAL, synchronous=FULL): a crash at any moment loses no acknowledged report.
// Writes of concurrent requests are grouped into one transaction (one fsync) per event-loop turn.
import type { Report } from '../../protocol/report.js';
import type { DeviceRecord, Gap } from '../device-store.js';
import type { Db } from './db.js';

export interface SavedDevice {
  name: string;
  site: string;
  report: Report;
  receivedAtMs?: number;
  clockOffsetSeconds?: number;
  reportsAccepted: number;
  gaps: Gap[];
}

interface Row {
  device: string;
  site: string;
  report: string;
  received_at_ms: number | null;
  clock_offset_seconds: number | null;
  reports_accepted: number;
  gaps: string;
}

export class DeviceStateStore {
  private pending = new Map<string, DeviceRecord>();
  private waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  private scheduled = false;

  constructor(private readonly db: Db) {}

  loadAll(): SavedDevice[] {
    const rows = this.db.prepare('SELECT * FROM device_state').all() as Row[];
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

  /** Resolves once the device's current state is committed; rejects when the write failed. */
  save(d: DeviceRecord): Promise<void> {
    if (!d.report) return Promise.resolve();
    this.pending.set(d.name, d);
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    return done;
  }

  private flush(): void {
    const batch = [...this.pending.values()];
    const waiters = this.waiters;
    this.pending = new Map();
    this.waiters = [];
    this.scheduled = false;
    const upsert = this.db.prepare(
      `INSERT INTO device_state (device, site, report, received_at_ms, clock_offset_seconds, reports_accepted, gaps) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (device) DO UPDATE SET site = excluded.site, report = excluded.report, received_at_ms = excluded.received_at_ms,
         clock_offset_seconds = excluded.clock_offset_seconds, reports_accepted = excluded.reports_accepted, gaps = excluded.gaps`,
    );
    try {
      this.db.transaction(() => {
        for (const d of batch) upsert.run(d.name, d.site, JSON.stringify(d.report), d.receivedAtMs ?? null, d.clockOffsetSeconds ?? null, d.reportsAccepted, JSON.stringify(d.gaps));
      })();
    } catch (err) {
      for (const w of waiters) w.reject(err);
      return;
    }
    for (const w of waiters) w.resolve();
  }
}
