// An alert's summary as the page shows it: the catalog's text with the site's thresholds filled in
// (fillText, as the rule generator does) and the few Prometheus template forms the catalog uses
// ({{ $labels.x }}, {{ $value }} with humanizePercentage, humanizeDuration or printf) rendered for
// the series at hand — the same sentence the alert notification carries.
import type { Indicator } from '../../alerts/catalog/types.js';
import type { AlertInstance } from '../../alerts/evaluate.js';
import { fillText } from '../../alerts/thresholds.js';
import { formatNumber, spokenDuration, type Lang } from '../../alerts/units.js';

function formatValue(value: number, pipe: string | undefined, lang: Lang): string {
  const f = (pipe ?? '').trim();
  if (f === 'humanizePercentage') return `${formatNumber(Number((value * 100).toPrecision(4)))}%`;
  if (f === 'humanizeDuration') return value >= 1 ? spokenDuration(Math.round(value), lang) : `${formatNumber(Number((value * 1000).toPrecision(3)))} ms`;
  const printf = /^printf\s+"%\.(\d)f"$/.exec(f);
  if (printf) return value.toFixed(Number(printf[1]));
  return formatNumber(Number(value.toPrecision(6)));
}

export function alertSummary(indicator: Indicator, a: AlertInstance, values: Readonly<Record<string, number>>, lang: Lang, field: 'summary' | 'description' = 'summary'): string {
  const def = indicator.alerts.find((x) => x.name === a.alert);
  if (!def) return a.alert;
  return fillText(def[field][lang], lang, indicator, values).replace(/\{\{\s*(\$labels\.(\w+)|\$value)\s*(?:\|\s*([^}]+?))?\s*\}\}/g, (_, what: string, label: string | undefined, pipe: string | undefined) =>
    label !== undefined ? (a.labels[label] ?? '') : formatValue(a.value, pipe, lang),
  );
}
