// Saves each device's last accepted state through the store, so a restarted collector knows every
// device, its last report, when it arrived and its not-reporting gaps. The ingest route answers 202
// only after the state is committed: a crash at any moment loses no acknowledged report. Saves of
// concurrent requests are grouped into one transaction (one commit, one fsync or round trip) per
// event-loop turn; a batch starts only after the previous one settled, so batches commit in order.
import type { DeviceRecord } from '../device-store.js';
import type { DeviceStateRow, DeviceStateStore } from './store.js';

export class DeviceStateWriter {
  /** Per device, its record and its report's text. */
  private pending = new Map<string, { d: DeviceRecord; text: string }>();
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
   * have (DeviceStore.plan): the ingest route installs it in memory only after this resolves. What
   * is stored is `d.reportText`, the report's JSON text as it arrived — the record's `report` is only
   * its head, without samples (device-store.ts), and re-serialising a parsed report cost more CPU
   * than parsing it. Restoring reads it back through DeviceStore.restore, which applies the same
   * checks as ingest.
   */
  save(d: DeviceRecord): Promise<void> {
    const text = d.reportText;
    if (!d.report || text === undefined) return Promise.resolve();
    this.pending.set(d.name, { d, text });
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
    const rows = batch.map(({ d, text }): DeviceStateRow => ({
      name: d.name,
      site: d.site,
      reportJson: text,
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
