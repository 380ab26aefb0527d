// Series computed at scrape time by prom-client collect callbacks that read the device store: the
// fleet series (every known device, reporting or not) in the collector's registry, their per-device
// families as text (fleetStateSource). Device series are
// served as text rendered once per report (device-exposition.ts); registerDeviceSeries is their
// prom-client definition, which that text is tested against and the benchmark's baseline measures.
// Only devices that are reporting expose values: a silent device's series vanish, so Prometheus
// marks them stale instead of repeating frozen last values.
import { Counter, Gauge, Registry } from 'prom-client';
import { agentMetrics } from '../protocol/metrics.js';
import { deviceSamples, type DeviceRecord, type DeviceStore } from './device-store.js';
import type { Sample } from '../protocol/report.js';
import { collectorMetrics as cm } from '../protocol/collector-metrics.js';
import type { FleetSource } from './fleet-exposition.js';

type Source = () => DeviceRecord[];

const base = ['device', 'site'] as const;

function labelsOf(d: DeviceRecord, extra?: Record<string, string>): Record<string, string> {
  return { device: d.name, site: d.site, ...extra };
}

/**
 * Registers the per-device series of every device `source` yields (those reporting) in `registry`.
 * `samplesOf`: a device's samples; by default read back from its report's text (deviceSamples). The
 * benchmark's baseline passes samples it holds in memory, as the collector did when this was how it
 * served them — re-reading the text per family per scrape would make that baseline slower than it was.
 */
export function registerDeviceSeries(registry: Registry, source: Source, samplesOf: (d: DeviceRecord) => ReadonlyMap<string, readonly Sample[]> = deviceSamples): void {
  for (const def of agentMetrics) {
    const labelNames = [...base, ...def.labels];
    const collect = function (this: Gauge | Counter) {
      this.reset();
      for (const d of source()) {
        for (const s of samplesOf(d).get(def.name) ?? []) {
          const labels = labelsOf(d, s.labels);
          if (this instanceof Counter) this.inc(labels, Math.max(0, s.value));
          else this.set(labels, s.value);
        }
      }
    };
    if (def.type === 'counter') new Counter({ name: def.name, help: def.help, labelNames, registers: [registry], collect });
    else new Gauge({ name: def.name, help: def.help, labelNames, registers: [registry], collect });
  }

  const perDevice = (name: string, help: string, labelNames: string[], fill: (g: Gauge, d: DeviceRecord) => void) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const d of source()) fill(this, d);
      },
    });

  perDevice(cm.clockOffset, 'Device clock minus collector clock when the last report was sent (positive: device ahead)', [...base], (g, d) => {
    if (d.clockOffsetSeconds !== undefined) g.set(labelsOf(d), d.clockOffsetSeconds);
  });
  perDevice(cm.reportInterval, 'The interval at which the device reports', [...base], (g, d) => {
    if (d.report) g.set(labelsOf(d), d.report.intervalSeconds);
  });
  perDevice(cm.probeSuccess, 'Whether the probe\'s last run on the device succeeded', [...base, 'probe'], (g, d) => {
    for (const p of d.report?.probes ?? []) g.set(labelsOf(d, { probe: p.name }), p.ok ? 1 : 0);
  });
  perDevice(cm.probeDuration, 'How long the probe\'s last run on the device took', [...base, 'probe'], (g, d) => {
    for (const p of d.report?.probes ?? []) g.set(labelsOf(d, { probe: p.name }), p.durationSeconds);
  });
  perDevice(cm.metricAvailable, 'Whether the device can measure this metric at all (0: the sensor is absent, the value is unknown, not zero)', [...base, 'metric'], (g, d) => {
    for (const metric of d.metrics) g.set(labelsOf(d, { metric }), 1);
    for (const u of d.report?.unavailable ?? []) g.set(labelsOf(d, { metric: u.metric }), 0);
  });
  perDevice(cm.agentInfo, 'The agent version and platform of the device (value is always 1)', [...base, 'version', 'platform'], (g, d) => {
    if (d.report) g.set(labelsOf(d, { version: d.report.agent.version, platform: d.report.agent.platform }), 1);
  });
}

/**
 * Fleet state: every known device, reporting or not, so "not reporting" is itself a series. The
 * per-device families are text (fleet-exposition.ts, `fleetStateSource`); the registry keeps the
 * site and count gauges.
 */
export function registerFleetSeries(registry: Registry, store: DeviceStore, nowMs: () => number, siteOpen: (site: string, at: Date) => boolean): void {
  new Gauge({
    name: cm.siteBusinessHours,
    help: 'Whether the site is inside its business hours now (1), per its time zone and holiday calendar; "not reporting" pages only then',
    labelNames: ['site'],
    registers: [registry],
    collect() {
      this.reset();
      const at = new Date(nowMs());
      for (const site of new Set(store.list().map((d) => d.site))) this.set({ site }, siteOpen(site, at) ? 1 : 0);
    },
  });
  new Gauge({
    name: cm.devices,
    help: 'Devices known to the collector, by state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const now = nowMs();
      let reporting = 0;
      const all = store.list();
      for (const d of all) if (store.isReporting(d, now)) reporting++;
      this.set({ state: 'reporting' }, reporting);
      this.set({ state: 'not_reporting' }, all.length - reporting);
    },
  });
}

/** Whether each device reports, and when it last did: per-device families of /collector/metrics (fleet-exposition.ts). */
export function fleetStateSource(store: DeviceStore): FleetSource {
  return {
    families: [
      { name: cm.deviceReporting, help: 'Whether the device has reported within its staleness window (0: not reporting)' },
      { name: cm.lastReport, help: 'When the collector last received a report from the device (collector clock)' },
    ],
    values(devices, nowMs) {
      const reporting = new Float64Array(devices.length);
      const last = new Float64Array(devices.length);
      for (let i = 0; i < devices.length; i++) {
        const d = devices[i]!;
        reporting[i] = store.isReporting(d, nowMs) ? 1 : 0;
        last[i] = d.receivedAtMs === undefined ? NaN : d.receivedAtMs / 1000;
      }
      return [reporting, last];
    },
  };
}
