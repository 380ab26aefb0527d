// The devices the history charts (site timelines, sparklines, a device's charts) may show: this
// collector's own, and on a shared store every other collector's too — their history chunks are in
// the same database, written by their holders. Only names and sites are needed, so the other
// collectors' devices come from the fleet read (remote-fleet.ts) without their reports.
import type { CollectorContext } from '../context.js';

export interface FleetDevices {
  get(name: string): { name: string; site: string } | undefined;
  list(): readonly { name: string; site: string }[];
}

export function fleetDevices(ctx: Pick<CollectorContext, 'store' | 'fleet'>): FleetDevices {
  const { store, fleet } = ctx;
  if (!fleet) return store;
  return {
    get: (name) => store.get(name) ?? fleet.get(name),
    list: () => [...store.list(), ...fleet.list()],
  };
}
