// Each device's series as exposition text, rendered once per report and kept until the next one, so a
// scrape only concatenates: prom-client recomputed every device's every series on every scrape (for
// 10,000 devices × 150 series, seconds of CPU and hundreds of MiB per scrape — BENCHMARKS.md, scrape
// cost). The text is what registerDeviceSeries (exposition.ts) yields through prom-client — the same
// families in the same order, the same sample lines — without the families a device has no series in;
// HELP and TYPE are written once per family when devices are put together, so /metrics stays one
// family per metric name (promtool-clean).
import type { Series } from '../protocol/series.js';
import { agentMetrics } from '../protocol/metrics.js';
import type { Sample } from '../protocol/report.js';
import { deviceSamples, type DeviceRecord } from './device-store.js';
import { collectorMetrics as cm } from '../protocol/collector-metrics.js';
import { parseLines } from './status/exposition-lines.js';

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
export const escapeHelp = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const needsEscape = /[\\\n"]/;
export const escapeLabel = (s: string) => (needsEscape.test(s) ? s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"') : s);
// As prom-client's getValueAsString.
export const value = (v: number) => (Number.isNaN(v) ? 'Nan' : !Number.isFinite(v) ? (v < 0 ? '-Inf' : '+Inf') : `${v}`);
// HELP and TYPE of each family, and the same after the blank line that separates families.
const headerTexts = deviceFamilies.map((f) => `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n`);
const separatedHeaderTexts = headerTexts.map((h) => `\n${h}`);
const headers = headerTexts.map((h) => Buffer.from(h));
const separatedHeaders = separatedHeaderTexts.map((h) => Buffer.from(h));

/** What a rendering was made from: when any of it is replaced (a new report, a restore, a poll), it is stale. */
interface Rendered {
  report: DeviceRecord['report'];
  polled: DeviceRecord['polled'];
  site: string;
  clockOffsetSeconds: number | undefined;
  /**
   * The device's sample lines, family after family, as UTF-8 bytes: a scrape copies them out without
   * encoding anything (writing strings made Node measure and encode 60 MiB per /metrics of 3,000 devices).
   */
  body: Buffer;
  /**
   * Each family's lines: [start, end) in `body` at 2i and 2i + 1, both -1 for a family without
   * series. Offsets rather than a view per family: ~70 views per device were 700,000 long-lived
   * objects on the main heap at 10,000 devices (issue 18); a scrape copies with Buffer#copy, which
   * allocates nothing and is as fast as copying from a view.
   */
  ranges: Int32Array;
  /** The series as numbers for the status page, made on its first evaluation after the report. */
  series?: { wanted: ReadonlySet<string> | undefined; list: Series[] };
}

type Visit = (familyIndex: number, extra: Record<string, string> | undefined, value: number) => void;

/** A device's samples by metric (deviceSamples, or indexSamples' map where the report is at hand). */
export type SamplesByMetric = ReadonlyMap<string, readonly Sample[]>;

/**
 * Every series of one device, family by family in registerDeviceSeries' order: the one definition of
 * what a device exposes, which the text (renderDevice) and the numbers (deviceSeries) both follow.
 */
function visitDevice(d: DeviceRecord, byMetric: SamplesByMetric, visit: Visit): void {
  for (let i = 0; i < agentMetrics.length; i++) {
    const def = agentMetrics[i]!;
    const samples = byMetric.get(def.name);
    if (!samples) continue;
    for (const s of samples) visit(i, s.labels, s.value); // counters are not negative (indexSamples drops those)
  }
  const at = (name: string) => familyIndex.get(name)!;
  if (d.clockOffsetSeconds !== undefined) visit(at(cm.clockOffset), undefined, d.clockOffsetSeconds);
  const r = d.report;
  if (r) visit(at(cm.reportInterval), undefined, r.intervalSeconds);
  for (const p of r?.probes ?? []) visit(at(cm.probeSuccess), { probe: p.name }, p.ok ? 1 : 0);
  for (const p of r?.probes ?? []) visit(at(cm.probeDuration), { probe: p.name }, p.durationSeconds);
  // One series per metric, first seen first; "unavailable" overrides a sample of the same metric.
  const available = new Map<string, number>();
  for (const metric of byMetric.keys()) available.set(metric, 1);
  for (const u of r?.unavailable ?? []) available.set(u.metric, 0);
  for (const [metric, v] of available) visit(at(cm.metricAvailable), { metric }, v);
  if (r) visit(at(cm.agentInfo), { version: r.agent.version, platform: r.agent.platform }, 1);
}

/**
 * The sample lines of one device as one text, and where each family's lines are in it: [start, end)
 * in characters at 2i and 2i + 1, both -1 for a family without series. visitDevice goes family by
 * family in index order, so each family's lines are one stretch of the text.
 */
export function renderDevice(d: DeviceRecord, byMetric: SamplesByMetric = deviceSamples(d)): { text: string; ranges: Int32Array } {
  const ranges = new Int32Array(deviceFamilies.length * 2).fill(-1);
  const base = `device="${escapeLabel(d.name)}",site="${escapeLabel(d.site)}"`;
  let text = '';
  visitDevice(d, byMetric, (i, extra, v) => {
    let labels = base;
    if (extra) for (const k in extra) labels += `,${k}="${escapeLabel(extra[k]!)}"`;
    if (ranges[2 * i] === -1) ranges[2 * i] = text.length;
    text += `${deviceFamilies[i]!.name}{${labels}} ${value(v)}\n`;
    ranges[2 * i + 1] = text.length;
  });
  return { text, ranges };
}

/** The same series as numbers (what the status page's evaluation reads; only the `wanted` metrics if given), labels as a scrape would see them. */
export function deviceSeries(d: DeviceRecord, wanted?: ReadonlySet<string>, byMetric: SamplesByMetric = deviceSamples(d)): Series[] {
  const out: Series[] = [];
  visitDevice(d, byMetric, (i, extra, v) => {
    const metric = deviceFamilies[i]!.name;
    if (!wanted || wanted.has(metric)) out.push({ metric, labels: { device: d.name, site: d.site, ...extra }, value: v });
  });
  return out;
}

/**
 * renderDevice's text as UTF-8 bytes, with each family's [start, end) in bytes at 2i and 2i + 1
 * (both -1 for a family without series).
 */
export function renderDeviceBytes(d: DeviceRecord, byMetric: SamplesByMetric = deviceSamples(d)): { body: Buffer; byteRanges: Int32Array } {
  const { text, ranges } = renderDevice(d, byMetric);
  const body = Buffer.from(text);
  // Plain ASCII (the usual case): character offsets are byte offsets. Otherwise count the bytes.
  if (body.length === text.length) return { body, byteRanges: ranges };
  const byteRanges = ranges.map((chars) => (chars === -1 ? -1 : Buffer.byteLength(text.slice(0, chars))));
  return { body, byteRanges };
}

/** A device's rendering made off the event loop, with what it was made for. */
export interface PreRendered {
  site: string;
  clockOffsetSeconds: number | undefined;
  body: Uint8Array;
  byteRanges: Int32Array;
}

export class DeviceExposition {
  private readonly cache = new WeakMap<DeviceRecord, Rendered>();

  /** The device's current rendering, made now if it has none or its report changed since. */
  private rendered(d: DeviceRecord, byMetric?: SamplesByMetric): Rendered {
    const c = this.cache.get(d);
    if (c && c.report === d.report && c.polled === d.polled && c.site === d.site && c.clockOffsetSeconds === d.clockOffsetSeconds) return c;
    const { body, byteRanges } = renderDeviceBytes(d, byMetric ?? deviceSamples(d));
    return this.keep(d, body, byteRanges);
  }

  private keep(d: DeviceRecord, body: Buffer, byteRanges: Int32Array): Rendered {
    const fresh: Rendered = { report: d.report, polled: d.polled, site: d.site, clockOffsetSeconds: d.clockOffsetSeconds, body, ranges: byteRanges };
    this.cache.set(d, fresh);
    return fresh;
  }

  /**
   * Takes a rendering made elsewhere (the ingest worker, collector/ingest-prepare.ts) from the same
   * report, samples, site and clock offset `d` now holds; when site or offset differ it is left out
   * and the device is rendered here on first use.
   */
  install(d: DeviceRecord, r: PreRendered): void {
    if (r.site !== d.site || r.clockOffsetSeconds !== d.clockOffsetSeconds) return;
    this.keep(d, Buffer.from(r.body.buffer, r.body.byteOffset, r.body.length), r.byteRanges);
  }

  /**
   * Renders a device now (when its report is accepted or restored), so that scrapes find it ready.
   * `byMetric`: its samples when at hand (deviceSamples(d) would read them from the report's text).
   */
  prepare(d: DeviceRecord, byMetric?: SamplesByMetric): void {
    this.rendered(d, byMetric);
  }

  /**
   * The device's series as numbers (deviceSeries), kept with its text until its next report: the
   * status page evaluates every 15 s, and the same objects let it keep what it worked out per series.
   * Read back from the rendered text (only the `wanted` families), as the evaluation worker reads it:
   * the record keeps no samples (device-store.ts), and these are exactly the numbers a scrape yields.
   */
  series(d: DeviceRecord, wanted?: ReadonlySet<string>): readonly Series[] {
    const r = this.rendered(d);
    if (r.series === undefined || r.series.wanted !== wanted) {
      const list: Series[] = [];
      for (let i = 0; i < deviceFamilies.length; i++) {
        const start = r.ranges[2 * i]!;
        if (start === -1 || (wanted && !wanted.has(deviceFamilies[i]!.name))) continue;
        for (const s of parseLines(r.body.toString('utf8', start, r.ranges[2 * i + 1]!))) list.push(s);
      }
      r.series = { wanted, list };
    }
    return r.series!.list;
  }

  /**
   * The device's sample lines family by family (familyBytes reads one): the same object until the
   * device's next report, so its identity says whether it changed. What the status evaluation's worker
   * reads (collector/status/exposition-lines.ts) and the scrape thread serves (collector/scrape/).
   */
  familyLines(d: DeviceRecord): FamilyLines {
    return this.rendered(d);
  }

  /**
   * One device's target: its families with their headers, as registerDeviceSeries' registry prints
   * them except that families without a series are left out (their HELP texts were most of the bytes).
   * A string, not a Buffer: a fresh 30 KiB Buffer per target is memory outside the JavaScript heap, and
   * on Node.js 24 such allocations set off full garbage collections of the collector's heap (at 10,000
   * targets every 15 s, one every few seconds); a string is young-generation garbage, swept cheaply.
   */
  deviceText(d: DeviceRecord): string {
    return targetText(this.rendered(d));
  }

  /**
   * Every given device's series, family by family (HELP and TYPE once each, after the blank line that
   * ends the text before it), read into buffers the caller supplies (and reuses): at 10,000 devices the
   * whole text is ~200 MiB, and on Node.js 24 allocating it as fresh 1 MiB buffers set off a full
   * garbage collection of the collector's heap every ~100 MiB (bench/notes/scrape-cost.md). The devices'
   * renderings are taken now: a report during the read does not mix two versions of a device.
   */
  reader(devices: readonly DeviceRecord[]): ExpositionReader {
    return new ExpositionReader(devices.map((d) => this.rendered(d)));
  }
}

/** A device's rendered lines: `body`, and each family's [start, end) in it at 2i and 2i + 1 (-1: none). */
export interface FamilyLines {
  readonly body: Buffer;
  readonly ranges: Int32Array;
}

/** One device's target text from its rendering (DeviceExposition.deviceText). */
export function targetText({ body, ranges }: FamilyLines): string {
  let text = '';
  for (let i = 0; i < deviceFamilies.length; i++) {
    const start = ranges[2 * i]!;
    if (start === -1) continue;
    text += (text.length === 0 ? headerTexts[i]! : separatedHeaderTexts[i]!) + body.toString('utf8', start, ranges[2 * i + 1]!);
  }
  return text;
}

/** Family `i`'s HELP and TYPE lines, as a target's text starts with them (`first`) or after a family's lines. */
export function familyHeaderBytes(i: number, first: boolean): Buffer {
  return first ? headers[i]! : separatedHeaders[i]!;
}

/** Family `i`'s lines of a device, as a view into its body; undefined when it has no series. */
export function familyBytes(lines: FamilyLines, i: number): Uint8Array | undefined {
  const start = lines.ranges[2 * i]!;
  return start === -1 ? undefined : lines.body.subarray(start, lines.ranges[2 * i + 1]!);
}

/** Reads the /metrics text of a set of device renderings in pieces (DeviceExposition.reader). */
export class ExpositionReader {
  private family = 0;
  private device = 0;
  private headed = false;
  /** The rest of a header or of a device's lines that did not fit into the last buffer. */
  private rest: Uint8Array | undefined;

  constructor(private readonly rendered: ReadonlyArray<FamilyLines>) {}

  /** Copies the next bytes into `into` (filled unless the text ends) and says how many; 0 at the end. */
  read(into: Uint8Array): number {
    const cap = into.length;
    let used = 0;
    if (this.rest !== undefined) {
      const r = this.rest;
      if (r.length > cap) {
        into.set(r.subarray(0, cap));
        this.rest = r.subarray(cap);
        return cap;
      }
      into.set(r);
      used = r.length;
      this.rest = undefined;
    }
    const rendered = this.rendered;
    const n = rendered.length;
    // Written out rather than through a helper: this runs for every family of every device (400,000
    // times per scrape at 10,000 devices), and a native copy into the buffer beats any view or string.
    for (let i = this.family; i < separatedHeaders.length; i++) {
      let headed = i === this.family && this.headed;
      for (let j = i === this.family ? this.device : 0; j < n; j++) {
        const r = rendered[j]!;
        const start = r.ranges[2 * i]!;
        if (start === -1) continue;
        const end = r.ranges[2 * i + 1]!;
        if (!headed) {
          headed = true;
          const header = separatedHeaders[i]!;
          if (used + header.length > cap) {
            // The header's start ends this buffer; the rest of it, then this device's lines, begin the next.
            into.set(header.subarray(0, cap - used), used);
            this.rest = header.subarray(cap - used);
            this.family = i;
            this.device = j;
            this.headed = true;
            return cap;
          }
          into.set(header, used);
          used += header.length;
        }
        if (used + end - start > cap) {
          const fit = cap - used;
          r.body.copy(into, used, start, start + fit);
          this.rest = r.body.subarray(start + fit, end);
          this.family = i;
          this.device = j + 1;
          this.headed = true;
          return cap;
        }
        used += r.body.copy(into, used, start, end);
      }
    }
    this.family = separatedHeaders.length;
    return used;
  }
}
