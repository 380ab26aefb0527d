// What the route plugins share: the store, the registries and the collector's own counters.
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import { registerMemorySeries } from './memory-metrics.js';
import type { CollectorConfig } from './config.js';
import { DeviceStore } from './device-store.js';
import { businessHoursOf, type Calendar } from './business-hours.js';
import { DeviceExposition } from './device-exposition.js';
import { fleetStateSource, registerFleetSeries } from './exposition.js';
import { FleetExposition } from './fleet-exposition.js';
import { collectorMetrics as cm } from '../protocol/collector-metrics.js';
import { Backfill } from './remote-write/backfill.js';
import { openStore } from './store/open.js';
import { DeviceStateWriter } from './store/device-state-writer.js';
import type { EnrolmentStore, Store } from './store/store.js';
import type { SpooledStore } from './store/outage/spooled-store.js';
import { registerOutageSeries } from './store/outage/outage-metrics.js';
import { HistoryWriter } from './history/writer.js';
import { collectorName } from './fleet/identity.js';
import { RemoteFleet } from './fleet/remote-fleet.js';
import { silentLogger } from '../common/logger.js';
import type { Logger } from '../common/logger.js';
import { KnownTokens } from './store/outage/known-tokens.js';

export interface CollectorContext {
  config: CollectorConfig;
  store: DeviceStore;
  nowMs: () => number;
  /** Collector health and fleet state: what `/collector/metrics` serves. */
  collectorRegistry: Registry;
  /** Each device's series as text, rendered once per report: what /metrics and the per-device targets serve. */
  exposition: DeviceExposition;
  /** The collector's own per-device series (fleet state, inspections) as text, after the registry's on /collector/metrics and /metrics. */
  fleetSeries: FleetExposition;
  reportsReceived: Counter<'result'>;
  samplesDropped: Counter<'reason'>;
  /** Reports whose state was committed and applied (fresh or late but newer): one device-state write each. */
  reportsApplied: Counter;
  /** Enrolled devices' tokens the store vouched for, honoured while a shared store is away (store/outage/known-tokens.ts). */
  knownTokens: KnownTokens;
  /** The persistent store (SQLite or PostgreSQL, collector/store/store.ts), shared by every part of the collector; closed with the app. */
  db: Store;
  /** Device state saves, batched per event-loop turn (the ingest route awaits each commit). */
  deviceState: DeviceStateWriter;
  enrolment: EnrolmentStore;
  /** The history writer (collector/history/writer.ts) unless history.enabled is false: fed by the ingest route, never awaited. */
  history?: HistoryWriter;
  /** Set when `remoteWrite` is configured: late samples from not-reporting periods go there. */
  backfill?: Backfill;
  /** Whether a site is inside its business hours (always, without a businessHours section). */
  siteOpen: (site: string, at: Date) => boolean;
  /** This collector's name among the collectors of a shared store (collector/fleet/identity.ts). */
  self: string;
  /** On a shared store: the devices other collectors hold, and taking a device over (collector/fleet/remote-fleet.ts). */
  fleet?: RemoteFleet;
}

export async function createContext(config: CollectorConfig, nowMs: () => number = Date.now, calendar: Calendar = { holidays: [], workdays: [] }, log?: Logger): Promise<CollectorContext> {
  const store = new DeviceStore(config.devices, config.defaultSite, config.staleAfterIntervals, config.snmp.targets, { maxSeriesPerDevice: config.limits.maxSeriesPerDevice });
  // What the collector knew before a restart: every device's last accepted report and gaps.
  const db = await openStore(config, log ? { log } : {});
  const self = collectorName(config);
  const deviceState = new DeviceStateWriter(db.devices, self, nowMs);
  // Only the devices this collector holds: on a shared store the others' devices are listed from the
  // store (collector/fleet/remote-fleet.ts) and evaluated by their holders; SQLite has one collector.
  // Rendered now, from the samples at hand: the record keeps none, and rendering 10,000 devices on the
  // first scrape would read every report's text again on the event loop.
  const exposition = new DeviceExposition();
  for (const saved of await db.devices.loadAll(db.kind === 'postgres' ? self : undefined)) {
    const restored = store.restore(saved);
    if (restored) exposition.prepare(restored.device, restored.samples);
  }
  const collectorRegistry = new Registry();
  collectDefaultMetrics({ register: collectorRegistry, prefix: 'stationwatch_collector_' });
  // prom-client names these gauges `_total`, which promtool (rightly) rejects; the rest are fine.
  for (const kind of ['handles', 'requests', 'resources']) collectorRegistry.removeSingleMetric(`stationwatch_collector_nodejs_active_${kind}_total`);
  const reportsReceived = new Counter({ name: cm.reportsReceived, help: 'Reports received, by outcome', labelNames: ['result'], registers: [collectorRegistry] });
  // "late" in reportsReceived counts late reports that were applied and those that were not; this one counts
  // exactly the acknowledged state writes, which is what a store can be reconciled against.
  const reportsApplied = new Counter({ name: cm.reportsApplied, help: 'Reports whose device state was committed and applied (each one state write)', registers: [collectorRegistry] });
  const samplesDropped = new Counter({ name: cm.samplesDropped, help: 'Samples dropped from accepted reports (unknown metric, wrong labels, duplicates, series limit, negative counters)', labelNames: ['reason'], registers: [collectorRegistry] });
  const siteOpen = businessHoursOf(config.businessHours, calendar);
  registerFleetSeries(collectorRegistry, store, nowMs, siteOpen);
  const fleetSeries = new FleetExposition(store, nowMs);
  fleetSeries.add(fleetStateSource(store));
  if ('outage' in db) registerOutageSeries(collectorRegistry, db as SpooledStore);

  const backfill = config.remoteWrite ? new Backfill(config.remoteWrite, collectorRegistry) : undefined;
  const history = config.history.enabled && log ? new HistoryWriter(db, store, nowMs, log.child({ component: 'history' }), { flushEveryMs: config.history.flushEverySeconds * 1000 }) : undefined;
  registerMemorySeries(collectorRegistry, history ? { historyHeldBytes: () => history.heldBytes } : {});
  const fleet = db.kind === 'postgres' ? new RemoteFleet(db, store, self, nowMs, (log ?? silentLogger).child({ component: 'fleet' }), { everyMs: Math.max(200, config.statusPage.evaluateEverySeconds * 1000) }) : undefined;
  return { ...(fleet ? { fleet } : {}), config, store, nowMs, collectorRegistry, exposition, fleetSeries, reportsReceived, reportsApplied, knownTokens: new KnownTokens(), samplesDropped, db, deviceState, enrolment: db.enrolment, siteOpen, self, ...(backfill ? { backfill } : {}), ...(history ? { history } : {}) };
}
