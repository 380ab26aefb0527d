// Each device's latest report, when it arrived and how far its clock is off. Samples are checked
// against the protocol's metric list once, at ingest. What a record keeps of a report is compact (issue
// 18): the report's head, its JSON text (one flat string) and a few facts every scrape reads; its
// samples are read back from the text on demand (deviceSamples) by the few readers of one device. At
// 10,000 devices, ~130 sample objects per device kept on the main heap made garbage collection block
// the event loop for hundreds of milliseconds at a time.
import { m, metricByName } from '../protocol/metrics.js';
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
  /**
   * The last applied report without its samples (`samples` is always empty here; unavailable only of
   * known metrics): what the plan and every scrape read — times, seq, agent, probes, unavailable.
   */
  report?: Report;
  /** The last applied report's JSON text as it arrived (or as saved): its samples, for deviceSamples(). */
  reportText?: string;
  /** The metrics the device has samples of, first seen first (one array shared by devices with the same set). */
  metrics: readonly string[];
  /** How many series of the report were kept: reading its text again with this limit keeps exactly those. */
  seriesKept: number;
  /** The labels of the device's stationwatch_device_info sample: every device's row of the CSV export reads them. */
  info?: Readonly<Record<string, string>>;
  /** SNMP: the last poll's samples by metric (a few dozen per poll, kept as they are). */
  polled?: Map<string, Sample[]>;
  receivedAtMs?: number;
  /** Device clock minus collector clock when the report was sent (positive: the device runs ahead). */
  clockOffsetSeconds?: number;
  reportsAccepted: number;
  /** Ended periods in which the collector showed the device as not reporting (newest last, bounded). */
  gaps: Gap[];
}

/** [fromMs, toMs) on the collector's clock. */
export interface Gap {
  fromMs: number;
  toMs: number;
}

export type DropReason = 'unknown_metric' | 'wrong_labels' | 'duplicate_series' | 'series_limit' | 'negative_counter';

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

/**
 * What accepting a report would do, worked out without changing anything: `next` (when the report
 * changes the device) is the record as it will be. The ingest route commits `next` to SQLite first
 * and only then installs it with apply(), so memory never holds what the store does not: after a
 * failed commit the agent's retry of the same report is applied, once.
 */
export interface AcceptPlan {
  result: AcceptResult;
  next?: DeviceRecord;
}

/**
 * What a device's record keeps of one report (see DeviceRecord), made where the report is parsed: in
 * the ingest worker (collector/ingest-prepare.ts), which sends only this back, or on the event loop.
 */
export interface CompactReport {
  /** The report without its samples (and with the unavailable entries of known metrics only). */
  head: Report;
  metrics: string[];
  seriesKept: number;
  info?: Record<string, string>;
  dropped: AcceptResult['dropped'];
}

const noSamples: Sample[] = Object.freeze([]) as unknown as Sample[];

/** The compact form of `report`, whose samples `indexed` indexed (indexSamples). */
export function compactReport(report: Report, indexed: Indexed): CompactReport {
  const head = { ...knownUnavailable(report), samples: noSamples };
  let seriesKept = 0;
  for (const list of indexed.byMetric.values()) seriesKept += list.length;
  const info = indexed.byMetric.get(m.deviceInfo.name)?.[0]?.labels;
  return { head, metrics: [...indexed.byMetric.keys()], seriesKept, ...(info ? { info } : {}), dropped: indexed.dropped };
}

// Sets of metric names, shared: most devices of a fleet report the same metrics, and names that came
// from a worker (copies) are replaced by the protocol's own strings. Bounded: beyond it, kept as given.
const metricSets = new Map<string, readonly string[]>();
function sharedMetrics(names: readonly string[]): readonly string[] {
  const key = names.join('\n');
  const known = metricSets.get(key);
  if (known) return known;
  const own = Object.freeze(names.map((n) => metricByName(n)?.name ?? n));
  if (metricSets.size < 1000) metricSets.set(key, own);
  return own;
}

/**
 * A device's samples by metric, as ingest kept them: for an agent read back from its report's text
 * (the same checks and limit, so the same samples), for an SNMP target its last poll. The last few
 * are cached: a device page reads them several times.
 */
export function deviceSamples(d: DeviceRecord): ReadonlyMap<string, readonly Sample[]> {
  if (d.polled) return d.polled;
  const head = d.report;
  if (!head || d.reportText === undefined) return emptySamples;
  const cached = samplesCache.get(head);
  if (cached) {
    samplesCache.delete(head);
    samplesCache.set(head, cached);
    return cached;
  }
  const { byMetric } = indexSamples((JSON.parse(d.reportText) as Report).samples, d.seriesKept);
  samplesCache.set(head, byMetric);
  if (samplesCache.size > SAMPLES_CACHED) samplesCache.delete(samplesCache.keys().next().value!);
  return byMetric;
}

const emptySamples: ReadonlyMap<string, readonly Sample[]> = new Map();
const SAMPLES_CACHED = 16;
const samplesCache = new Map<Report, Map<string, Sample[]>>();

/** A record that has no report yet. */
const blank = (name: string, site: string, kind: DeviceRecord['kind'], configured: boolean): DeviceRecord => ({ name, site, kind, configured, metrics: [], seriesKept: 0, reportsAccepted: 0, gaps: [] });

/** Gaps kept per device: enough for a day of flapping; older gaps can no longer be backfilled anyway. */
const MAX_GAPS = 50;

export class DeviceStore {
  private readonly devices = new Map<string, DeviceRecord>();
  private readonly listeners: Array<(name: string) => void> = [];

  constructor(
    configured: ReadonlyArray<{ name: string; site?: string }>,
    private readonly defaultSite: string,
    private readonly staleAfterIntervals: number,
    snmpTargets: ReadonlyArray<{ name: string; site?: string; intervalSeconds: number }> = [],
    private readonly limits: { maxSeriesPerDevice: number } = { maxSeriesPerDevice: Infinity },
  ) {
    for (const d of configured) {
      this.devices.set(d.name, blank(d.name, d.site ?? defaultSite, 'agent', true));
    }
    for (const t of snmpTargets) {
      this.devices.set(t.name, { ...blank(t.name, t.site ?? defaultSite, 'snmp', true), intervalSeconds: t.intervalSeconds });
    }
  }

  /**
   * Calls `listener` with a device's name whenever its record changes (a report or poll applied, a
   * restore) or it is forgotten — synchronously, so a listener that needs the device's new rendering
   * reads it later in the turn (the ingest route installs it right after apply).
   */
  onChange(listener: (name: string) => void): void {
    this.listeners.push(listener);
  }

  private changed(name: string): void {
    for (const l of this.listeners) l(name);
  }

  /**
   * Puts back a device's state saved before a restart (collector/store/device-state.ts). `reportText`:
   * the saved text `report` was parsed from (kept as it is; without it the report is serialised).
   */
  restore(saved: { name: string; site: string; report: Report; reportText?: string; receivedAtMs?: number; clockOffsetSeconds?: number; reportsAccepted: number; gaps: Gap[] }): { device: DeviceRecord; samples: ReadonlyMap<string, readonly Sample[]> } | undefined {
    const existing = this.devices.get(saved.name);
    if (existing?.kind === 'snmp') return undefined;
    // As plan() keeps it: the saved text is the report as it arrived (ingest route).
    const indexed = indexSamples(saved.report.samples, this.limits.maxSeriesPerDevice);
    const c = compactReport(saved.report, indexed);
    this.devices.set(saved.name, {
      ...blank(saved.name, existing?.configured ? existing.site : saved.site, 'agent', existing?.configured ?? false),
      report: c.head,
      reportText: saved.reportText ?? JSON.stringify(saved.report),
      metrics: sharedMetrics(c.metrics),
      seriesKept: c.seriesKept,
      ...(c.info ? { info: c.info } : {}),
      intervalSeconds: saved.report.intervalSeconds,
      ...(saved.receivedAtMs !== undefined ? { receivedAtMs: saved.receivedAtMs } : {}),
      ...(saved.clockOffsetSeconds !== undefined ? { clockOffsetSeconds: saved.clockOffsetSeconds } : {}),
      reportsAccepted: saved.reportsAccepted,
      gaps: saved.gaps.slice(-MAX_GAPS),
    });
    this.changed(saved.name);
    // With its samples, for rendering now (the record itself keeps none).
    return { device: this.devices.get(saved.name)!, samples: indexed.byMetric };
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
    this.devices.delete(name);
    this.changed(name);
    return true;
  }

  get(name: string): DeviceRecord | undefined {
    return this.devices.get(name);
  }

  /** Reporting = a report arrived within staleAfterIntervals of the device's own interval. */
  isReporting(d: DeviceRecord, nowMs: number): boolean {
    const until = this.reportingUntil(d);
    return until !== undefined && nowMs <= until;
  }

  /** Until when (collector clock) the device counts as reporting without another report; undefined: never reported. */
  reportingUntil(d: DeviceRecord): number | undefined {
    if (d.receivedAtMs === undefined || d.intervalSeconds === undefined) return undefined;
    return d.receivedAtMs + d.intervalSeconds * 1000 * this.staleAfterIntervals;
  }

  /** A finished SNMP poll (reachable or not: `stationwatch_snmp_up` says which). */
  acceptPoll(name: string, samples: readonly Sample[], polledAtMs: number): AcceptResult {
    const d = this.devices.get(name);
    if (!d || d.kind !== 'snmp') throw new Error(`no SNMP target named ${name}`);
    const { byMetric, dropped } = indexSamples(samples);
    d.polled = byMetric;
    d.metrics = [...byMetric.keys()];
    d.seriesKept = samples.length - dropped.length;
    d.info = byMetric.get(m.deviceInfo.name)?.[0]?.labels;
    d.receivedAtMs = polledAtMs;
    d.reportsAccepted++;
    this.changed(name);
    return { status: 'accepted', dropped };
  }

  /** Plans and applies at once, in memory only (tests and benchmarks; the ingest route commits in between). */
  accept(name: string, configuredSite: string | undefined, report: Report, receivedAtMs: number): AcceptResult {
    const plan = this.plan(name, configuredSite, compactReport(report, indexSamples(report.samples, this.limits.maxSeriesPerDevice)), JSON.stringify(report), receivedAtMs);
    if (plan.next) this.apply(plan.next);
    return plan.result;
  }

  /** Installs a planned record (after its commit): the device's record object is kept, its fields replaced. */
  apply(next: DeviceRecord): DeviceRecord {
    const d = this.devices.get(next.name);
    const applied = d ? Object.assign(d, next) : next;
    if (!d) this.devices.set(next.name, next);
    this.changed(next.name);
    return applied;
  }

  /**
   * What accepting a report would make of the device; changes nothing (see AcceptPlan). `compact`: the
   * report's compact form, made with this store's series limit; `text`: the report's JSON text.
   */
  plan(name: string, configuredSite: string | undefined, compact: CompactReport, text: string, receivedAtMs: number): AcceptPlan {
    const d: DeviceRecord = this.devices.get(name) ?? blank(name, configuredSite ?? this.defaultSite, 'agent', false);
    const report = compact.head;
    // Age on the device's own clock (sent minus made), so a wrong device clock does not matter.
    const age = report.sentAt - report.createdAt;
    const late = age > this.windowMs(report.intervalSeconds);
    let backfill: AcceptResult['backfill'];
    if (late) {
      const atMs = report.createdAt - (report.sentAt - receivedAtMs);
      // Rare (a report queued during an outage, into a gap): its samples are read from its text.
      if (this.wasNotReporting(d, atMs, receivedAtMs)) {
        const { byMetric } = indexSamples((JSON.parse(text) as Report).samples, this.limits.maxSeriesPerDevice);
        backfill = { atMs, samples: [...byMetric.values()].flat() };
      }
    }
    if (!isNewer(d, report, late, receivedAtMs)) {
      return { result: { status: late ? 'late' : 'outdated', dropped: [], ...(backfill ? { backfill } : {}) } };
    }
    const dropped = compact.dropped;
    let gaps = d.gaps;
    let receivedAt = d.receivedAtMs;
    if (!late) {
      // A fresh report ends a period of not reporting: remember it, so reports queued during it can be backfilled.
      if (d.receivedAtMs !== undefined && d.intervalSeconds !== undefined && !this.isReporting(d, receivedAtMs)) {
        gaps = [...gaps, { fromMs: d.receivedAtMs + this.windowMs(d.intervalSeconds), toMs: receivedAtMs }].slice(-MAX_GAPS);
      } else if (d.receivedAtMs === undefined) {
        gaps = [...gaps, { fromMs: 0, toMs: receivedAtMs }];
      }
      receivedAt = receivedAtMs;
    }
    const next: DeviceRecord = {
      ...d,
      site: configuredSite ?? report.site ?? this.defaultSite,
      report,
      reportText: text,
      metrics: sharedMetrics(compact.metrics),
      seriesKept: compact.seriesKept,
      info: compact.info,
      intervalSeconds: report.intervalSeconds,
      clockOffsetSeconds: (report.sentAt - receivedAtMs) / 1000,
      reportsAccepted: d.reportsAccepted + 1,
      gaps,
      ...(receivedAt !== undefined ? { receivedAtMs: receivedAt } : {}),
    };
    return { result: { status: late ? 'late' : 'accepted', dropped, ...(backfill ? { backfill } : {}) }, next };
  }
}

/**
 * When the report was made on the collector's clock: received minus its age on the device's clock.
 * An age below zero (made "after" it was sent) counts as zero, so no report can claim to be made
 * later than it arrived.
 */
function madeAtMs(r: Report, receivedAtMs: number): number {
  return receivedAtMs - Math.max(0, r.sentAt - r.createdAt);
}

/**
 * Whether `report` replaces the device's stored report. A resend (same agent process, seq and
 * creation time) never does. Within one agent process seq orders — a report queued during an outage
 * that arrives after a newer one must not overwrite it — but only while the collector's own timeline
 * agrees: a fresh report made after the stored one arrived is the device's present whatever seq the
 * stored one claimed, so no single report (a seq of 2^53−1, say) can make a device's later reports
 * `outdated`. Across processes startedAt orders, and a fresh report is the present whatever its
 * startedAt (an agent restarted after its clock was set back).
 */
function isNewer(d: DeviceRecord, report: Report, late: boolean, receivedAtMs: number): boolean {
  const cur = d.report;
  if (!cur) return true;
  if (report.agent.startedAt !== cur.agent.startedAt) return report.agent.startedAt > cur.agent.startedAt || !late;
  if (report.seq === cur.seq && report.createdAt === cur.createdAt) return false;
  if (report.seq > cur.seq) return true;
  if (late) return false;
  // The stored report's arrival on the collector's clock, from what was kept with it (its clock offset
  // is sent minus received), so this holds after a restart too.
  const curReceivedAtMs = cur.sentAt - (d.clockOffsetSeconds ?? 0) * 1000;
  return madeAtMs(report, receivedAtMs) > madeAtMs(cur, curReceivedAtMs);
}

/** The report with only the "unavailable" entries of known metrics (the report itself when all are). */
export function knownUnavailable(report: Report): Report {
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

export type Indexed = ReturnType<typeof indexSamples>;

/** Keeps samples of known metrics with exactly the metric's labels (counters not negative); says why others were dropped. */
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
    // A counter only grows: exposing a negative one (or 0 in its place) would be a false counter reset.
    if (def.type === 'counter' && s.value < 0) {
      dropped.push({ metric: s.metric, reason: 'negative_counter' });
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
