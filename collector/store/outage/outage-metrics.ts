// The shared store's reachability and the outage spool, as collector series: an alert can page when a
// collector has been keeping writes locally for long, and the spool's size says how much it holds.
import { Counter, Gauge, type Registry } from 'prom-client';
import { collectorMetrics as cm } from '../../../protocol/collector-metrics.js';
import type { SpooledStore } from './spooled-store.js';

export function registerOutageSeries(registry: Registry, store: SpooledStore): void {
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  // Counters mirror the spool's own totals at each scrape (they only grow while the process lives).
  const counter = (name: string, help: string, read: () => number) => {
    let seen = 0;
    return new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const now = read();
        if (now > seen) this.inc(now - seen);
        seen = now;
      },
    });
  };
  gauge(cm.storeReachable, 'Whether the shared store answers (0: away, state writes are spooled on this collector)', () => (store.outage().away ? 0 : 1));
  gauge(cm.storeSpoolEntries, 'State writes waiting in the local outage spool for the store to be back', () => store.outage().spooled.entries);
  gauge(cm.storeSpoolBytes, 'Size of the writes waiting in the local outage spool', () => store.outage().spooled.bytes);
  counter(cm.storeSpooled, 'State writes kept in the local outage spool because the store could not be reached', () => store.outage().totals.spooled);
  counter(cm.storeReplayed, 'Spooled state writes replayed into the store once it was back', () => store.outage().totals.replayed);
  counter(cm.storeRefused, 'Spooled state writes the store refused on replay (kept aside in the spool file, logged)', () => store.outage().totals.refused);
  counter(cm.storeSpoolFull, 'State writes failed because the outage spool was full (ingest answered 503; agents keep their reports)', () => store.outage().totals.full);
}
