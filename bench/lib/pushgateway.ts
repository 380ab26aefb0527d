// Debian's Pushgateway ingesting the same data as pushes: each simulated device's report (the
// loadgen's report shape) as a text-format group PUT to /metrics/job/stationwatch/device/<name>,
// which is how a push client would replace a device's series on every report.
import { request } from 'node:http';
import { metricByName } from '../../protocol/metrics.js';
import type { Report } from '../../protocol/report.js';
import { simulatedReport } from '../../tools/loadgen/report-shape.js';

const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/** The report's samples in the text exposition format, HELP and TYPE once per metric. */
export function reportAsText(report: Report): string {
  const byMetric = new Map<string, string[]>();
  for (const s of report.samples) {
    const labels = Object.entries({ site: report.site ?? 'default', ...s.labels }).map(([k, v]) => `${k}="${escape(v)}"`).join(',');
    let lines = byMetric.get(s.metric);
    if (!lines) byMetric.set(s.metric, (lines = []));
    lines.push(`${s.metric}{${labels}} ${s.value}`);
  }
  let out = '';
  for (const [name, lines] of byMetric) {
    const def = metricByName(name);
    out += `# HELP ${name} ${def?.help ?? name}\n# TYPE ${name} ${def?.type ?? 'untyped'}\n${lines.join('\n')}\n`;
  }
  return out;
}

export function pushBody(device: string, seq: number): string {
  return reportAsText(simulatedReport(device, 'loadgen', Date.now() - 60_000, seq, Date.now(), 15));
}

/** One PUT of a device's group; resolves with the HTTP status. */
export function push(baseUrl: string, device: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(`/metrics/job/stationwatch/device/${encodeURIComponent(device)}`, baseUrl), { method: 'PUT', headers: { 'content-type': 'text/plain; version=0.0.4', 'content-length': Buffer.byteLength(body) }, signal: AbortSignal.timeout(60_000) });
    req.on('error', reject);
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.end(body);
  });
}

/**
 * Pushes for `seconds` with `concurrency` pushes in flight, cycling through `devices`; returns
 * successful pushes per second. Bodies are made before the clock starts.
 */
export async function pushRate(baseUrl: string, devices: readonly string[], seconds: number, concurrency: number): Promise<{ perSecond: number; pushes: number; failures: number }> {
  const bodies = devices.map((d, i) => pushBody(d, 1000 + i));
  let next = 0;
  let pushes = 0;
  let failures = 0;
  const t0 = performance.now();
  const endAt = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < endAt) {
        const i = next++ % devices.length;
        const status = await push(baseUrl, devices[i]!, bodies[i]!);
        if (status >= 200 && status < 300) pushes++;
        else failures++;
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  return { perSecond: pushes / elapsed, pushes, failures };
}

/** Fills the Pushgateway with one group per device (as quickly as it takes them); returns the seconds it took. */
export async function fillGroups(baseUrl: string, devices: readonly string[], concurrency: number): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < devices.length) {
        const d = devices[next++]!;
        const status = await push(baseUrl, d, pushBody(d, 1));
        if (status < 200 || status >= 300) throw new Error(`Pushgateway refused the push for ${d}: HTTP ${status}`);
      }
    }),
  );
  return (performance.now() - t0) / 1000;
}
