// What the evaluator reads: the series a scrape of the collector's /metrics yields at this moment,
// taken from the same prom-client registry that serves the scrape. So the badges see exactly what
// Prometheus sees — device series only while the device reports, fleet series for every device.
import type { Registry } from 'prom-client';
import type { Series } from '../../alerts/evaluate.js';

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
