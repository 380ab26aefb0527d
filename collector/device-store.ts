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
      report: saved.report,
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
    d.report = { ...report, unavailable: report.unavailable.filter((u) => metricByName(u.metric)) };
    d.intervalSeconds = report.intervalSeconds;
    d.clockOffsetSeconds = (report.sentAt - receivedAtMs) / 1000;
    d.samplesByMetric = byMetric;
    d.reportsAccepted++;
    return { status: late ? 'late' : 'accepted', dropped, ...(backfill ? { backfill } : {}) };
  }
}

function seriesKey(s: Sample): string {
  const labels = s.labels ? Object.keys(s.labels).sort().map((k) => `${k}=${s.labels![k]}`) : [];
  return `${s.metric}{${labels.join(',')}}`;
}

/** Keeps samples of known metrics with exactly the metric's labels; says why others were dropped. */
export function indexSamples(samples: readonly Sample[], maxSeries = Infinity): { byMetric: Map<string, Sample[]>; dropped: AcceptResult['dropped'] } {
  const byMetric = new Map<string, Sample[]>();
  const dropped: AcceptResult['dropped'] = [];
  const seen = new Set<string>();
  for (const s of samples) {
    const def = metricByName(s.metric);
    if (!def) {
      dropped.push({ metric: s.metric, reason: 'unknown_metric' });
      continue;
    }
    const names = Object.keys(s.labels ?? {});
    if (names.length !== def.labels.length || !def.labels.every((l) => s.labels?.[l] !== undefined)) {
      dropped.push({ metric: s.metric, reason: 'wrong_labels' });
      continue;
    }
    const key = seriesKey(s);
    if (seen.has(key)) {
      dropped.push({ metric: s.metric, reason: 'duplicate_series' });
      continue;
    }
    // A hostile or buggy agent cannot explode the number of series: the rest is dropped and counted.
    if (seen.size >= maxSeries) {
      dropped.push({ metric: s.metric, reason: 'series_limit' });
      continue;
    }
    seen.add(key);
    let list = byMetric.get(def.name);
    if (!list) byMetric.set(def.name, (list = []));
    list.push(s.labels ? { ...s, labels: sanitiseLabels(s.labels) } : s);
  }
  return { byMetric, dropped };
}

// Control characters and lone UTF-16 surrogates (valid in JSON, not in a label) become U+FFFD; the
// schema already caps each value at 256 characters and 10 labels.
const unsafe = /[\u0000-\u001f\u007f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function sanitiseLabels(labels: Record<string, string>): Record<string, string> {
  let out: Record<string, string> | undefined;
  for (const [k, v] of Object.entries(labels)) {
    unsafe.lastIndex = 0;
    if (!unsafe.test(v)) continue;
    out ??= { ...labels };
    out[k] = v.replace(unsafe, '\uFFFD');
  }
  return out ?? labels;
}
