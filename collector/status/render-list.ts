// The status page: every device as a card with one badge per indicator, filtered by site and state.
import type { Indicator } from '../../alerts/catalog/types.js';
import type { BadgeState } from './badges.js';
import { html, type Html } from './html.js';
import type { Caller } from './request-auth.js';
import type { DeviceStatus } from './monitor.js';
import { holderOf, type FleetSnapshot } from '../fleet/fleet-snapshot.js';
import type { Maintenance } from '../store/store.js';
import { badge, time } from './render-common.js';
import { chartTexts, rangeButtons } from './render-charts.js';
import { fleetDashboardUrl } from './grafana-links.js';

export const badgeStates: readonly BadgeState[] = ['abnormal', 'not_reporting', 'unavailable', 'normal'];

export interface ListFilter {
  site?: string;
  state?: BadgeState;
}

export function filterDevices(devices: readonly DeviceStatus[], f: ListFilter): DeviceStatus[] {
  return devices
    .filter((d) => (f.site ? d.device.site === f.site : true))
    .filter((d) => (f.state ? d.badges.some((b) => b.state === f.state) : true))
    .sort((a, b) => a.device.site.localeCompare(b.device.site) || a.device.name.localeCompare(b.device.name));
}

export function renderList(snap: FleetSnapshot, f: ListFilter, indicators: readonly Indicator[], maintenance: readonly Maintenance[], caller: Caller, opts: { grafanaUrl?: string } = {}): Html {
  const { t, lang } = caller;
  const sites = [...new Set(snap.devices.map((d) => d.device.site))].sort();
  const shown = filterDevices(snap.devices, f);
  const abnormal = snap.devices.filter((d) => d.badges.some((b) => b.state === 'abnormal')).length;
  const notReporting = snap.devices.filter((d) => !d.reporting).length;
  const byId = new Map(indicators.map((i) => [i.id, i]));
  const underMaintenance = new Map(maintenance.filter((m) => m.startsMs <= snap.atMs).map((m) => [m.device, m]));
  const cards = shown.map((d) => {
    const m = underMaintenance.get(d.device.name);
    const href = `/devices/${encodeURIComponent(d.device.name)}`;
    return html`<li class="card" data-device="${d.device.name}">
<h3><a href="${href}">${d.device.name}</a></h3>
<p class="meta">${t('site')}: ${d.device.site} · ${t('lastReport')}: ${time(d.device.receivedAtMs, lang, t)}${heldBy(snap, d.device.name, caller)}</p>
${m ? html`<p class="maint">${t('maintenance')} ${t('until')} ${time(m.endsMs, lang, t)}</p>` : ''}
<ul class="badges" aria-label="${t('indicators')}">${d.badges.map((b) => html`<li>${badge(b, byId.get(b.indicator)!, lang, t)}</li>`)}</ul>
<div class="spark" data-spark="${d.device.name}"></div></li>`;
  });
  return html`<h2 id="devices-heading">${t('title')}</h2>
<form class="filters" method="get" action="/">
<div><label for="site">${t('site')}</label><select id="site" name="site"><option value="">${t('all')}</option>${sites.map((s) => html`<option value="${s}"${f.site === s ? html` selected` : ''}>${s}</option>`)}</select></div>
<div><label for="state">${t('state')}</label><select id="state" name="state"><option value="">${t('all')}</option>${badgeStates.map((s) => html`<option value="${s}"${f.state === s ? html` selected` : ''}>${t(s)}</option>`)}</select></div>
<button type="submit">${t('filter')}</button></form>
<p id="summary" data-live role="status">${t('summary', { abnormal, notReporting, total: snap.devices.length })}</p>
<p id="updated" data-live class="muted">${t('updated')} ${time(snap.atMs, lang, t)}</p>
${snap.degraded ? html`<p id="degraded" class="error" role="alert">${t('degraded', { at: new Date(snap.degraded.sinceMs).toISOString(), restarts: snap.degraded.restarts })}</p>` : ''}
${sites.length ? html`<section id="site-timelines" aria-labelledby="h-timelines" data-range="24h" data-lang="${lang}" data-sites="${JSON.stringify(f.site ? [f.site] : sites)}" data-texts="${JSON.stringify(chartTexts(t))}">
<h2 id="h-timelines">${t('siteTimeline')}</h2>${rangeButtons('timeline-ranges', ['24h', '7d', '30d'], '24h', caller)}<div class="timelines"></div></section>` : ''}
${opts.grafanaUrl ? html`<p><a id="grafana-link" href="${fleetDashboardUrl(opts.grafanaUrl, lang, f.site)}" rel="noopener">${t('openGrafana')}</a></p>` : ''}
<div id="device-list" data-live data-sparklines-url="/api/v1/history/sparklines${f.site ? `?site=${encodeURIComponent(f.site)}` : ''}" data-lang="${lang}" data-texts="${JSON.stringify(chartTexts(t))}">${shown.length === 0 ? html`<p>${t('noDevices')}</p>` : html`<ul class="devices" aria-labelledby="devices-heading">${cards}</ul>`}</div>`;
}

/** On a shared store: which collector holds the device, and when it last saved it if that is not this one. */
function heldBy(snap: FleetSnapshot, device: string, { t, lang }: Caller): Html | '' {
  const h = holderOf(snap, device);
  if (!h) return '';
  return html` · <span class="held-by" data-collector="${h.name}">${t('heldBy')}: ${h.name}${h.self ? html` (${t('heldHere')})` : html`, ${t('lastSaved')} ${time(h.savedAtMs, lang, t)}`}</span>`;
}
