// The collector's own evaluation as notifier input (mode `collector`): every firing alert of the
// latest status snapshot, with the catalog's EN/中文 sentences filled in as the device page shows
// them, links to its runbook and device page, and whether it is silenced now — by a maintenance
// period of its device, or by its site's business hours where the alert is gated on them (the
// catalog's `gate` on stationwatch_site_open: a workstation switched off at night pages no one).
import { catalog } from '../../alerts/catalog/index.js';
import type { Indicator, ResolvedThresholds } from '../../alerts/catalog/types.js';
import { collectorMetrics as cm } from '../../protocol/collector-metrics.js';
import { alertSummary } from '../status/alert-text.js';
import type { StatusSnapshot } from '../status/monitor.js';
import type { Maintenance } from '../store/store.js';
import type { Observed } from './announcer.js';
import type { NotifiedAlert } from './types.js';

const byId = new Map<string, Indicator>(catalog.map((i) => [i.id, i]));
/** Alerts that fire only while their site is open. */
export const businessHoursAlerts: ReadonlySet<string> = new Set(catalog.flatMap((i) => i.alerts.filter((a) => a.gate?.metric === cm.siteBusinessHours).map((a) => a.name)));

/** Prometheus template blocks the collector cannot run (a `query` in the printer's description) are left out. */
const plain = (text: string) =>
  text
    .replace(/\{\{-?\s*with\b[\s\S]*?\{\{-?\s*end\s*-?\}\}\s*\{\{-?\s*end\s*-?\}\}/g, '')
    .replace(/\{\{[\s\S]*?\}\}/g, '')
    .trim();

export function link(publicUrl: string | undefined, path: string): string {
  return publicUrl ? `${publicUrl.replace(/\/+$/, '')}${path}` : path;
}

/** Every firing alert of the snapshot (only those evaluated past their `for`). */
export function firingAlerts(s: StatusSnapshot, thresholds: ResolvedThresholds, publicUrl: string | undefined): Observed[] {
  const out: Observed[] = [];
  for (const d of s.devices) {
    for (const b of d.badges) {
      for (const a of b.firing) {
        const ind = byId.get(a.indicator);
        if (!ind) continue;
        const values = thresholds[ind.id] ?? {};
        const alert: NotifiedAlert = {
          alert: a.alert,
          status: 'firing',
          severity: a.severity,
          indicator: a.indicator,
          device: d.device.name,
          site: d.device.site,
          summary: { en: plain(alertSummary(ind, a, values, 'en')), zh: plain(alertSummary(ind, a, values, 'zh')) },
          description: { en: plain(alertSummary(ind, a, values, 'en', 'description')), zh: plain(alertSummary(ind, a, values, 'zh', 'description')) },
          startsAtMs: a.activeAtMs,
          runbookUrl: link(publicUrl, `/docs/runbooks/${ind.id}.md#${a.alert.toLowerCase()}`),
          deviceUrl: link(publicUrl, `/devices/${encodeURIComponent(d.device.name)}`),
          labels: { ...a.labels, alertname: a.alert, severity: a.severity, indicator: a.indicator },
        };
        out.push({ key: a.key, alert });
      }
    }
  }
  return out;
}

/** Why an alert is silenced now, or undefined: its device's maintenance, or its site closed for a business-hours alert. */
export function silencer(open: readonly Maintenance[], siteOpen: (site: string, at: Date) => boolean, nowMs: number): (a: NotifiedAlert) => string | undefined {
  const maintained = new Set(open.filter((m) => m.startsMs <= nowMs && m.endsMs > nowMs).map((m) => m.device));
  const at = new Date(nowMs);
  return (a) => {
    if (a.device !== undefined && maintained.has(a.device)) return 'maintenance';
    if (businessHoursAlerts.has(a.alert) && !siteOpen(a.site, at)) return 'outside business hours';
    return undefined;
  };
}
