// What the evaluator reads: the series a scrape of the collector's /metrics yields at this moment,
// taken from the same sources that serve the scrape — the collector's prom-client registry (fleet
// series for every device) and each reporting device's series (collector/device-exposition.ts). So
// the badges see exactly what Prometheus sees.
import type { Registry } from 'prom-client';
import type { Series } from '../../alerts/evaluate.js';
import type { CollectorContext } from '../context.js';
import { deviceSeries } from '../device-exposition.js';

export async function snapshotOf(registry: Registry): Promise<Series[]> {
  const out: Series[] = [];
  for (const metric of await registry.getMetricsAsJSON()) {
    // The collector's own process metrics are not read by any indicator.
    if (!metric.name.startsWith('stationwatch_') || metric.name.startsWith('stationwatch_collector_')) continue;
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
 * Everything /metrics serves now, as numbers. Device series come straight from the store rather than
 * through prom-client: recomputing them in registries took seconds per evaluation at a few thousand
 * devices (BENCHMARKS.md, scrape cost).
 */
export async function metricsSnapshot(ctx: CollectorContext, nowMs: number): Promise<Series[]> {
  const out = await snapshotOf(ctx.collectorRegistry);
  for (const d of ctx.store.list()) if (ctx.store.isReporting(d, nowMs)) for (const s of deviceSeries(d)) out.push(s);
  return out;
}
