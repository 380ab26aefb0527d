// The catalog's alerts evaluated in JS — the status page's badges come from here, the Prometheus
// rules from render-promql.ts, both from the same structured conditions and resolved thresholds.
// Like Prometheus' rule manager it keeps, per alert and series, when the condition started to hold
// (pending until `for` has passed, then firing), and like Prometheus' storage it keeps a bounded
// history of counter samples so increase() windows can be computed. Feed it a snapshot of every
// series (what a scrape of the collector's /metrics yields) at each evaluation.
import type { AlertDef, Indicator, ResolvedThresholds, Severity } from './catalog/types.js';
import { evaluateCondition, onKey, conditionInputs, conditionMetrics, type Labels, type Readings, type Series } from './evaluate-conditions.js';
import { CounterHistory, tiersOf, type Tier } from './counter-history.js';

export type { Labels, Series } from './evaluate-conditions.js';

export interface AlertInstance {
  readonly alert: string;
  readonly indicator: string;
  readonly severity: Severity;
  readonly labels: Labels;
  readonly value: number;
  readonly state: 'pending' | 'firing';
  readonly activeAtMs: number;
  /** The alert and its series in one string, the same for the same series at every evaluation. */
  readonly key: string;
}

export interface Evaluation {
  readonly atMs: number;
  readonly alerts: readonly AlertInstance[];
  /** Alerts written with the promql escape hatch: only Prometheus can say whether they fire. */
  readonly notEvaluated: readonly string[];
  /** Alert series that became active in this evaluation (what a store of pending times must add). */
  readonly started: readonly AlertInstance[];
  /** Alert series that were active and no longer are (what it must remove). */
  readonly ended: readonly { alert: string; labels: Labels }[];
}

interface CounterSeries {
  labels: Labels;
  history: CounterHistory;
}

/** A few hundred samples per window are plenty for extrapolation and bound what a day-long window keeps. */
const SAMPLES_PER_WINDOW = 400;

// Per labels object: the same series objects are read at every evaluation until their device reports again.
const keyOf = new WeakMap<Labels, string>();
function seriesKey(labels: Labels): string {
  let key = keyOf.get(labels);
  if (key === undefined) keyOf.set(labels, (key = makeSeriesKey(labels)));
  return key;
}

function makeSeriesKey(labels: Labels): string {
  // Names and values, sorted by name, joined by \u0000 (in neither): made for every matching series
  // at every evaluation, so no JSON.
  const names = Object.keys(labels).sort();
  let key = '';
  for (const k of names) key += `${k}\u0000${labels[k]}\u0000`;
  return key;
}

export class CatalogEvaluator {
  /** `alert\u0000series` → when the condition started to hold (and whose it is, to report its end). */
  private readonly activeAt = new Map<string, { since: number; alert: string; labels: Labels }>();
  private readonly counters = new Map<string, Map<string, CounterSeries>>();
  /** Per counter metric: the windows alerts read it over, shortest first, each with its sample spacing. */
  private readonly keep = new Map<string, Tier[]>();

  constructor(
    private readonly indicators: readonly Indicator[],
    private readonly thresholds: ResolvedThresholds,
  ) {
    const windows = new Map<string, number[]>();
    for (const indicator of indicators) {
      const values = thresholds[indicator.id] ?? {};
      for (const alert of indicator.alerts) {
        const c = alert.condition;
        if (c.kind !== 'increase' && c.kind !== 'counterRatio') continue;
        const windowMs = (values[c.window] ?? 0) * 1000;
        for (const metric of conditionInputs(c).counters) windows.set(metric, [...(windows.get(metric) ?? []), windowMs]);
      }
    }
    for (const [metric, list] of windows) this.keep.set(metric, tiersOf(list, SAMPLES_PER_WINDOW));
  }

  /** What the counter histories hold: series, samples and the bytes of their buffers. */
  counterStats(): { series: number; samples: number; bytes: number } {
    let series = 0;
    let samples = 0;
    let bytes = 0;
    for (const histories of this.counters.values())
      for (const h of histories.values()) {
        series++;
        samples += h.history.size;
        bytes += h.history.bytes;
      }
    return { series, samples, bytes };
  }

  /** Forgets a device's counter histories and alert states (the device was removed). */
  forget(device: string): void {
    for (const histories of this.counters.values()) for (const [key, h] of histories) if (h.labels.device === device) histories.delete(key);
    for (const [key, a] of this.activeAt) if (a.labels.device === device) this.activeAt.delete(key);
  }

  /**
   * Drops the pending/firing state of every device not in `keep`, without ending it: on a store
   * shared by several collectors another collector holds those devices and keeps their alert times.
   */
  keepOnly(keep: ReadonlySet<string>): void {
    for (const [key, a] of this.activeAt) if (a.labels.device !== undefined && !keep.has(a.labels.device)) this.activeAt.delete(key);
  }

  /** Every metric some evaluable alert reads (inputs, optional limits, business-hours gates): what a snapshot needs to hold. */
  inputMetrics(): Set<string> {
    const out = new Set<string>();
    for (const indicator of this.indicators)
      for (const alert of indicator.alerts) {
        for (const m of conditionMetrics(alert.condition)) out.add(m);
        if (alert.gate) out.add(alert.gate.metric);
      }
    return out;
  }

  /** Pending/firing state from a previous run (so a restart does not restart every `for`). */
  restore(entries: Iterable<{ alert: string; labels: Labels; activeAtMs: number }>): void {
    for (const e of entries) this.activeAt.set(`${e.alert}\u0000${seriesKey(e.labels)}`, { since: e.activeAtMs, alert: e.alert, labels: e.labels });
  }

  /**
   * Evaluates every alert over the snapshot. With `only`, an incremental update of those devices (an
   * inspection or maintenance changed what they read): the snapshot need hold only their series and the
   * fleet series without a device label; counter samples are not recorded (counters did not move), and
   * only their alerts are reported, started or ended. Conditions join series on device and site, so a
   * device's alerts depend on nothing of another device's.
   */
  evaluate(snapshot: readonly Series[], nowMs: number, only?: ReadonlySet<string>): Evaluation {
    const byMetric = new Map<string, Series[]>();
    for (const s of snapshot) {
      if (only && s.labels.device !== undefined && !only.has(s.labels.device)) continue;
      let list = byMetric.get(s.metric);
      if (!list) byMetric.set(s.metric, (list = []));
      list.push(s);
    }
    if (!only) this.record(byMetric, nowMs);
    const mine = (labels: Labels) => !only || (labels.device !== undefined && only.has(labels.device));
    const readings: Readings = {
      now: () => nowMs / 1000,
      instant: (metric) => byMetric.get(metric) ?? [],
      increase: (metric, windowSeconds) => {
        const out: { labels: Labels; value: number }[] = [];
        for (const h of this.counters.get(metric)?.values() ?? []) {
          if (!mine(h.labels)) continue;
          const value = h.history.increase(nowMs, windowSeconds * 1000);
          if (value !== undefined) out.push({ labels: h.labels, value });
        }
        return out;
      },
    };
    const alerts: AlertInstance[] = [];
    const started: AlertInstance[] = [];
    const notEvaluated: string[] = [];
    const seen = new Set<string>();
    for (const indicator of this.indicators) {
      const values = this.thresholds[indicator.id] ?? {};
      for (const alert of indicator.alerts) {
        const found = evaluateCondition(alert.condition, indicator, values, readings);
        if (!found) {
          notEvaluated.push(alert.name);
          continue;
        }
        const forMs = alert.for === undefined ? 0 : (values[alert.for] ?? 0) * 1000;
        for (const match of gated(alert, found, byMetric)) {
          if (!mine(match.labels)) continue;
          const key = `${alert.name}\u0000${seriesKey(match.labels)}`;
          seen.add(key);
          const active = this.activeAt.get(key);
          const since = active?.since ?? nowMs;
          const instance: AlertInstance = { alert: alert.name, indicator: indicator.id, severity: alert.severity, labels: match.labels, value: match.value, state: nowMs - since >= forMs ? 'firing' : 'pending', activeAtMs: since, key };
          if (!active) {
            this.activeAt.set(key, { since, alert: alert.name, labels: match.labels });
            started.push(instance);
          }
          alerts.push(instance);
        }
      }
    }
    // As in Prometheus: a series for which the condition no longer holds starts over next time.
    const ended: { alert: string; labels: Labels }[] = [];
    for (const [key, a] of this.activeAt)
      if (!seen.has(key) && mine(a.labels)) {
        this.activeAt.delete(key);
        ended.push({ alert: a.alert, labels: a.labels });
      }
    return { atMs: nowMs, alerts, notEvaluated, started, ended };
  }

  /** Counter samples of this evaluation, kept within the longest window that reads them. */
  private record(byMetric: Map<string, Series[]>, nowMs: number): void {
    for (const [metric, tiers] of this.keep) {
      let histories = this.counters.get(metric);
      if (!histories) this.counters.set(metric, (histories = new Map()));
      for (const s of byMetric.get(metric) ?? []) {
        const key = seriesKey(s.labels);
        let h = histories.get(key);
        if (!h) histories.set(key, (h = { labels: s.labels, history: new CounterHistory(tiers) }));
        h.history.record(nowMs, s.value);
      }
      for (const [key, h] of histories) if (!h.history.prune(nowMs)) histories.delete(key);
    }
  }
}

/** `expr and on(...) (gate == 1)`. */
function gated(alert: AlertDef, found: readonly { labels: Labels; value: number }[], byMetric: Map<string, Series[]>): readonly { labels: Labels; value: number }[] {
  if (!alert.gate) return found;
  const on = alert.gate.on;
  const key = (labels: Labels) => on.map((l) => labels[l] ?? '').join('\u0000');
  const open = new Set((byMetric.get(alert.gate.metric) ?? []).filter((s) => s.value === 1).map((s) => key(s.labels)));
  return found.filter((f) => open.has(key(f.labels)));
}

export { onKey };
