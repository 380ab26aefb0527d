// A device's page: badges with the firing alerts' sentences, current values and what the device
// cannot measure, inventory, recent state changes, inspections and maintenance — with the forms a
// technician uses on the floor.
import type { Indicator, ResolvedThresholds } from '../../alerts/catalog/types.js';
import { m } from '../../protocol/metrics.js';
import { deviceSamples } from '../device-store.js';
import type { DeviceEvent, Inspection, Maintenance } from '../store/store.js';
import { hasRole } from '../store/users.js';
import { alertSummary } from './alert-text.js';
import { forgetForm } from './render-forget.js';
import { html, type Html } from './html.js';
import type { DeviceStatus } from './monitor.js';
import type { Caller } from './request-auth.js';
import { badge, time } from './render-common.js';
import { chartTexts, rangeButtons } from './render-charts.js';
import { renderValueSummary } from './render-values.js';
import { deviceDashboardUrl } from './grafana-links.js';
import type { HistoryRange } from '../history/api.js';
import type { Holder } from '../fleet/fleet-snapshot.js';

export interface DevicePageData {
  status: DeviceStatus;
  indicators: readonly Indicator[];
  thresholds: ResolvedThresholds;
  events: DeviceEvent[];
  inspections: Inspection[];
  maintenance: Maintenance[];
  nowMs: number;
  notice?: string;
  error?: string;
  /** The range the charts open with (?range=). */
  range: HistoryRange;
  grafanaUrl?: string;
  /** On a shared store: the collector holding the device. */
  holder?: Holder;
}

const labelText = (labels: Readonly<Record<string, string>>) =>
  Object.entries(labels)
    .filter(([k]) => k !== 'device' && k !== 'site')
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');

function inventory(d: DeviceStatus, c: Caller): Html {
  const samples = deviceSamples(d.device);
  const info = samples.get(m.deviceInfo.name)?.[0]?.labels;
  const rows: [string, string | undefined][] = info ? Object.entries(info) : [];
  const cores = samples.get(m.cpuCores.name)?.[0]?.value;
  const memory = samples.get(m.memoryTotal.name)?.[0]?.value;
  if (cores !== undefined) rows.push(['cpu_cores', String(cores)]);
  if (memory !== undefined) rows.push(['memory', `${(memory / 2 ** 30).toFixed(1)} GiB`]);
  for (const disk of samples.get(m.diskInfo.name) ?? []) rows.push([`disk ${disk.labels?.disk ?? ''}`, [disk.labels?.vendor, disk.labels?.model, disk.labels?.type].filter(Boolean).join(' ')]);
  if (d.device.report) rows.push(['agent', `${d.device.report.agent.version} (${d.device.report.agent.platform})`]);
  if (rows.length === 0) return html`<p>${c.t('noInventory')}</p>`;
  return html`<table><tbody>${rows.map(([k, v]) => html`<tr><th scope="row">${k}</th><td>${v ?? ''}</td></tr>`)}</tbody></table>`;
}

export function renderDevice(p: DevicePageData, c: Caller): Html {
  const { t, lang } = c;
  const d = p.status;
  const name = d.device.name;
  const byId = new Map(p.indicators.map((i) => [i.id, i]));
  const technician = hasRole(c.user, 'technician');
  const csrf = html`<input type="hidden" name="_csrf" value="${c.csrf ?? ''}">`;
  const active = p.maintenance.filter((x) => x.startsMs <= p.nowMs && x.endsMs > p.nowMs);
  const base = `/devices/${encodeURIComponent(name)}`;
  const badgesHtml = d.badges.map((b) => {
    const ind = byId.get(b.indicator)!;
    const values = p.thresholds[ind.id] ?? {};
    const lines = [...b.firing, ...b.pending].map(
      (a) => html`<li>${alertSummary(ind, a, values, lang)}${a.state === 'pending' ? html` <span class="muted">(${t('pending')})</span>` : ''} — <a href="/docs/runbooks/${ind.id}.md#${a.alert.toLowerCase()}">${t('runbook')}</a></li>`,
    );
    return html`<li>${badge(b, ind, lang, t)} <span class="muted">${t('since')} ${time(d.since[b.indicator], lang, t)}</span>${lines.length ? html`<ul>${lines}</ul>` : ''}</li>`;
  });
  const byMetric = deviceSamples(d.device);
  const samples = [...byMetric.values()].flat().filter((s) => s.metric !== m.deviceInfo.name && s.metric !== m.diskInfo.name);
  const unavailable = d.device.report?.unavailable ?? [];
  return html`<h2>${t('device')}: ${name}</h2>
${p.notice ? html`<p class="notice" role="status">${p.notice}</p>` : ''}${p.error ? html`<p class="error" role="alert">${p.error}</p>` : ''}
<div id="live-state" data-live>
<p class="meta">${t('site')}: ${d.device.site} · ${t('kind')}: ${d.device.kind} · ${t('reporting')}: ${d.reporting ? t('yes') : t('no')} · ${t('lastReport')}: ${time(d.device.receivedAtMs, lang, t)}</p>
${heldBy(p.holder, c)}
${(byMetric.get(m.printerStateMessage.name) ?? []).map((s) => html`<p class="notice printer-message">${t('printerSays')} ${s.labels?.printer ?? ''}: “${s.labels?.message ?? ''}”</p>`)}
${active.map((x) => html`<p class="maint">${t('maintenance')} ${t('until')} ${time(x.endsMs, lang, t)} — ${x.reason}</p>`)}
<section aria-labelledby="h-ind"><h2 id="h-ind">${t('indicators')}</h2><ul class="badge-list">${badgesHtml}</ul></section>
</div>
${charts(p, c)}
<section aria-labelledby="h-insp"><h2 id="h-insp">${t('inspections')}</h2>
${p.inspections.length === 0 ? html`<p>${t('noInspections')}</p>` : html`<div class="scroll"><table id="inspections"><thead><tr><th scope="col">${t('time')}</th><th scope="col">${t('result')}</th><th scope="col">${t('by')}</th><th scope="col">${t('note')}</th></tr></thead><tbody>
${p.inspections.map((i) => html`<tr data-result="${i.result}"><td>${time(i.atMs, lang, t)}</td><td>${t(i.result)}</td><td>${i.user}</td><td>${i.note}</td></tr>`)}</tbody></table></div>`}
${technician ? html`<form method="post" action="${base}/inspections"><fieldset><legend>${t('recordInspection')}</legend>${csrf}
<div role="radiogroup" aria-label="${t('result')}"><label><input type="radio" name="result" value="ok" required> ${t('ok')}</label><label><input type="radio" name="result" value="fault"> ${t('fault')}</label></div>
<label for="note">${t('note')}</label><textarea id="note" name="note" rows="3" cols="40" maxlength="2000" aria-describedby="note-hint"></textarea><p id="note-hint" class="muted">${t('noteHint')}</p>
<button type="submit">${t('save')}</button></fieldset></form>` : html`<p class="muted">${t('needTechnician')}</p>`}</section>

<section aria-labelledby="h-maint"><h2 id="h-maint">${t('maintenanceTitle')}</h2>
${p.maintenance.length === 0 ? html`<p>${t('noMaintenance')}</p>` : html`<div class="scroll"><table><thead><tr><th scope="col">${t('from')}</th><th scope="col">${t('to')}</th><th scope="col">${t('by')}</th><th scope="col">${t('reason')}</th><th scope="col">${t('silence')}</th></tr></thead><tbody>
${p.maintenance.map((x) => html`<tr><td>${time(x.startsMs, lang, t)}</td><td>${time(x.endsMs, lang, t)}</td><td>${x.user}</td><td>${x.reason}</td><td>${x.silenceId ?? (x.silenceError ? html`<span class="error">${t('silenceFailed')}: ${x.silenceError}</span>` : '—')}
${technician && x.endsMs > p.nowMs ? html`<form method="post" action="${base}/maintenance/${x.id}/end">${csrf}<button type="submit">${t('endNow')}</button></form>` : ''}</td></tr>`)}</tbody></table></div>`}
${technician ? html`<form method="post" action="${base}/maintenance"><fieldset><legend>${t('startMaintenance')}</legend>${csrf}
<label for="hours">${t('hours')}</label><input id="hours" name="hours" type="number" min="0.1" max="720" step="0.1" value="2" required>
<label for="reason">${t('reason')}</label><input id="reason" name="reason" type="text" maxlength="500" required>
<button type="submit">${t('save')}</button></fieldset></form>` : ''}</section>
<section aria-labelledby="h-hist"><h2 id="h-hist">${t('history')}</h2><div id="history" data-live class="scroll">
${p.events.length === 0 ? html`<p>${t('noHistory')}</p>` : html`<table><thead><tr><th scope="col">${t('time')}</th><th scope="col">${t('indicator')}</th><th scope="col">${t('change')}</th><th scope="col">${t('details')}</th></tr></thead><tbody>
${p.events.map((e) => html`<tr data-indicator="${e.indicator}" data-to="${e.to}"><td>${time(e.atMs, lang, t)}</td><td>${byId.get(e.indicator)?.title[lang] ?? e.indicator}</td><td>${t(e.from)} → ${t(e.to)}</td><td>${e.detail.alerts.map((a) => `${a.alert} ${labelText(a.labels)} = ${Number(a.value.toPrecision(4))}`).join('; ')}</td></tr>`)}</tbody></table>`}</div></section>
<section aria-labelledby="h-val"><h2 id="h-val">${t('currentValues')}</h2><div class="scroll" id="values-summary" data-live>${renderValueSummary(samples, p.indicators, p.nowMs, c)}</div>
<details id="raw-values"><summary>${t('rawValues')}</summary><div class="scroll" id="values" data-live><table><thead><tr><th scope="col">${t('metric')}</th><th scope="col">${t('labels')}</th><th scope="col">${t('value')}</th></tr></thead><tbody>
${samples.map((s) => html`<tr><td>${s.metric.replace(/^stationwatch_/, '')}</td><td>${labelText(s.labels ?? {})}</td><td>${Number(s.value.toPrecision(6))}</td></tr>`)}</tbody></table></div></details>
${unavailable.length ? html`<details><summary>${t('unavailableMetrics')} (${unavailable.length})</summary><ul>${unavailable.map((u) => html`<li>${u.metric.replace(/^stationwatch_/, '')}: ${u.reason}</li>`)}</ul></details>` : ''}</section>
<section aria-labelledby="h-inv"><h2 id="h-inv">${t('inventory')}</h2>${inventory(d, c)}</section>
${forgetForm(d.device, c)}`;
}

/** Which collector holds the device (a shared store only): another one evaluates it, this page shows what it stored. */
function heldBy(h: Holder | undefined, c: Caller): Html | '' {
  if (!h) return '';
  const { t, lang } = c;
  if (h.self) return html`<p class="meta" id="held-by" data-collector="${h.name}">${t('heldBy')}: ${h.name} (${t('heldHere')})</p>`;
  const at = h.savedAtMs === undefined ? t('never') : new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(h.savedAtMs));
  return html`<p class="meta" id="held-by" data-collector="${h.name}">${t('heldBy')}: ${h.name} · ${t('lastSaved')}: ${time(h.savedAtMs, lang, t)}</p>
<p class="notice">${t('heldElsewhere', { collector: h.name, at })}</p>`;
}

/** The history charts: range buttons, the source, the Grafana link; web/history-page.ts draws into #charts. */
function charts(p: DevicePageData, c: Caller): Html {
  const { t, lang } = c;
  const d = p.status.device;
  const titles = Object.fromEntries(p.indicators.map((i) => [i.id, i.title[lang]]));
  return html`<section aria-labelledby="h-charts" id="charts-section"><h2 id="h-charts">${t('charts')}</h2>
<p class="muted">${t('chartsHint')}</p>
<div class="chart-bar">${rangeButtons('chart-ranges', ['1h', '24h', '7d', '30d', 'quarter'], p.range, c)}
<p id="chart-source" class="muted" role="status"></p>
${p.grafanaUrl ? html`<a id="grafana-link" href="${deviceDashboardUrl(p.grafanaUrl, lang, d.site, d.name, p.range)}" rel="noopener">${t('openGrafana')}</a>` : ''}</div>
<div id="charts" data-history-url="/api/v1/history/devices/${encodeURIComponent(d.name)}" data-range="${p.range}" data-lang="${lang}" data-texts="${JSON.stringify(chartTexts(t))}" data-indicators="${JSON.stringify(titles)}"><p class="muted">${t('loading')}</p></div>
${overlayLegend(c)}</section>`;
}

function overlayLegend(c: Caller): Html {
  const { t } = c;
  const items: [string, string][] = [
    ['ov-state ov-abnormal', `${t('ovState')} → ${t('abnormal')}`],
    ['ov-state ov-normal', `${t('ovState')} → ${t('normal')}`],
    ['ov-state ov-not_reporting', `${t('ovState')} → ${t('not_reporting')}`],
    ['ov-inspection ov-ok', `${t('ovInspection')}: ${t('ok')}`],
    ['ov-inspection ov-fault', `${t('ovInspection')}: ${t('fault')}`],
    ['ov-maintenance', t('ovMaintenance')],
    ['ov-boot', t('ovBoot')],
    ['ov-unclean_shutdown', t('ovUncleanShutdown')],
    ['ov-backup ov-ok', `${t('ovBackup')}: ${t('ok')}`],
    ['ov-backup ov-failed', `${t('ovBackup')}: ${t('backupBad')}`],
  ];
  return html`<div class="overlay-legend"><span class="muted">${t('legend')}:</span><ul>${items.map(([cls, text]) => html`<li><span class="sw ${cls}" aria-hidden="true"></span>${text}</li>`)}</ul>
<p class="muted"><span class="sw threshold-warning" aria-hidden="true"></span>${t('threshold')} (${t('warning')}) <span class="sw threshold-critical" aria-hidden="true"></span>${t('threshold')} (${t('critical')})</p></div>`;
}
