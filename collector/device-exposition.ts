// Each device's series as exposition text, rendered once per report and kept until the next one, so a
// scrape only concatenates: prom-client recomputed every device's every series on every scrape (for
// 10,000 devices × 150 series, seconds of CPU and hundreds of MiB per scrape — BENCHMARKS.md, scrape
// cost). The text is exactly what registerDeviceSeries (exposition.ts) yields through prom-client, the
// same families in the same order, sample lines per device; HELP and TYPE are written once per family
// when devices are put together, so /metrics stays one family per metric name (promtool-clean).
import { agentMetrics } from '../protocol/metrics.js';
import type { DeviceRecord } from './device-store.js';
import { collectorMetrics as cm } from './metric-names.js';

interface Family {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
}

/** The per-device families, in registerDeviceSeries' order (agent metrics, then the collector's own). */
export const deviceFamilies: readonly Family[] = [
  ...agentMetrics.map((d) => ({ name: d.name, help: d.help, type: d.type })),
  { name: cm.clockOffset, help: 'Device clock minus collector clock when the last report was sent (positive: device ahead)', type: 'gauge' },
  { name: cm.reportInterval, help: 'The interval at which the device reports', type: 'gauge' },
  { name: cm.probeSuccess, help: "Whether the probe's last run on the device succeeded", type: 'gauge' },
  { name: cm.probeDuration, help: "How long the probe's last run on the device took", type: 'gauge' },
  { name: cm.metricAvailable, help: 'Whether the device can measure this metric at all (0: the sensor is absent, the value is unknown, not zero)', type: 'gauge' },
  { name: cm.agentInfo, help: 'The agent version and platform of the device (value is always 1)', type: 'gauge' },
];

const familyIndex = new Map(deviceFamilies.map((f, i) => [f.name, i]));
// As prom-client escapes (registry.js): backslash and newline in HELP, also the quote in label values.
// Label values rarely need it: testing first is several times cheaper than three replaces.
const escapeHelp = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const needsEscape = /[\\\n"]/;
const escapeLabel = (s: string) => (needsEscape.test(s) ? s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"') : s);
// As prom-client's getValueAsString.
const value = (v: number) => (Number.isNaN(v) ? 'Nan' : !Number.isFinite(v) ? (v < 0 ? '-Inf' : '+Inf') : `${v}`);
const headers = deviceFamilies.map((f) => `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n`);

/** What a rendering was made from: when any of it is replaced (a new report, a restore, a poll), it is stale. */
interface Rendered {
  report: DeviceRecord['report'];
  samples: DeviceRecord['samplesByMetric'];
  site: string;
  clockOffsetSeconds: number | undefined;
  /** Sample lines per family index (absent: the device has no series in that family). */
  parts: Array<string | undefined>;
  /** The device's whole target text (families with headers), made on its first per-device scrape. */
  text?: string;
}

/** The sample lines of one device, by family index. */
export function renderDevice(d: DeviceRecord): Array<string | undefined> {
  const parts: Array<string | undefined> = new Array(deviceFamilies.length);
  const base = `device="${escapeLabel(d.name)}",site="${escapeLabel(d.site)}"`;
  const line = (family: string, extra: Record<string, string> | undefined, v: number, i = familyIndex.get(family)!) => {
    let labels = base;
    if (extra) for (const k in extra) labels += `,${k}="${escapeLabel(extra[k]!)}"`;
    parts[i] = `${parts[i] ?? ''}${family}{${labels}} ${value(v)}\n`;
  };
  for (let i = 0; i < agentMetrics.length; i++) {
    const def = agentMetrics[i]!;
    const samples = d.samplesByMetric.get(def.name);
    if (!samples) continue;
    for (const s of samples) line(def.name, s.labels, def.type === 'counter' ? Math.max(0, s.value) : s.value, i);
  }
  if (d.clockOffsetSeconds !== undefined) line(cm.clockOffset, undefined, d.clockOffsetSeconds);
  const r = d.report;
  if (r) line(cm.reportInterval, undefined, r.intervalSeconds);
  for (const p of r?.probes ?? []) line(cm.probeSuccess, { probe: p.name }, p.ok ? 1 : 0);
  for (const p of r?.probes ?? []) line(cm.probeDuration, { probe: p.name }, p.durationSeconds);
  // One series per metric, first seen first; "unavailable" overrides a sample of the same metric.
  const available = new Map<string, number>();
  for (const metric of d.samplesByMetric.keys()) available.set(metric, 1);
  for (const u of r?.unavailable ?? []) available.set(u.metric, 0);
  for (const [metric, v] of available) line(cm.metricAvailable, { metric }, v);
  if (r) line(cm.agentInfo, { version: r.agent.version, platform: r.agent.platform }, 1);
  return parts;
}

export class DeviceExposition {
  private readonly cache = new WeakMap<DeviceRecord, Rendered>();

  /** The device's current rendering, made now if it has none or its report changed since. */
  private rendered(d: DeviceRecord): Rendered {
    const c = this.cache.get(d);
    if (c && c.report === d.report && c.samples === d.samplesByMetric && c.site === d.site && c.clockOffsetSeconds === d.clockOffsetSeconds) return c;
    const fresh: Rendered = { report: d.report, samples: d.samplesByMetric, site: d.site, clockOffsetSeconds: d.clockOffsetSeconds, parts: renderDevice(d) };
    this.cache.set(d, fresh);
    return fresh;
  }

  /** Renders a device now (when its report is accepted), so that scrapes find it ready. */
  prepare(d: DeviceRecord): void {
    this.rendered(d);
  }

  /** One device's target: every family with its headers, as registerDeviceSeries' registry prints it. */
  deviceText(d: DeviceRecord): string {
    const r = this.rendered(d);
    if (r.text === undefined) {
      let out = '';
      for (let i = 0; i < deviceFamilies.length; i++) out += `${i === 0 ? '' : '\n'}${headers[i]}${r.parts[i] ?? ''}`;
      r.text = out;
    }
    return r.text;
  }

  /**
   * Every given device's series, family by family (HELP and TYPE once each), in chunks of about
   * `chunkChars`, to be streamed: at 10,000 devices the whole text is over 100 MiB.
   */
  *chunks(devices: readonly DeviceRecord[], chunkChars = 1 << 20): Generator<string> {
    const parts = devices.map((d) => this.rendered(d).parts);
    let buf = '';
    for (let i = 0; i < deviceFamilies.length; i++) {
      buf += `\n${headers[i]}`;
      for (const p of parts) {
        const lines = p[i];
        if (lines === undefined) continue;
        buf += lines;
        if (buf.length >= chunkChars) {
          yield buf;
          buf = '';
        }
      }
    }
    if (buf.length > 0) yield buf;
  }
}
