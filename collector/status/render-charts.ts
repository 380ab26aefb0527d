// Pieces of the chart sections both pages share: the range buttons (plain buttons, the current one
// aria-pressed; web/history-page.ts fetches and redraws on a click) and the texts the browser script
// needs, handed over in a data attribute so every word still comes from i18n.ts.
import type { HistoryRange } from '../history/api.js';
import { html, type Html } from './html.js';
import type { TextKey, T } from './i18n.js';
import type { Caller } from './request-auth.js';

const rangeText: Record<HistoryRange, TextKey> = { '1h': 'range1h', '24h': 'range24h', '7d': 'range7d', '30d': 'range30d', quarter: 'rangeQuarter' };

export function rangeButtons(id: string, ranges: readonly HistoryRange[], current: HistoryRange, c: Caller): Html {
  return html`<div id="${id}" class="ranges" role="group" aria-label="${c.t('timeRange')}">${ranges.map((r) => html`<button type="button" data-range="${r}" aria-pressed="${r === current ? 'true' : 'false'}">${c.t(rangeText[r])}</button>`)}</div>`;
}

const browserKeys = [
  'noData', 'loadFailed', 'min', 'avg', 'max', 'last', 'events', 'source', 'sourceEmbedded', 'sourcePrometheus',
  'ovState', 'ovInspection', 'ovMaintenance', 'ovBoot', 'ovUncleanShutdown', 'ovBackup', 'last24h',
  'abnormalDevices', 'notReportingDevices', 'knownDevices', 'time',
] as const satisfies readonly TextKey[];

export function chartTexts(t: T): Record<string, string> {
  return Object.fromEntries(browserKeys.map((k) => [k, t(k)]));
}
