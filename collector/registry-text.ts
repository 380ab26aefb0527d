// The collector registry's text (what registry.metrics() gives) made family by family, letting the
// event loop run between families once a slice of a few milliseconds is used up: at 10,000 devices
// its per-device fleet and inspection series are ~70,000 series and ~0.3 s of prom-client work, which
// registry.metrics() does without ever yielding — per-device targets, ingest and /healthz waited.
import { Registry } from 'prom-client';
import { TimeSlicer } from '../common/time-slice.js';

export async function registryText(registry: Registry): Promise<string> {
  // OpenMetrics ends differently and renames counters: left to prom-client (the collector uses the Prometheus format).
  if (registry.contentType !== Registry.PROMETHEUS_CONTENT_TYPE) return registry.metrics();
  const slicer = new TimeSlicer();
  const parts: string[] = [];
  for (const { name } of registry.getMetricsAsArray()) {
    if (slicer.due()) await slicer.next();
    // A family removed while the loop yielded is left out, as it would be from a later scrape.
    if (!registry.getSingleMetric(name)) continue;
    parts.push(await registry.getSingleMetricAsString(name));
  }
  return `${parts.join('\n\n')}\n`;
}
