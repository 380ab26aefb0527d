// The device page's "Current values" as people read them: grouped by indicator (catalog order), a
// readable name in the page's language, the value in its unit (%, GiB, ms, °C, "2 h ago", yes/no).
// The raw table (metric, labels, value as reported) stays one click away in render-device.ts.
import type { Indicator } from '../../alerts/catalog/types.js';
import type { Sample } from '../../protocol/report.js';
import { formatValue, unitOfMetric } from '../../web/format.js';
import { html, type Html } from './html.js';
import type { Caller } from './request-auth.js';
import { valueName } from './value-names.js';

const qualifier = (labels: Readonly<Record<string, string>> | undefined) =>
  Object.entries(labels ?? {})
    .filter(([k]) => k !== 'device' && k !== 'site')
    .map(([, v]) => v)
    .join(' · ');

export function renderValueSummary(samples: readonly Sample[], indicators: readonly Indicator[], nowMs: number, c: Caller): Html {
  const { t, lang } = c;
  const groups = new Map<string, Html[]>();
  for (const s of samples) {
    const name = valueName(s.metric);
    // Info series: only the current one (value 1) says something; the labels are the value.
    if (name?.info && s.value !== 1) continue;
    const shown = name?.info
      ? qualifier(s.labels)
      : name?.yesNo
        ? s.value === 1
          ? t('yes')
          : s.value === 0
            ? t('no')
            : String(s.value)
        : formatValue(s.value, unitOfMetric(s.metric), lang, nowMs);
    const which = name?.info ? '' : qualifier(s.labels);
    const key = name?.indicator ?? '';
    const row = html`<tr data-metric="${s.metric}"><th scope="row">${name ? name.name[lang] : s.metric.replace(/^stationwatch_/, '')}${which ? html` <span class="muted">${which}</span>` : ''}</th><td>${shown}</td></tr>`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const order = [...indicators.map((i) => i.id), ...[...groups.keys()].filter((k) => !indicators.some((i) => i.id === k))];
  const titles = new Map(indicators.map((i) => [i.id, i.title[lang]]));
  const sections = order
    .filter((id) => groups.has(id))
    .map((id) => html`<tbody data-group="${id || 'other'}"><tr><th colspan="2" scope="rowgroup" class="group">${titles.get(id) ?? (id || t('other'))}</th></tr>${groups.get(id)!}</tbody>`);
  return html`<table class="values-summary">${sections}</table>`;
}
