// Structured condition + resolved thresholds → PromQL. Every form keeps the `device` and `site`
// labels of the series (no aggregation drops them), because every alert must say which device.
import type { AgeCondition, AlertDef, Condition, CounterRatioCondition, Indicator, LabelMatcher, PerSeriesLimitCondition } from './catalog/types.js';
import { placeholderKeys, thresholdValue } from './thresholds.js';
import { formatDuration, formatNumber } from './units.js';

/** Labels that identify a device on every stationwatch series. */
export const deviceLabels = ['device', 'site'] as const;

export function renderSelector(metric: string, matchers: readonly LabelMatcher[] = []): string {
  if (matchers.length === 0) return metric;
  return `${metric}{${matchers.map((x) => `${x.label}${x.op}${JSON.stringify(x.value)}`).join(', ')}}`;
}

function onLabels(extra: readonly string[] = []): string {
  return `on(${[...deviceLabels, ...extra].join(', ')})`;
}

export function renderCondition(condition: Condition, indicator: Indicator, values: Readonly<Record<string, number>>): string {
  const num = (ref: string | number) => thresholdValue(ref, values, indicator.id);
  const value = (ref: string | number) => formatNumber(num(ref));
  switch (condition.kind) {
    case 'threshold':
      return `${renderSelector(condition.metric, condition.matchers)} ${condition.op} ${value(condition.threshold)}`;
    case 'age':
      return renderAge(condition, num);
    case 'ratio':
      return `${condition.numerator} / ${onLabels(condition.matchOn)} (${condition.denominator} > 0) ${condition.op} ${value(condition.threshold)}`;
    case 'increase': {
      const growth = `increase(${condition.metric}[${formatDuration(num(condition.window))}])`;
      // increase() extrapolates to the window's edges, so 3 boots can read 3.004 and 2 boots over a
      // short span 2.2. Events are whole: compare whole events, so ">= 3" and "> 3" differ as written.
      const counted = typeof condition.threshold === 'string' && indicator.thresholds[condition.threshold]?.unit === 'count';
      return `${counted ? `floor(${growth})` : growth} ${condition.op} ${value(condition.threshold)}`;
    }
    case 'perSeriesLimit':
      return renderPerSeriesLimit(condition, num);
    case 'counterRatio':
      return renderCounterRatio(condition, num);
    case 'promql':
      for (const key of placeholderKeys(condition.expr)) value(key); // fail on unknown keys before replacing
      // `%{key:range}` renders a duration threshold as a range selector needs it (`15m`), `%{key}` as a number.
      return condition.expr.replace(/%\{(\w+)(:range)?\}/g, (_, key: string, range?: string) => (range ? formatDuration(num(key)) : value(key)));
  }
}

/**
 * time() - moment op limit. The moment is the timestamp, or where it is absent the since-timestamp
 * (`or` keeps the timestamp wherever it exists). The limit is built as in renderPerSeriesLimit: the
 * exported positive limit, else the fallback on the moment's own series.
 */
function renderAge(condition: AgeCondition<string>, num: (ref: string) => number): string {
  const on = onLabels(condition.matchOn);
  const moment = condition.sinceMetric === undefined ? condition.metric : `(${condition.metric} or ${on} ${condition.sinceMetric})`;
  const fallback = formatNumber(num(condition.fallbackThreshold));
  return `time() - ${moment} ${condition.op} ${on} group_left() ((${condition.limitMetric} > 0) or ${on} (${moment} * 0 + ${fallback}))`;
}

/**
 * value op (limit - margin), where the limit is the per-series limit metric when the agent exports a
 * positive one for that series, else the catalog fallback. The fallback branch is built from the value
 * series itself (`value * 0 + fallback`) so it exists exactly for the series lacking a limit; `or`
 * keeps the exported limit wherever there is one. group_left tolerates several value series per
 * limit (e.g. scraped by two Prometheus jobs) and keeps the value's labels for the alert.
 */
function renderPerSeriesLimit(condition: PerSeriesLimitCondition<string>, num: (ref: string) => number): string {
  const on = onLabels(condition.matchOn);
  const margin = condition.marginThreshold === undefined ? 0 : num(condition.marginThreshold);
  const fallback = formatNumber(num(condition.fallbackThreshold) - margin);
  const limit = margin === 0 ? `(${condition.limitMetric} > 0)` : `(${condition.limitMetric} > 0) - ${formatNumber(margin)}`;
  return `${condition.metric} ${condition.op} ${on} group_left() (${limit} or ${on} (${condition.metric} * 0 + ${fallback}))`;
}

/**
 * increase(num) / increase(den) over the window, per series; the denominator must have grown (`> 0`)
 * or there is no ratio. With a limit metric the comparison is against the exported positive limit
 * where there is one and the catalog threshold elsewhere, built from the ratio itself as in
 * renderPerSeriesLimit.
 */
function renderCounterRatio(condition: CounterRatioCondition<string>, num: (ref: string | number) => number): string {
  const on = onLabels(condition.matchOn);
  const window = formatDuration(num(condition.window));
  const ratio = `increase(${condition.numerator}[${window}]) / ${on} (increase(${condition.denominator}[${window}]) > 0)`;
  const threshold = formatNumber(num(condition.threshold));
  if (condition.limitMetric === undefined) return `${ratio} ${condition.op} ${threshold}`;
  return `(${ratio}) ${condition.op} ${on} group_left() ((${condition.limitMetric} > 0) or ${on} (${ratio} * 0 + ${threshold}))`;
}

/** `expr and on(...) (gate == 1)`: the alert exists only while its gate series says so. */
export function renderGated(alert: AlertDef, expr: string): string {
  if (!alert.gate) return expr;
  return `(${expr}) and on(${alert.gate.on.join(', ')}) (${alert.gate.metric} == 1)`;
}
