// Links from the status page to the generated Grafana dashboards (dashboards/generated/), when
// `grafanaUrl` is configured: the uid the dashboard builder gives each language's copy, and its
// template variables (`site`, `device`) so the dashboard opens filtered to what the page shows.
import { makeCtx } from '../../dashboards/src/context.js';
import type { HistoryRange } from '../history/api.js';
import type { Lang } from './i18n.js';

/** Grafana's relative time for a history range (a quarter as its longest, 92 days, as the history reads it). */
export const grafanaFrom = (range: HistoryRange): string => `now-${range === 'quarter' ? '92d' : range}`;

function dashboardUrl(grafanaUrl: string, uid: string, vars: Record<string, string | undefined>, range: HistoryRange): string {
  const url = new URL(`${grafanaUrl.replace(/\/+$/, '')}/d/${encodeURIComponent(uid)}`);
  for (const [k, v] of Object.entries(vars)) if (v !== undefined) url.searchParams.set(`var-${k}`, v);
  url.searchParams.set('from', grafanaFrom(range));
  url.searchParams.set('to', 'now');
  return url.toString();
}

export function deviceDashboardUrl(grafanaUrl: string, lang: Lang, site: string, device: string, range: HistoryRange): string {
  return dashboardUrl(grafanaUrl, makeCtx(lang, {}).uid('device'), { site, device }, range);
}

/** The fleet overview, filtered to one site when the page is. */
export function fleetDashboardUrl(grafanaUrl: string, lang: Lang, site: string | undefined): string {
  return dashboardUrl(grafanaUrl, makeCtx(lang, {}).uid('fleet'), { site }, '24h');
}
