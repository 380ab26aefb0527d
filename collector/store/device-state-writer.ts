// Saves each device's last accepted state through the store, so a restarted collector knows every
// device, its last report, when it arrived and its not-reporting gaps. The ingest route answers 202
// only after the state is committed: a crash at any moment loses no acknowledged report. Saves of
// concurrent requests are grouped into one transaction (one commit, one fsync or round trip) per
// event-loop turn; a batch starts only after the previous one settled, so batches commit in order.
import type { Report } from '../../protocol/report.js';
import type { DeviceRecord } from '../device-store.js';
import type { DeviceStateRow, DeviceStateStore } from './store.js';

export class DeviceStateWriter {
  /** Per device, its record and the report text when known (for that very report object). */
  private pending = new Map<string, { d: DeviceRecord; report: Report; text?: string }>();
  private waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  private scheduled = false;
  private flushing: Promise<void> = Promise.resolve();

  /** `holder`: this collector's name, saved with each row (with the time of the save) so the others know who holds the device. */
  constructor(
    private readonly states: DeviceStateStore,
    private readonly holder?: string,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** Deletes the device's saved state, including a write still waiting for its batch. */
  async forget(name: string): Promise<void> {
    this.pending.delete(name);
    await this.flushing;
    await this.states.forget(name);
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
      setImmediate(() => {
        this.flushing = this.flushing.then(() => this.flush());
      });
    }
    return done;
  }

  private async flush(): Promise<void> {
    const batch = [...this.pending.values()];
    const waiters = this.waiters;
    this.pending = new Map();
    this.waiters = [];
    this.scheduled = false;
    const savedMs = this.nowMs();
    const rows = batch.map(({ d, report, text }): DeviceStateRow => ({
      name: d.name,
      site: d.site,
      // The text only stands for the report it came with; a record changed since is serialised.
      reportJson: text !== undefined && d.report === report ? text : JSON.stringify(d.report),
      ...(d.receivedAtMs !== undefined ? { receivedAtMs: d.receivedAtMs } : {}),
      ...(d.clockOffsetSeconds !== undefined ? { clockOffsetSeconds: d.clockOffsetSeconds } : {}),
      reportsAccepted: d.reportsAccepted,
      gaps: d.gaps,
      ...(this.holder !== undefined ? { holder: this.holder } : {}),
      savedMs,
      ...(d.intervalSeconds !== undefined ? { intervalSeconds: d.intervalSeconds } : {}),
    }));
    try {
      await this.states.saveMany(rows);
    } catch (err) {
      for (const w of waiters) w.reject(err);
      return;
    }
    for (const w of waiters) w.resolve();
  }
}
