// Fleet series from the store, computed at scrape time for every device the collector knows (like
// stationwatch_device_reporting, they exist whether or not the device reports): the age of its last
// inspection — or, never inspected, the time since the collector first saw it — whether that
// inspection found a fault, and whether the device is under maintenance now.
import { Gauge, type Registry } from 'prom-client';
import type { DeviceStore } from '../device-store.js';
import { collectorMetrics as cm } from '../../protocol/collector-metrics.js';
import type { InspectionLog } from '../store/inspections.js';
import type { MaintenanceLog } from '../store/maintenance.js';

export function registerInspectionSeries(registries: Registry[], store: DeviceStore, inspections: InspectionLog, maintenance: MaintenanceLog, nowMs: () => number): void {
  const labelNames = ['device', 'site'];
  const gauge = (name: string, help: string, fill: (g: Gauge, now: number) => void) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: registries,
      collect() {
        this.reset();
        fill(this, nowMs());
      },
    });
  gauge(cm.deviceFirstSeen, 'When the collector first saw the device (a device never inspected is overdue counted from here)', (g, now) => {
    const devices = store.list();
    inspections.markSeen(devices.map((d) => d.name), now);
    const seen = inspections.firstSeen();
    for (const d of devices) {
      const at = seen.get(d.name);
      if (at !== undefined) g.set({ device: d.name, site: d.site }, at / 1000);
    }
  });
  gauge(cm.inspectionAge, 'Time since the device\'s last recorded physical inspection, or since the collector first saw it if it was never inspected', (g, now) => {
    const devices = store.list();
    inspections.markSeen(devices.map((d) => d.name), now);
    const latest = inspections.latest();
    const seen = inspections.firstSeen();
    for (const d of devices) {
      const since = latest.get(d.name)?.atMs ?? seen.get(d.name);
      if (since !== undefined) g.set({ device: d.name, site: d.site }, Math.max(0, (now - since) / 1000));
    }
  });
  gauge(cm.inspectionLast, 'When the device\'s last physical inspection was recorded (absent if never)', (g) => {
    const latest = inspections.latest();
    for (const d of store.list()) {
      const i = latest.get(d.name);
      if (i) g.set({ device: d.name, site: d.site }, i.atMs / 1000);
    }
  });
  gauge(cm.inspectionLastFault, 'Whether the device\'s last physical inspection found a fault (1) or not (0); absent if never inspected', (g) => {
    const latest = inspections.latest();
    for (const d of store.list()) {
      const i = latest.get(d.name);
      if (i) g.set({ device: d.name, site: d.site }, i.result === 'fault' ? 1 : 0);
    }
  });
  gauge(cm.deviceMaintenance, 'Whether a technician has marked the device as under maintenance now (1) or not (0)', (g, now) => {
    const active = new Set(maintenance.open(now).filter((m) => m.startsMs <= now).map((m) => m.device));
    for (const d of store.list()) g.set({ device: d.name, site: d.site }, active.has(d.name) ? 1 : 0);
  });
}
