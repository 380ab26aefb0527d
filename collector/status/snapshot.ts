// What the evaluator reads: the series a scrape of the collector's /metrics yields at this moment,
// taken from the same sources that serve the scrape — the collector's prom-client registry (fleet
// series for every device) and each reporting device's series (collector/device-exposition.ts). So
// the badges see exactly what Prometheus sees.
import type { Registry } from 'prom-client';
import type { Series } from '../../protocol/series.js';
import type { CollectorContext } from '../context.js';

/** The registry's series (only the `wanted` metrics if given: the others are not even computed). */
export async function snapshotOf(registry: Registry, wanted?: ReadonlySet<string>): Promise<Series[]> {
  const out: Series[] = [];
  for (const { name } of registry.getMetricsAsArray()) {
    // The collector's own process metrics are not read by any indicator.
    if (!name.startsWith('stationwatch_') || name.startsWith('stationwatch_collector_')) continue;
    if (wanted && !wanted.has(name)) continue;
    const metric = await registry.getSingleMetric(name)!.get();
    for (const v of metric.values) {
      if (!Number.isFinite(v.value)) continue;
      const labels: Record<string, string> = {};
      for (const [k, x] of Object.entries(v.labels)) if (x !== undefined) labels[k] = String(x);
      out.push({ metric: metric.name, labels, value: v.value });
    }
  }
  return out;
}

/**
 * What /metrics serves now, as numbers — only the `wanted` metrics if given (the evaluator reads a
 * few dozen of a device's ~150 series; making objects for the rest cost seconds per evaluation at
 * 10,000 devices). Device series come straight from the store rather than through prom-client:
 * recomputing them in registries took seconds per evaluation at a few thousand devices (BENCHMARKS.md,
 * scrape cost).
 */
export async function metricsSnapshot(ctx: CollectorContext, nowMs: number, wanted?: ReadonlySet<string>): Promise<Series[]> {
  const out = await snapshotOf(ctx.collectorRegistry, wanted);
  for (const s of await ctx.fleetSeries.series(wanted)) out.push(s);
  for (const d of ctx.store.list()) if (ctx.store.isReporting(d, nowMs)) for (const s of ctx.exposition.series(d, wanted)) out.push(s);
  return out;
}
