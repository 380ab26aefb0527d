// One structured condition evaluated over series held in memory, with the semantics of the PromQL
// that render-promql.ts writes for it: the same matching on device, site and `matchOn` labels, the
// same "limit above 0 or the catalog fallback", the same whole-event comparison for counts. The
// table-driven agreement test (test/unit/evaluate-agreement.test.ts) runs both on the same readings.
import type { CompareOp, Condition, Indicator, LabelMatcher } from './catalog/types.js';
import { deviceLabels } from './render-promql.js';
import { thresholdValue } from './thresholds.js';
import type { Labels, Series } from '../protocol/series.js';

export type { Labels, Series } from '../protocol/series.js';

/** What a condition reads: instant values, and counter growth over a window as increase() gives it. */
export interface Readings {
  instant(metric: string): readonly Series[];
  increase(metric: string, windowSeconds: number): readonly { labels: Labels; value: number }[];
  /** Evaluation time in epoch seconds (PromQL's time()); without it `age` conditions are not evaluated. */
  now?(): number;
}

/** A series for which the condition holds: the labels the alert would carry and its value. */
export interface Match {
  readonly labels: Labels;
  readonly value: number;
}

export function compare(op: CompareOp, a: number, b: number): boolean {
  switch (op) {
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '==':
      return a === b;
    case '!=':
      return a !== b;
  }
}

// Anchored as PromQL anchors them; compiled once per pattern (an evaluation tests every series).
const compiled = new Map<string, RegExp>();
function anchored(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) compiled.set(pattern, (re = new RegExp(`^(?:${pattern})$`)));
  return re;
}

function matches(labels: Labels, m: LabelMatcher): boolean {
  const v = labels[m.label] ?? '';
  switch (m.op) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
      return anchored(m.value).test(v);
    case '!~':
      return !anchored(m.value).test(v);
  }
}

/** The `on(device, site, ...)` key of a series. */
export function onKey(labels: Labels, extra: readonly string[] = []): string {
  // Values joined by a separator no label value holds (\u0000): a key per series per evaluation, so cheap.
  let key = '';
  for (const l of deviceLabels) key += `${labels[l] ?? ''}\u0000`;
  for (const l of extra) key += `${labels[l] ?? ''}\u0000`;
  return key;
}

function byKey<T extends { labels: Labels }>(list: readonly T[], extra: readonly string[]): Map<string, T> {
  const out = new Map<string, T>();
  for (const s of list) out.set(onKey(s.labels, extra), s);
  return out;
}

/**
 * The series for which `condition` holds now; undefined for the promql escape hatch, which only
 * Prometheus can evaluate.
 */
export function evaluateCondition(condition: Condition, indicator: Indicator, values: Readonly<Record<string, number>>, r: Readings): Match[] | undefined {
  const num = (ref: string | number) => thresholdValue(ref, values, indicator.id);
  switch (condition.kind) {
    case 'threshold': {
      const limit = num(condition.threshold);
      return r
        .instant(condition.metric)
        .filter((s) => (condition.matchers ?? []).every((m) => matches(s.labels, m)) && compare(condition.op, s.value, limit))
        .map((s) => ({ labels: s.labels, value: s.value }));
    }
    case 'ratio': {
      const limit = num(condition.threshold);
      const denominators = byKey(r.instant(condition.denominator).filter((s) => s.value > 0), condition.matchOn ?? []);
      const out: Match[] = [];
      for (const n of r.instant(condition.numerator)) {
        const d = denominators.get(onKey(n.labels, condition.matchOn));
        if (!d) continue;
        const ratio = n.value / d.value;
        if (compare(condition.op, ratio, limit)) out.push({ labels: n.labels, value: ratio });
      }
      return out;
    }
    case 'increase': {
      const limit = num(condition.threshold);
      // Events are whole: the rule floors the extrapolated growth when the threshold counts events.
      const counted = typeof condition.threshold === 'string' && indicator.thresholds[condition.threshold]?.unit === 'count';
      return r
        .increase(condition.metric, num(condition.window))
        .map((g) => ({ labels: g.labels, value: counted ? Math.floor(g.value) : g.value }))
        .filter((g) => compare(condition.op, g.value, limit));
    }
    case 'age': {
      if (!r.now) return undefined;
      const now = r.now();
      const limits = byKey(r.instant(condition.limitMetric).filter((s) => s.value > 0), condition.matchOn);
      const moments = r.instant(condition.metric);
      // `metric or on(...) sinceMetric`: the since-moment only where the moment itself is absent.
      const have = new Set(moments.map((s) => onKey(s.labels, condition.matchOn)));
      const since = condition.sinceMetric === undefined ? [] : r.instant(condition.sinceMetric).filter((s) => !have.has(onKey(s.labels, condition.matchOn)));
      return [...moments, ...since]
        .map((s) => ({ labels: s.labels, value: now - s.value }))
        .filter((a) => compare(condition.op, a.value, limits.get(onKey(a.labels, condition.matchOn))?.value ?? num(condition.fallbackThreshold)));
    }
    case 'perSeriesLimit': {
      const margin = condition.marginThreshold === undefined ? 0 : num(condition.marginThreshold);
      const fallback = num(condition.fallbackThreshold);
      const limits = byKey(r.instant(condition.limitMetric).filter((s) => s.value > 0), condition.matchOn);
      return r
        .instant(condition.metric)
        .filter((s) => compare(condition.op, s.value, (limits.get(onKey(s.labels, condition.matchOn))?.value ?? fallback) - margin))
        .map((s) => ({ labels: s.labels, value: s.value }));
    }
    case 'counterRatio': {
      const window = num(condition.window);
      const denominators = byKey(r.increase(condition.denominator, window).filter((g) => g.value > 0), condition.matchOn);
      const limits = condition.limitMetric === undefined ? new Map<string, Series>() : byKey(r.instant(condition.limitMetric).filter((s) => s.value > 0), condition.matchOn);
      const out: Match[] = [];
      for (const n of r.increase(condition.numerator, window)) {
        const key = onKey(n.labels, condition.matchOn);
        const d = denominators.get(key);
        if (!d) continue;
        const ratio = n.value / d.value;
        if (compare(condition.op, ratio, limits.get(key)?.value ?? num(condition.threshold))) out.push({ labels: n.labels, value: ratio });
      }
      return out;
    }
    case 'promql':
      return undefined;
    default: {
      // A new condition kind must be taught to the status page too, or badges and rules would differ.
      const unknown: never = condition;
      throw new Error(`the status page cannot evaluate condition kind "${(unknown as { kind: string }).kind}"`);
    }
  }
}

/** Every metric a condition reads, the optional per-series limits included. */
export function conditionMetrics(condition: Condition): string[] {
  const { instant, counters } = conditionInputs(condition);
  const limit = 'limitMetric' in condition ? condition.limitMetric : undefined;
  return [...instant, ...counters, ...(limit === undefined ? [] : [limit])];
}

/** Metrics whose current value a condition reads (limits excluded: they are optional). */
export function conditionInputs(condition: Condition): { instant: string[]; counters: string[] } {
  switch (condition.kind) {
    case 'threshold':
      return { instant: [condition.metric], counters: [] };
    case 'ratio':
      return { instant: [condition.numerator, condition.denominator], counters: [] };
    case 'increase':
      return { instant: [], counters: [condition.metric] };
    case 'age':
      return { instant: [condition.metric, ...(condition.sinceMetric === undefined ? [] : [condition.sinceMetric])], counters: [] };
    case 'perSeriesLimit':
      return { instant: [condition.metric], counters: [] };
    case 'counterRatio':
      return { instant: [], counters: [condition.numerator, condition.denominator] };
    case 'promql':
      return { instant: [], counters: [] };
  }
}
