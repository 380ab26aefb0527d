// Maintenance periods as the status evaluation reads them on every pass: from the store, and while a
// shared store is away (collector/store/outage/), the periods last read — they still apply, so a
// device under maintenance does not turn red because the database restarted. New periods cannot be
// recorded meanwhile (the form says the store is away); everything else goes straight to the store.
import { StoreUnavailable } from '../store/outage/unavailable.js';
import type { Maintenance, MaintenanceStore } from '../store/store.js';

export class LastKnownMaintenance implements MaintenanceStore {
  private known: Maintenance[] | undefined;

  constructor(private readonly store: MaintenanceStore) {}

  async open(nowMs: number): Promise<Maintenance[]> {
    try {
      this.known = await this.store.open(nowMs);
      return this.known;
    } catch (err) {
      if (!(err instanceof StoreUnavailable) || !this.known) throw err;
      // Periods that ended since the last read are over now too.
      return this.known.filter((m) => m.endsMs > nowMs);
    }
  }

  async create(m: Omit<Maintenance, 'id'>): Promise<Maintenance> {
    const saved = await this.store.create(m);
    this.known = undefined;
    return saved;
  }

  async end(id: number, nowMs: number): Promise<void> {
    await this.store.end(id, nowMs);
    this.known = undefined;
  }

  get(id: number): Promise<Maintenance | undefined> {
    return this.store.get(id);
  }

  forDevice(device: string, limit?: number): Promise<Maintenance[]> {
    return this.store.forDevice(device, limit);
  }
}
