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

/** One upsert's parameters, in UPSERT's order. */
type Row = readonly unknown[];

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

export class DeviceStateStore {
  /** Per device, its record and the report text when known (for that very report object). */
  private pending = new Map<string, { d: DeviceRecord; report: Report; text?: string }>();
  private waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  private scheduled = false;

  /** One transaction (one commit) per batch, prepared once (preparing it per flush showed in the ingest profile). */
  private readonly write: (rows: Row[]) => void;

  constructor(private readonly db: Db) {
    const upsert = db.prepare(UPSERT);
    this.write = db.transaction((rows: Row[]) => {
      for (const r of rows) upsert.run(r);
    });
  }

  /** Deletes the device's saved state, including a write still waiting for its batch. */
  forget(name: string): void {
    this.pending.delete(name);
    this.db.prepare('DELETE FROM device_state WHERE device = ?').run(name);
  }

  loadAll(): SavedDevice[] {
    const rows = this.db.prepare('SELECT * FROM device_state').all() as StoredRow[];
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

  /**
   * Resolves once `d` is committed; rejects when the write failed. `d` is the state the device is to
   * have (DeviceStore.plan): the ingest route installs it in memory only after this resolves.
   * `reportText`: the JSON text of `d.report` as it arrived (the ingest route has it), stored as it
   * is — re-serialising the parsed report cost more CPU than parsing it. Restoring reads it back
   * through DeviceStore.restore, which applies the same checks as ingest.
   */
  save(d: DeviceRecord, reportText?: string): Promise<void> {
    if (!d.report) return Promise.resolve();
    const queued = this.pending.get(d.name);
    const text = reportText ?? (queued?.report === d.report ? queued.text : undefined);
    this.pending.set(d.name, { d, report: d.report, ...(text !== undefined ? { text } : {}) });
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
    const rows = batch.map(({ d, report, text }): Row => {
      // The text only stands for the report it came with; a record changed since is serialised.
      const json = text !== undefined && d.report === report ? text : JSON.stringify(d.report);
      return [d.name, d.site, json, d.receivedAtMs ?? null, d.clockOffsetSeconds ?? null, d.reportsAccepted, JSON.stringify(d.gaps)];
    });
    try {
      this.write(rows);
    } catch (err) {
      for (const w of waiters) w.reject(err);
      return;
    }
    for (const w of waiters) w.resolve();
  }
}
