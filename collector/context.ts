// What the route plugins share: the store, the registries and the collector's own counters.
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import type { CollectorConfig } from './config.js';
import { DeviceStore } from './device-store.js';
import { businessHoursOf, type Calendar } from './business-hours.js';
import { registerDeviceSeries, registerFleetSeries } from './exposition.js';
import { collectorMetrics as cm } from './metric-names.js';

export interface CollectorContext {
  config: CollectorConfig;
  store: DeviceStore;
  nowMs: () => number;
  /** Collector health and fleet state: what `/collector/metrics` serves. */
  collectorRegistry: Registry;
  /** Everything: fleet state, collector health and every reporting device's series. */
  allRegistry: Registry;
  deviceRegistry(name: string): Registry;
  reportsReceived: Counter<'result'>;
  samplesDropped: Counter<'reason'>;
}

export function createContext(config: CollectorConfig, nowMs: () => number = Date.now, calendar: Calendar = { holidays: [], workdays: [] }): CollectorContext {
  const store = new DeviceStore(config.devices, config.defaultSite, config.staleAfterIntervals, config.snmp.targets);
  const collectorRegistry = new Registry();
  collectDefaultMetrics({ register: collectorRegistry, prefix: 'stationwatch_collector_' });
  // prom-client names these gauges `_total`, which promtool (rightly) rejects; the rest are fine.
  for (const kind of ['handles', 'requests', 'resources']) collectorRegistry.removeSingleMetric(`stationwatch_collector_nodejs_active_${kind}_total`);
  const reportsReceived = new Counter({ name: cm.reportsReceived, help: 'Reports received, by outcome', labelNames: ['result'], registers: [collectorRegistry] });
  const samplesDropped = new Counter({ name: cm.samplesDropped, help: 'Samples dropped from accepted reports (unknown metric, wrong labels, duplicates)', labelNames: ['reason'], registers: [collectorRegistry] });
  registerFleetSeries(collectorRegistry, store, nowMs, businessHoursOf(config.businessHours, calendar));

  const reporting = () => {
    const now = nowMs();
    return store.list().filter((d) => store.isReporting(d, now));
  };
  const devicesOnly = new Registry();
  registerDeviceSeries(devicesOnly, reporting);
  const allRegistry = Registry.merge([collectorRegistry, devicesOnly]);

  // One registry per device, made on its first scrape; the store never forgets a device, so neither do we.
  const perDevice = new Map<string, Registry>();
  const deviceRegistry = (name: string): Registry => {
    let r = perDevice.get(name);
    if (!r) {
      r = new Registry();
      registerDeviceSeries(r, () => {
        const d = store.get(name);
        return d && store.isReporting(d, nowMs()) ? [d] : [];
      });
      perDevice.set(name, r);
    }
    return r;
  };
  return { config, store, nowMs, collectorRegistry, allRegistry, deviceRegistry, reportsReceived, samplesDropped };
}
