// The inspections as the scrapes and evaluations read them: each device's latest inspection and its
// first sighting are read at every scrape, so they are kept in memory — loaded once, refreshed by
// this collector's own writes — and only new first sightings are written. Everything else goes
// straight to the store. While a shared store is away (collector/store/outage/), a read asked for
// afresh (invalidate) answers with what was last read, as LastKnownMaintenance does: otherwise every
// status pass would fail until the database is back, and no device would turn "not reporting".
import { StoreUnavailable } from '../store/outage/unavailable.js';
import type { Inspection, InspectionStore } from '../store/store.js';

/**
 * One cached read: the load in flight or done, and the value last loaded. A failed load is not kept
 * (the next call tries again); while the store is away the last value answers instead.
 */
class LastKnown<T> {
  private load: Promise<T> | undefined;
  private known: T | undefined;

  constructor(private readonly read: () => Promise<T>) {}

  get(): Promise<T> {
    if (this.load) return this.load;
    const load = this.read().then(
      (value) => (this.known = value),
      (err: unknown) => {
        if (this.load === load) this.load = undefined;
        if (err instanceof StoreUnavailable && this.known !== undefined) return this.known;
        throw err;
      },
    );
    this.load = load;
    return load;
  }

  /** Read from the store again on next use; what was read stays the answer while the store is away. */
  invalidate(): void {
    this.load = undefined;
  }
}

export class CachedInspections implements InspectionStore {
  private readonly latestRead: LastKnown<Map<string, Inspection>>;
  private readonly firstSeenRead: LastKnown<Map<string, number>>;

  constructor(private readonly store: InspectionStore) {
    this.latestRead = new LastKnown(() => store.latest());
    this.firstSeenRead = new LastKnown(() => store.firstSeen());
  }

  async record(i: Omit<Inspection, 'id'>): Promise<Inspection> {
    const saved = await this.store.record(i);
    this.latestRead.invalidate();
    return saved;
  }

  forDevice(device: string, limit?: number): Promise<Inspection[]> {
    return this.store.forDevice(device, limit);
  }

  between(fromMs: number, toMs: number, device?: string): Promise<Inspection[]> {
    return this.store.between(fromMs, toMs, device);
  }

  latest(): Promise<Map<string, Inspection>> {
    return this.latestRead.get();
  }

  firstSeen(): Promise<Map<string, number>> {
    return this.firstSeenRead.get();
  }

  /** Writes only the devices this collector has not seen before (once each: the cache knows them at once). */
  async markSeen(devices: readonly string[], atMs: number): Promise<void> {
    const known = await this.firstSeen();
    const fresh = devices.filter((d) => !known.has(d));
    if (fresh.length === 0) return;
    for (const d of fresh) known.set(d, atMs);
    try {
      await this.store.markSeen(fresh, atMs);
    } catch (err) {
      // Not stored: forget them here too, so the next read tries again.
      for (const d of fresh) if (known.get(d) === atMs) known.delete(d);
      throw err;
    }
  }

  /**
   * Reads both from the store again on next use: a device taken over from another collector of a
   * shared store brings inspections and a first sighting this collector's cache has not seen.
   */
  invalidate(): void {
    this.latestRead.invalidate();
    this.firstSeenRead.invalidate();
  }

  async forgetFirstSeen(device: string): Promise<void> {
    await this.store.forgetFirstSeen(device);
    (await this.firstSeen()).delete(device);
  }
}
