// The shape of one indicator: its tunable thresholds and its alerts, written once. Conditions are
// data, not PromQL text, so the rule generator renders them to PromQL and the status page can
// evaluate the very same definition in JS (compare a series with a resolved threshold) without a
// second copy of the logic. Only the `promql` escape hatch is opaque to the status page.

/** English and 简体中文, side by side so a translation is never forgotten. */
export interface Text {
  readonly en: string;
  readonly zh: string;
}

/**
 * ratio: 0..1 (shown as a percentage); celsius; count: whole events; seconds: a duration, written in
 * Prometheus form (`15m`) in override files and rendered back to that form in rules; milliseconds: a
 * short time such as a round-trip time, stored and compared in seconds (metrics use base units) but
 * written in milliseconds in override files and texts (`200` → 0.2 in rules, "200 ms" in texts).
 */
export type Unit = 'ratio' | 'celsius' | 'count' | 'seconds' | 'milliseconds';

export interface Threshold {
  readonly value: number;
  readonly unit: Unit;
  readonly description: string;
}

export type Severity = 'warning' | 'critical';

export type CompareOp = '>' | '>=' | '<' | '<=' | '==' | '!=';

export interface LabelMatcher {
  readonly label: string;
  readonly op: '=' | '!=' | '=~' | '!~';
  readonly value: string;
}

/**
 * A threshold reference is the key of one of the indicator's thresholds (tunable per site). A bare
 * number is allowed only for values that are not a matter of taste, such as 0 for a 1/0 state.
 */
export type ThresholdRef<K extends string> = K | number;

/**
 * How long ago a moment was: `time() - metric op limit`, where `metric` is a `_timestamp_seconds`
 * gauge and the limit is the per-series limit the agent exports beside it (matched on device, site and
 * `matchOn`; 0 or below counts as absent), else the catalog's `fallbackThreshold`. Where the moment
 * never came (a backup that never succeeded), the age counts from `sinceMetric` instead (when watching
 * began), so "never" turns overdue after one limit rather than staying silent. The value is the age.
 */
export interface AgeCondition<K extends string> {
  readonly kind: 'age';
  readonly metric: string;
  readonly sinceMetric?: string;
  readonly limitMetric: string;
  readonly matchOn: readonly string[];
  readonly op: CompareOp;
  readonly fallbackThreshold: K;
}

/** `metric op threshold`, series by series. */
export interface ThresholdCondition<K extends string> {
  readonly kind: 'threshold';
  readonly metric: string;
  readonly matchers?: readonly LabelMatcher[];
  readonly op: CompareOp;
  readonly threshold: ThresholdRef<K>;
}

/**
 * `numerator / denominator op threshold`, matched on device, site and `matchOn`. A denominator of 0
 * or below means "not configured" (no swap): no ratio, so no alert, rather than a division by zero.
 */
export interface RatioCondition<K extends string> {
  readonly kind: 'ratio';
  readonly numerator: string;
  readonly denominator: string;
  readonly matchOn?: readonly string[];
  readonly op: CompareOp;
  readonly threshold: ThresholdRef<K>;
}

/**
 * How much a counter grew within `window` (a seconds threshold). When the threshold's unit is
 * `count` the growth is compared in whole events (see render-promql.ts for why).
 */
export interface IncreaseCondition<K extends string> {
  readonly kind: 'increase';
  readonly metric: string;
  readonly window: K;
  readonly op: CompareOp;
  readonly threshold: ThresholdRef<K>;
}

/**
 * `metric op (limit - margin)` where `limit` is the per-series limit the agent exports beside the
 * value (matched on device, site and `matchOn`), or the catalog's `fallbackThreshold` for series
 * without one. A limit of 0 or below is treated as absent: some sensors declare nonsense limits.
 */
export interface PerSeriesLimitCondition<K extends string> {
  readonly kind: 'perSeriesLimit';
  readonly metric: string;
  readonly limitMetric: string;
  readonly matchOn: readonly string[];
  readonly op: CompareOp;
  readonly fallbackThreshold: K;
  readonly marginThreshold?: K;
}

/**
 * `increase(numerator[window]) / increase(denominator[window]) op limit`, matched on device, site and
 * `matchOn` — e.g. echo requests lost over echo requests sent. Both counters restart at 0 together
 * when the agent restarts, and increase() treats each drop as a reset, so a restart is not a loss.
 * Windows in which the denominator did not grow yield no ratio (nothing was measured). With
 * `limitMetric`, a positive per-series limit exported beside the counters is used instead of
 * `threshold` for that series (the agent's per-target limit), like perSeriesLimit.
 */
export interface CounterRatioCondition<K extends string> {
  readonly kind: 'counterRatio';
  readonly numerator: string;
  readonly denominator: string;
  readonly window: K;
  readonly matchOn: readonly string[];
  readonly op: CompareOp;
  readonly threshold: ThresholdRef<K>;
  readonly limitMetric?: string;
}

/**
 * Escape hatch for the rare rule that cannot be structured. `%{key}` placeholders are replaced by
 * the resolved threshold values. The status page cannot evaluate these, so keep them rare.
 */
export interface PromqlCondition {
  readonly kind: 'promql';
  readonly expr: string;
}

export type Condition<K extends string = string> =
  | ThresholdCondition<K>
  | AgeCondition<K>
  | RatioCondition<K>
  | IncreaseCondition<K>
  | PerSeriesLimitCondition<K>
  | CounterRatioCondition<K>
  | PromqlCondition;

export interface AlertDef<K extends string = string> {
  /** CamelCase, starting with `Stationwatch`; also the runbook anchor (lowercased). */
  readonly name: string;
  readonly severity: Severity;
  readonly condition: Condition<K>;
  /** A seconds threshold; absent for event alerts that must fire at once. */
  readonly for?: K;
  /**
   * One line a clerk understands, and the detail for whoever fixes it. Prometheus templating
   * (`{{ $labels.device }}`, `{{ $value }}`) is passed through; `%{key}` is replaced at generation by
   * the resolved threshold, formatted in its unit.
   */
  readonly summary: Text;
  readonly description: Text;
  /**
   * Fire only while this 1/0 series is 1 for the alert's series (matched on `on`): e.g. the site's
   * business hours, so a workstation switched off at night or on a holiday does not page.
   */
  readonly gate?: { readonly metric: string; readonly on: readonly string[] };
}

/** A recording rule for dashboards; alerts keep their own structured conditions. */
export interface Recording {
  readonly record: string;
  readonly expr: string;
  readonly help: string;
}

export interface Indicator<K extends string = string> {
  /** The id of docs/indicators: label value, runbook file name, override-file key. */
  readonly id: string;
  readonly title: Text;
  readonly thresholds: Readonly<Record<K, Threshold>>;
  readonly alerts: readonly AlertDef<K>[];
  readonly recordings?: readonly Recording[];
}

/**
 * Identity at run time; at compile time it checks that every threshold reference names one of the
 * indicator's own thresholds.
 */
export function defineIndicator<const T extends Record<string, Threshold>>(indicator: {
  id: string;
  title: Text;
  thresholds: T;
  alerts: readonly AlertDef<keyof T & string>[];
  recordings?: readonly Recording[];
}): Indicator {
  return indicator;
}

/** Threshold values after site overrides, per indicator id then threshold key. */
export type ResolvedThresholds = Readonly<Record<string, Readonly<Record<string, number>>>>;
