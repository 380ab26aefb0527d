// Fleet series from the store, computed at scrape time for every device the collector knows (like
// stationwatch_device_reporting, they exist whether or not the device reports): the age of its last
// inspection — or, never inspected, the time since the collector first saw it — whether that
// inspection found a fault, and whether the device is under maintenance now. Served as text
// (fleet-exposition.ts): at 10,000 devices prom-client gauges of them cost hundreds of milliseconds per scrape.
import type { DeviceRecord } from '../device-store.js';
import type { FleetSource } from '../fleet-exposition.js';
import { TimeSlicer } from '../../common/time-slice.js';
import { collectorMetrics as cm } from '../../protocol/collector-metrics.js';
import type { Inspection, InspectionStore, MaintenanceStore } from '../store/store.js';

/** What the store's series of every device are computed from, read once per scrape or evaluation. */
export interface StoreReads {
  nowMs: number;
  latest: ReadonlyMap<string, Inspection>;
  seen: ReadonlyMap<string, number>;
  maintained: ReadonlySet<string>;
}

export async function storeReads(devices: readonly DeviceRecord[], inspections: InspectionStore, maintenance: MaintenanceStore, nowMs: number): Promise<StoreReads> {
  await inspections.markSeen(devices.map((d) => d.name), nowMs);
  const [latest, seen, open] = await Promise.all([inspections.latest(), inspections.firstSeen(), maintenance.open(nowMs)]);
  return { nowMs, latest, seen, maintained: new Set(open.filter((m) => m.startsMs <= nowMs).map((m) => m.device)) };
}

/**
 * One device's store series as numbers (undefined: the series is absent): the one definition of them,
 * read by the gauges below for scrapes and by the status evaluation for each device.
 */
export function storeSeriesOf(name: string, r: StoreReads): Record<string, number | undefined> {
  const last = r.latest.get(name);
  const seen = r.seen.get(name);
  const since = last?.atMs ?? seen;
  return {
    [cm.deviceFirstSeen]: seen === undefined ? undefined : seen / 1000,
    [cm.inspectionAge]: since === undefined ? undefined : Math.max(0, (r.nowMs - since) / 1000),
    [cm.inspectionLast]: last ? last.atMs / 1000 : undefined,
    [cm.inspectionLastFault]: last ? (last.result === 'fault' ? 1 : 0) : undefined,
    [cm.deviceMaintenance]: r.maintained.has(name) ? 1 : 0,
  };
}

/** The metrics storeSeriesOf gives. */
export const storeSeriesMetrics: readonly string[] = [cm.deviceFirstSeen, cm.inspectionAge, cm.inspectionLast, cm.inspectionLastFault, cm.deviceMaintenance];

/** The store's series of every device, per-device families of /collector/metrics as text (fleet-exposition.ts): one read of the store per scrape for all five. */
export function inspectionSource(inspections: InspectionStore, maintenance: MaintenanceStore): FleetSource {
  const families = [
    { name: cm.deviceFirstSeen, help: 'When the collector first saw the device (a device never inspected is overdue counted from here)' },
    { name: cm.inspectionAge, help: 'Time since the device\'s last recorded physical inspection, or since the collector first saw it if it was never inspected' },
    { name: cm.inspectionLast, help: 'When the device\'s last physical inspection was recorded (absent if never)' },
    { name: cm.inspectionLastFault, help: 'Whether the device\'s last physical inspection found a fault (1) or not (0); absent if never inspected' },
    { name: cm.deviceMaintenance, help: 'Whether a technician has marked the device as under maintenance now (1) or not (0)' },
  ];
  return {
    families,
    async values(devices, nowMs) {
      const reads = await storeReads(devices, inspections, maintenance, nowMs);
      const out = families.map(() => new Float64Array(devices.length));
      const slicer = new TimeSlicer();
      for (let i = 0; i < devices.length; i++) {
        if (slicer.due()) await slicer.next();
        const v = storeSeriesOf(devices[i]!.name, reads);
        for (let k = 0; k < families.length; k++) out[k]![i] = v[families[k]!.name] ?? NaN;
      }
      return out;
    },
  };
}
