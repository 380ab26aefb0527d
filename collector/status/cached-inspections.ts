// The inspections as the scrapes and evaluations read them: each device's latest inspection and its
// first sighting are read at every scrape, so they are kept in memory — loaded once, refreshed by
// this collector's own writes — and only new first sightings are written. Everything else goes
// straight to the store.
import type { Inspection, InspectionStore } from '../store/store.js';

export class CachedInspections implements InspectionStore {
  private latestCache: Promise<Map<string, Inspection>> | undefined;
  private firstSeenCache: Promise<Map<string, number>> | undefined;

  constructor(private readonly store: InspectionStore) {}

  async record(i: Omit<Inspection, 'id'>): Promise<Inspection> {
    const saved = await this.store.record(i);
    this.latestCache = undefined;
    return saved;
  }

  forDevice(device: string, limit?: number): Promise<Inspection[]> {
    return this.store.forDevice(device, limit);
  }

  between(fromMs: number, toMs: number, device?: string): Promise<Inspection[]> {
    return this.store.between(fromMs, toMs, device);
  }

  latest(): Promise<Map<string, Inspection>> {
    const load = (this.latestCache ??= this.store.latest());
    // A failed read is not remembered: the next scrape tries again.
    load.catch(() => {
      if (this.latestCache === load) this.latestCache = undefined;
    });
    return load;
  }

  firstSeen(): Promise<Map<string, number>> {
    const load = (this.firstSeenCache ??= this.store.firstSeen());
    load.catch(() => {
      if (this.firstSeenCache === load) this.firstSeenCache = undefined;
    });
    return load;
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
    this.latestCache = undefined;
    this.firstSeenCache = undefined;
  }

  async forgetFirstSeen(device: string): Promise<void> {
    await this.store.forgetFirstSeen(device);
    (await this.firstSeen()).delete(device);
  }
}
