// Threshold values as a site sees them: catalog defaults with the site's overrides applied. The rule
// generator and (later) the status page both start from resolveThresholds, so they cannot disagree.
import { catalog } from './catalog/index.js';
import type { Indicator, ResolvedThresholds, ThresholdRef } from './catalog/types.js';
import { formatThresholdValue, type Lang } from './units.js';

/** Overrides after validation: indicator id → threshold key → value (durations in seconds). */
export type ThresholdOverrides = Readonly<Record<string, Readonly<Record<string, number>>>>;

export function resolveThresholds(overrides: ThresholdOverrides = {}, indicators: readonly Indicator[] = catalog): ResolvedThresholds {
  const resolved: Record<string, Record<string, number>> = {};
  for (const indicator of indicators) {
    const values: Record<string, number> = {};
    for (const [key, threshold] of Object.entries(indicator.thresholds)) values[key] = overrides[indicator.id]?.[key] ?? threshold.value;
    resolved[indicator.id] = values;
  }
  return resolved;
}

/** The number a reference stands for; a bare number is its own value. */
export function thresholdValue(ref: ThresholdRef<string>, values: Readonly<Record<string, number>>, indicatorId: string): number {
  if (typeof ref === 'number') return ref;
  const value = values[ref];
  if (value === undefined) throw new Error(`indicator ${indicatorId}: unknown threshold "${ref}"`);
  return value;
}

const placeholder = /%\{(\w+)(?::range)?\}/g;

/** Keys named by `%{key}` placeholders in a text or an escape-hatch expression. */
export function placeholderKeys(text: string): string[] {
  return [...text.matchAll(placeholder)].map((match) => match[1]!);
}

/** Replaces `%{key}` by the resolved value in the threshold's unit (90%, 15 min, 95 °C). */
export function fillText(text: string, lang: Lang, indicator: Indicator, values: Readonly<Record<string, number>>): string {
  return text.replace(placeholder, (_, key: string) => {
    const threshold = indicator.thresholds[key];
    if (!threshold) throw new Error(`indicator ${indicator.id}: text names unknown threshold %{${key}}`);
    return formatThresholdValue(thresholdValue(key, values, indicator.id), threshold.unit, lang);
  });
}
