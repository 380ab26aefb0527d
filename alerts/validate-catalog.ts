// Checks the catalog for mistakes the type checker cannot see: a duration key used as a ratio, a
// metric name nobody exports, a threshold no rule reads (a site would override it to no effect), a
// text left untranslated. generateRules refuses a catalog with problems.
import { collectorMetrics } from '../protocol/collector-metrics.js';
import { agentMetrics } from '../protocol/metrics.js';
import type { AlertDef, Condition, Indicator, ThresholdRef, Unit } from './catalog/types.js';
import { placeholderKeys } from './thresholds.js';

const idPattern = /^[a-z][a-z0-9-]*$/;
const alertNamePattern = /^Stationwatch[A-Z][A-Za-z0-9]*$/;
const recordPattern = /^stationwatch:[a-z0-9_]+:[a-z0-9_]+$/;
const hasChinese = /[\u4e00-\u9fff]/;

/** Labels each known metric carries besides device and site; undefined for an unknown metric. */
function labelsOf(metric: string): readonly string[] | undefined {
  const agent = agentMetrics.find((d) => d.name === metric);
  if (agent) return agent.labels;
  const collectorSide: Record<string, readonly string[]> = { [collectorMetrics.probeSuccess]: ['probe'], [collectorMetrics.probeDuration]: ['probe'], [collectorMetrics.metricAvailable]: ['metric'] };
  return (Object.values(collectorMetrics) as string[]).includes(metric) ? (collectorSide[metric] ?? []) : undefined;
}

/** Every threshold reference in a condition with the unit it must have (undefined: any unit). */
function conditionRefs(c: Condition): [ThresholdRef<string>, Unit | undefined][] {
  switch (c.kind) {
    case 'threshold':
      return [[c.threshold, undefined]];
    case 'ratio':
      return [[c.threshold, 'ratio']];
    case 'increase':
      return [[c.window, 'seconds'], [c.threshold, undefined]];
    case 'age':
      return [[c.fallbackThreshold, 'seconds']];
    case 'perSeriesLimit':
      return [[c.fallbackThreshold, undefined], ...(c.marginThreshold === undefined ? [] : [[c.marginThreshold, undefined] as [string, undefined]])];
    case 'counterRatio':
      return [[c.window, 'seconds'], [c.threshold, 'ratio']];
    case 'promql':
      return placeholderKeys(c.expr).map((k) => [k, undefined]);
  }
}

function conditionMetrics(c: Condition): { metric: string; labels: readonly string[] }[] {
  switch (c.kind) {
    case 'threshold':
      return [{ metric: c.metric, labels: (c.matchers ?? []).map((x) => x.label) }];
    case 'ratio':
      return [c.numerator, c.denominator].map((metric) => ({ metric, labels: c.matchOn ?? [] }));
    case 'increase':
      return [{ metric: c.metric, labels: [] }];
    case 'age':
      return [c.metric, c.limitMetric, ...(c.sinceMetric === undefined ? [] : [c.sinceMetric])].map((metric) => ({ metric, labels: c.matchOn }));
    case 'perSeriesLimit':
      return [c.metric, c.limitMetric].map((metric) => ({ metric, labels: c.matchOn }));
    case 'counterRatio':
      return [c.numerator, c.denominator, ...(c.limitMetric === undefined ? [] : [c.limitMetric])].map((metric) => ({ metric, labels: c.matchOn }));
    case 'promql':
      return [];
  }
}

function alertProblems(indicator: Indicator, alert: AlertDef, used: Set<string>): string[] {
  const where = `${indicator.id}/${alert.name}`;
  const problems: string[] = [];
  if (!alertNamePattern.test(alert.name)) problems.push(`${where}: alert names are CamelCase and start with Stationwatch`);
  const refs = conditionRefs(alert.condition);
  if (alert.for !== undefined) refs.push([alert.for, 'seconds']);
  for (const text of [alert.summary.en, alert.summary.zh, alert.description.en, alert.description.zh]) {
    for (const key of placeholderKeys(text)) refs.push([key, undefined]);
  }
  for (const [ref, unit] of refs) {
    if (typeof ref === 'number') continue;
    used.add(ref);
    const threshold = indicator.thresholds[ref];
    if (!threshold) problems.push(`${where}: unknown threshold "${ref}"`);
    else if (unit && threshold.unit !== unit) problems.push(`${where}: threshold "${ref}" is in ${threshold.unit}, expected ${unit}`);
  }
  if (alert.condition.kind === 'perSeriesLimit' && alert.condition.marginThreshold !== undefined) {
    const units = [alert.condition.fallbackThreshold, alert.condition.marginThreshold].map((k) => indicator.thresholds[k]?.unit);
    if (units[0] !== units[1]) problems.push(`${where}: fallback and margin thresholds must share a unit`);
  }
  for (const { metric, labels } of conditionMetrics(alert.condition)) {
    const known = labelsOf(metric);
    if (!known) problems.push(`${where}: metric ${metric} is neither reported by agents nor exposed by the collector`);
    else for (const label of labels) if (!known.includes(label)) problems.push(`${where}: metric ${metric} has no label "${label}"`);
  }
  for (const text of [alert.summary, alert.description]) {
    if (!text.en.trim()) problems.push(`${where}: empty English text`);
    if (!hasChinese.test(text.zh)) problems.push(`${where}: Chinese text missing or untranslated: "${text.zh}"`);
  }
  return problems;
}

export function validateCatalog(indicators: readonly Indicator[]): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  const names = new Set<string>();
  for (const indicator of indicators) {
    if (!idPattern.test(indicator.id)) problems.push(`${indicator.id}: indicator ids are lower-case words joined by "-"`);
    if (ids.has(indicator.id)) problems.push(`${indicator.id}: indicator id used twice`);
    ids.add(indicator.id);
    if (!hasChinese.test(indicator.title.zh)) problems.push(`${indicator.id}: Chinese title missing`);
    const used = new Set<string>();
    for (const alert of indicator.alerts) {
      if (names.has(alert.name)) problems.push(`${indicator.id}/${alert.name}: alert name used twice`);
      names.add(alert.name);
      problems.push(...alertProblems(indicator, alert, used));
    }
    for (const key of Object.keys(indicator.thresholds)) {
      if (!used.has(key)) problems.push(`${indicator.id}: threshold "${key}" is not used by any alert`);
    }
    for (const r of indicator.recordings ?? []) {
      if (!recordPattern.test(r.record)) problems.push(`${indicator.id}: recording ${r.record} should be named stationwatch:<metric>:<operation>`);
    }
  }
  return problems;
}
