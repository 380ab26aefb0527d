// The whole fleet for the pages of a collector on a shared store: this collector's own evaluation
// (the devices it holds) plus the devices other collectors hold, as their holders last stored them
// (collector/fleet/remote-fleet.ts). Other collectors' devices are never evaluated here: their badges
// are the stored indicator states, except that a device whose last report is older than its
// not-reporting window shows as not reporting whatever its holder last stored — the holder may be
// the one that went silent.
import type { Indicator } from '../../alerts/catalog/types.js';
import { DeviceStore, type DeviceRecord } from '../device-store.js';
import { readsReports, type Badge } from '../status/badges.js';
import type { DeviceStatus, StatusSnapshot } from '../status/monitor.js';
import type { StatusService } from '../status/service.js';
import type { RemoteDevice } from './remote-fleet.js';

export interface Holder {
  /** The collector's name (collector/fleet/identity.ts). */
  name: string;
  /** When it last saved the device's state (its own clock); undefined for this collector's devices. */
  savedAtMs?: number;
  self: boolean;
}

export interface FleetSnapshot extends StatusSnapshot {
  /** Set on a shared store: who holds each device. */
  fleet?: { self: string; remote: ReadonlyMap<string, Holder> };
}

/** The holder of a device on the page (undefined on a collector with a store of its own). */
export function holderOf(snap: FleetSnapshot, device: string): Holder | undefined {
  if (!snap.fleet) return undefined;
  return snap.fleet.remote.get(device) ?? { name: snap.fleet.self, self: true };
}

function isReporting(d: { receivedAtMs?: number; intervalSeconds?: number }, nowMs: number, staleAfterIntervals: number): boolean {
  if (d.receivedAtMs === undefined || d.intervalSeconds === undefined) return false;
  return nowMs - d.receivedAtMs <= d.intervalSeconds * 1000 * staleAfterIntervals;
}

/** A device another collector holds, as its stored states tell (never evaluated here). */
export function remoteStatus(r: RemoteDevice, indicators: readonly Indicator[], nowMs: number, staleAfterIntervals: number, device?: DeviceRecord): DeviceStatus {
  const reporting = isReporting(r, nowMs, staleAfterIntervals);
  const record: DeviceRecord = device ?? {
    name: r.name,
    site: r.site,
    kind: 'agent',
    configured: false,
    metrics: [],
    seriesKept: 0,
    reportsAccepted: r.reportsAccepted,
    gaps: [],
    ...(r.receivedAtMs !== undefined ? { receivedAtMs: r.receivedAtMs } : {}),
    ...(r.intervalSeconds !== undefined ? { intervalSeconds: r.intervalSeconds } : {}),
  };
  const silentSince = r.receivedAtMs !== undefined && r.intervalSeconds !== undefined ? r.receivedAtMs + r.intervalSeconds * 1000 * staleAfterIntervals : undefined;
  const since: Record<string, number> = {};
  const badges: Badge[] = [];
  for (const ind of indicators) {
    const stored = r.states.get(ind.id);
    let state = stored?.state ?? (reporting ? 'unavailable' : 'not_reporting');
    let at = stored?.sinceMs;
    // The holder's stored state stands while the device reports; once it is silent, it is not reporting here too.
    if (!reporting && state !== 'abnormal' && state !== 'not_reporting' && readsReports(ind)) {
      state = 'not_reporting';
      at = silentSince;
    }
    if (at !== undefined) since[ind.id] = at;
    badges.push({ indicator: ind.id, state, firing: [], pending: [] });
  }
  return { device: record, reporting, badges, since, series: [] };
}

/** What the pages list: this collector's evaluation, and on a shared store every other collector's devices. */
export async function fleetSnapshot(svc: StatusService): Promise<FleetSnapshot> {
  const local = await svc.monitor.current();
  const fleet = svc.ctx.fleet;
  if (!fleet) return local;
  const now = svc.ctx.nowMs();
  // A device let go since the last pass (another collector took it over) is listed as that collector's.
  const devices = local.devices.filter((d) => svc.ctx.store.get(d.device.name) !== undefined);
  const mine = new Set(devices.map((d) => d.device.name));
  const remote = new Map<string, Holder>();
  for (const r of fleet.list()) {
    if (mine.has(r.name)) continue;
    remote.set(r.name, { name: r.holder ?? '?', ...(r.savedMs !== undefined ? { savedAtMs: r.savedMs } : {}), self: false });
    devices.push(remoteStatus(r, svc.indicators, now, svc.ctx.config.staleAfterIntervals));
  }
  return { ...local, devices, fleet: { self: fleet.self, remote } };
}

/**
 * A device page for a device another collector holds: its saved report is read from the store now
 * (inventory, current values), the badges are the stored states. Undefined when it is no longer there.
 */
export async function remoteDevicePage(svc: StatusService, name: string): Promise<DeviceStatus | undefined> {
  const r = svc.ctx.fleet?.get(name);
  if (!r) return undefined;
  const saved = await svc.ctx.db.devices.load(name);
  if (!saved) return undefined;
  // The same checks and indexing as a restart applies to a saved report, in a store of its own.
  const one = new DeviceStore([], svc.ctx.config.defaultSite, svc.ctx.config.staleAfterIntervals);
  one.restore(saved);
  const record = one.get(name)!;
  const status = remoteStatus({ ...r, ...(saved.receivedAtMs !== undefined ? { receivedAtMs: saved.receivedAtMs } : {}), reportsAccepted: saved.reportsAccepted }, svc.indicators, svc.ctx.nowMs(), svc.ctx.config.staleAfterIntervals, record);
  const exposition = svc.ctx.exposition;
  return {
    ...status,
    get series() {
      return exposition.series(record);
    },
  };
}
