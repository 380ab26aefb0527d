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
}

export type DropReason = 'unknown_metric' | 'wrong_labels' | 'duplicate_series';

export interface AcceptResult {
  status: 'accepted' | 'outdated';
  dropped: Array<{ metric: string; reason: DropReason }>;
}

export class DeviceStore {
  private readonly devices = new Map<string, DeviceRecord>();

  constructor(
    configured: ReadonlyArray<{ name: string; site?: string }>,
    private readonly defaultSite: string,
    private readonly staleAfterIntervals: number,
    snmpTargets: ReadonlyArray<{ name: string; site?: string; intervalSeconds: number }> = [],
  ) {
    for (const d of configured) {
      this.devices.set(d.name, { name: d.name, site: d.site ?? defaultSite, kind: 'agent', configured: true, samplesByMetric: new Map(), reportsAccepted: 0 });
    }
    for (const t of snmpTargets) {
      this.devices.set(t.name, { name: t.name, site: t.site ?? defaultSite, kind: 'snmp', intervalSeconds: t.intervalSeconds, configured: true, samplesByMetric: new Map(), reportsAccepted: 0 });
    }
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
      d = { name, site: configuredSite ?? this.defaultSite, kind: 'agent', configured: false, samplesByMetric: new Map(), reportsAccepted: 0 };
      this.devices.set(name, d);
    }
    // A queued report that arrives after a newer one must not overwrite the newer state.
    const cur = d.report;
    if (cur && (report.agent.startedAt < cur.agent.startedAt || (report.agent.startedAt === cur.agent.startedAt && report.seq <= cur.seq))) {
      return { status: 'outdated', dropped: [] };
    }
    const { byMetric, dropped } = indexSamples(report.samples);
    d.site = configuredSite ?? report.site ?? this.defaultSite;
    d.report = report;
    d.intervalSeconds = report.intervalSeconds;
    d.receivedAtMs = receivedAtMs;
    d.clockOffsetSeconds = (report.sentAt - receivedAtMs) / 1000;
    d.samplesByMetric = byMetric;
    d.reportsAccepted++;
    return { status: 'accepted', dropped };
  }
}

function seriesKey(s: Sample): string {
  const labels = s.labels ? Object.keys(s.labels).sort().map((k) => `${k}=${s.labels![k]}`) : [];
  return `${s.metric}{${labels.join(',')}}`;
}

/** Keeps samples of known metrics with exactly the metric's labels; says why others were dropped. */
export function indexSamples(samples: readonly Sample[]): { byMetric: Map<string, Sample[]>; dropped: AcceptResult['dropped'] } {
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
    seen.add(key);
    let list = byMetric.get(def.name);
    if (!list) byMetric.set(def.name, (list = []));
    list.push(s);
  }
  return { byMetric, dropped };
}
