// Each device's latest report, when it arrived and how far its clock is off. Samples are checked
// against the protocol's metric list once, at ingest, and indexed by metric so a scrape only reads.
import { metricByName } from '../protocol/metrics.js';
import type { Report, Sample } from '../protocol/report.js';

export interface DeviceRecord {
  name: string;
  site: string;
  /** `agent`: a workstation that pushes reports; `snmp`: a network device the collector polls. */
  kind: 'agent' | 'snmp';
  /** How often the device reports (agent) or is polled (snmp); the staleness window is a multiple. */
  intervalSeconds?: number;
  /** From the collector's configuration (has a token) rather than only seen in a report. */
  configured: boolean;
  report?: Report;
  receivedAtMs?: number;
  /** Device clock minus collector clock when the report was sent (positive: the device runs ahead). */
  clockOffsetSeconds?: number;
  samplesByMetric: Map<string, Sample[]>;
  reportsAccepted: number;
  /** Ended periods in which the collector showed the device as not reporting (newest last, bounded). */
  gaps: Gap[];
}

/** [fromMs, toMs) on the collector's clock. */
export interface Gap {
  fromMs: number;
  toMs: number;
}

export type DropReason = 'unknown_metric' | 'wrong_labels' | 'duplicate_series' | 'series_limit';

export interface AcceptResult {
  /**
   * accepted: the device's current state. late: made longer ago than the staleness window (queued
   * during an outage); its counters apply when it is newer than the stored report, but it does not
   * make the device "reporting". outdated: older than what the store has and not late (a resend).
   */
  status: 'accepted' | 'late' | 'outdated';
  dropped: Array<{ metric: string; reason: DropReason }>;
  /** A late report's samples from a period in which the device was shown as not reporting. */
  backfill?: { atMs: number; samples: Sample[] };
}

/** Gaps kept per device: enough for a day of flapping; older gaps can no longer be backfilled anyway. */
const MAX_GAPS = 50;

export class DeviceStore {
  private readonly devices = new Map<string, DeviceRecord>();

  constructor(
    configured: ReadonlyArray<{ name: string; site?: string }>,
    private readonly defaultSite: string,
    private readonly staleAfterIntervals: number,
    snmpTargets: ReadonlyArray<{ name: string; site?: string; intervalSeconds: number }> = [],
    private readonly limits: { maxSeriesPerDevice: number } = { maxSeriesPerDevice: Infinity },
  ) {
    for (const d of configured) {
      this.devices.set(d.name, { name: d.name, site: d.site ?? defaultSite, kind: 'agent', configured: true, samplesByMetric: new Map(), reportsAccepted: 0, gaps: [] });
    }
    for (const t of snmpTargets) {
      this.devices.set(t.name, { name: t.name, site: t.site ?? defaultSite, kind: 'snmp', intervalSeconds: t.intervalSeconds, configured: true, samplesByMetric: new Map(), reportsAccepted: 0, gaps: [] });
    }
  }

  /** Puts back a device's state saved before a restart (collector/store/device-state.ts). */
  restore(saved: { name: string; site: string; report: Report; receivedAtMs?: number; clockOffsetSeconds?: number; reportsAccepted: number; gaps: Gap[] }): void {
    const existing = this.devices.get(saved.name);
    if (existing?.kind === 'snmp') return;
    const { byMetric } = indexSamples(saved.report.samples, this.limits.maxSeriesPerDevice);
    this.devices.set(saved.name, {
      name: saved.name,
      site: existing?.configured ? existing.site : saved.site,
      kind: 'agent',
      configured: existing?.configured ?? false,
      // As accept() keeps it: the saved text is the report as it arrived (ingest route).
      report: knownUnavailable(saved.report),
      intervalSeconds: saved.report.intervalSeconds,
      ...(saved.receivedAtMs !== undefined ? { receivedAtMs: saved.receivedAtMs } : {}),
      ...(saved.clockOffsetSeconds !== undefined ? { clockOffsetSeconds: saved.clockOffsetSeconds } : {}),
      samplesByMetric: byMetric,
      reportsAccepted: saved.reportsAccepted,
      gaps: saved.gaps.slice(-MAX_GAPS),
    });
  }

  /** Whether the collector showed the device as not reporting at `atMs` (collector clock), as of `nowMs`. */
  wasNotReporting(d: DeviceRecord, atMs: number, nowMs: number): boolean {
    if (atMs >= nowMs) return false;
    if (d.gaps.some((g) => atMs >= g.fromMs && atMs < g.toMs)) return true;
    // The open gap: since the last report went stale (or always, for a device never heard from).
    if (d.receivedAtMs === undefined || d.intervalSeconds === undefined) return true;
    return atMs >= d.receivedAtMs + this.windowMs(d.intervalSeconds) && !this.isReporting(d, nowMs);
  }

  private windowMs(intervalSeconds: number): number {
    return intervalSeconds * 1000 * this.staleAfterIntervals;
  }

  list(): DeviceRecord[] {
    return [...this.devices.values()];
  }

  /** Drops a device that is not in the configuration (its series leave /metrics and /sd with it); false when there is none. */
  forget(name: string): boolean {
    const d = this.devices.get(name);
    if (!d || d.configured) return false;
    return this.devices.delete(name);
  }

  get(name: string): DeviceRecord | undefined {
    return this.devices.get(name);
  }

  /** Reporting = a report arrived within staleAfterIntervals of the device's own interval. */
  isReporting(d: DeviceRecord, nowMs: number): boolean {
    if (d.receivedAtMs === undefined || d.intervalSeconds === undefined) return false;
    return nowMs - d.receivedAtMs <= d.intervalSeconds * 1000 * this.staleAfterIntervals;
  }

  /** A finished SNMP poll (reachable or not: `stationwatch_snmp_up` says which). */
  acceptPoll(name: string, samples: readonly Sample[], polledAtMs: number): AcceptResult {
    const d = this.devices.get(name);
    if (!d || d.kind !== 'snmp') throw new Error(`no SNMP target named ${name}`);
    const { byMetric, dropped } = indexSamples(samples);
    d.samplesByMetric = byMetric;
    d.receivedAtMs = polledAtMs;
    d.reportsAccepted++;
    return { status: 'accepted', dropped };
  }

  accept(name: string, configuredSite: string | undefined, report: Report, receivedAtMs: number): AcceptResult {
    let d = this.devices.get(name);
    if (!d) {
      d = { name, site: configuredSite ?? this.defaultSite, kind: 'agent', configured: false, samplesByMetric: new Map(), reportsAccepted: 0, gaps: [] };
      this.devices.set(name, d);
    }
    // Age on the device's own clock (sent minus made), so a wrong device clock does not matter.
    const late = report.sentAt - report.createdAt > this.windowMs(report.intervalSeconds);
    const { byMetric, dropped } = indexSamples(report.samples, this.limits.maxSeriesPerDevice);
    let backfill: AcceptResult['backfill'];
    if (late) {
      const atMs = report.createdAt - (report.sentAt - receivedAtMs);
      if (this.wasNotReporting(d, atMs, receivedAtMs)) backfill = { atMs, samples: [...byMetric.values()].flat() };
    }
    // A queued report that arrives after a newer one must not overwrite the newer state. Within one
    // agent process seq orders; across processes startedAt does — except that a fresh report is the
    // device's present whatever its startedAt (an agent restarted after its clock was set back).
    const cur = d.report;
    const newer = !cur || (report.agent.startedAt === cur.agent.startedAt ? report.seq > cur.seq : report.agent.startedAt > cur.agent.startedAt || !late);
    if (!newer) {
      return { status: late ? 'late' : 'outdated', dropped: [], ...(backfill ? { backfill } : {}) };
    }
    if (!late) {
      // A fresh report ends a period of not reporting: remember it, so reports queued during it can be backfilled.
      if (d.receivedAtMs !== undefined && d.intervalSeconds !== undefined && !this.isReporting(d, receivedAtMs)) {
        d.gaps.push({ fromMs: d.receivedAtMs + this.windowMs(d.intervalSeconds), toMs: receivedAtMs });
        if (d.gaps.length > MAX_GAPS) d.gaps.splice(0, d.gaps.length - MAX_GAPS);
      } else if (d.receivedAtMs === undefined) {
        d.gaps.push({ fromMs: 0, toMs: receivedAtMs });
      }
      d.receivedAtMs = receivedAtMs;
    }
    d.site = configuredSite ?? report.site ?? this.defaultSite;
    d.report = knownUnavailable(report);
    d.intervalSeconds = report.intervalSeconds;
    d.clockOffsetSeconds = (report.sentAt - receivedAtMs) / 1000;
    d.samplesByMetric = byMetric;
    d.reportsAccepted++;
    return { status: late ? 'late' : 'accepted', dropped, ...(backfill ? { backfill } : {}) };
  }
}

/** The report with only the "unavailable" entries of known metrics (the report itself when all are). */
function knownUnavailable(report: Report): Report {
  return report.unavailable.every((u) => metricByName(u.metric)) ? report : { ...report, unavailable: report.unavailable.filter((u) => metricByName(u.metric)) };
}

/**
 * One series' identity within a report: the metric and its label values in the definition's order
 * (the label names are checked to be exactly the definition's first). Each value is prefixed with its
 * length, so no value can pose as two. Cheaper than sorting and joining the names for every sample.
 */
function seriesKey(s: Sample, labelNames: readonly string[]): string {
  let key = s.metric;
  for (const l of labelNames) {
    const v = s.labels![l]!;
    key += `\u0000${v.length}:${v}`;
  }
  return key;
}

/** Whether a sample has exactly the metric's labels, no more, no fewer. */
function hasExactly(labels: Record<string, string> | undefined, names: readonly string[]): boolean {
  let n = 0;
  if (labels) for (const k in labels) if (Object.hasOwn(labels, k)) n++;
  if (n !== names.length) return false;
  for (const l of names) if (labels![l] === undefined) return false;
  return true;
}

/** Keeps samples of known metrics with exactly the metric's labels; says why others were dropped. */
export function indexSamples(samples: readonly Sample[], maxSeries = Infinity): { byMetric: Map<string, Sample[]>; dropped: AcceptResult['dropped'] } {
  const byMetric = new Map<string, Sample[]>();
  const dropped: AcceptResult['dropped'] = [];
  // Series of labelled metrics by identity; a metric without labels has one series, its list.
  const seen = new Set<string>();
  let series = 0;
  for (const s of samples) {
    const def = metricByName(s.metric);
    if (!def) {
      dropped.push({ metric: s.metric, reason: 'unknown_metric' });
      continue;
    }
    if (!hasExactly(s.labels, def.labels)) {
      dropped.push({ metric: s.metric, reason: 'wrong_labels' });
      continue;
    }
    let list = byMetric.get(def.name);
    const key = def.labels.length === 0 ? undefined : seriesKey(s, def.labels);
    if (key === undefined ? list !== undefined : seen.has(key)) {
      dropped.push({ metric: s.metric, reason: 'duplicate_series' });
      continue;
    }
    // A hostile or buggy agent cannot explode the number of series: the rest is dropped and counted.
    if (series >= maxSeries) {
      dropped.push({ metric: s.metric, reason: 'series_limit' });
      continue;
    }
    series++;
    if (key !== undefined) seen.add(key);
    if (!list) byMetric.set(def.name, (list = []));
    // The sample itself unless a label value had to be made safe (a copy per sample was mostly garbage).
    const labels = s.labels && sanitiseLabels(s.labels);
    list.push(labels === s.labels ? s : { ...s, labels });
  }
  return { byMetric, dropped };
}

// Control characters and lone UTF-16 surrogates (valid in JSON, not in a label) become U+FFFD; the
// schema already caps each value at 256 characters and 10 labels.
const unsafe = /[\u0000-\u001f\u007f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// Any character the one above could object to: a cheap first test, as nearly every value is plain.
const suspect = /[\u0000-\u001f\u007f\uD800-\uDFFF]/;

export function sanitiseLabels(labels: Record<string, string>): Record<string, string> {
  let out: Record<string, string> | undefined;
  for (const k in labels) {
    if (!Object.hasOwn(labels, k)) continue;
    const v = labels[k]!;
    if (!suspect.test(v)) continue;
    unsafe.lastIndex = 0;
    if (!unsafe.test(v)) continue;
    out ??= { ...labels };
    out[k] = v.replace(unsafe, '\uFFFD');
  }
  return out ?? labels;
}
