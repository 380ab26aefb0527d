// dashboards/: Grafana dashboards as code (grafana-foundation-sdk builders, one module per
// dashboard) → JSON under dashboards/generated/<lang>/, provisioned into Grafana by
// dashboards/provisioning/. Thresholds come from the indicator catalog (with a site's overrides),
// metric names from protocol/metrics.ts and protocol/collector-metrics.ts, the label selector from
// selectors.ts. The JSON is committed; a unit test fails when it differs from what this generates.
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import type { ThresholdOverrides } from '../../alerts/thresholds.js';
import { resolveThresholds } from '../../alerts/thresholds.js';
import { backups } from './backups.js';
import { makeCtx, langs, type Ctx, type DashboardId, type Lang } from './context.js';
import { deviceDetail } from './device-detail.js';
import { fleetOverview } from './fleet-overview.js';
import { assessmentKpis } from './kpi.js';
import { networkQuality } from './network-quality.js';
import { peripherals } from './peripherals.js';

type Builder = (ctx: Ctx) => { build(): Dashboard };

/** File name (without .json) → builder; the one list of dashboards. */
export const dashboards: Readonly<Record<DashboardId, Builder>> = {
  fleet: fleetOverview,
  device: deviceDetail,
  network: networkQuality,
  peripherals,
  backups,
  kpi: assessmentKpis,
};

interface PanelJson {
  id?: number;
  type?: string;
  panels?: PanelJson[];
  targets?: { refId?: string }[];
}

/** Panel ids unique within the dashboard and refIds A, B, … per panel, in reading order. */
function finish(dashboard: Dashboard): Record<string, unknown> {
  const json = JSON.parse(JSON.stringify(dashboard)) as { panels?: PanelJson[] };
  let next = 1;
  const visit = (panels: PanelJson[] | undefined) => {
    for (const p of panels ?? []) {
      p.id = next++;
      (p.targets ?? []).forEach((t, i) => (t.refId = String.fromCharCode(65 + i)));
      visit(p.panels);
    }
  };
  visit(json.panels);
  return json;
}

/** Every dashboard in one language, as Grafana JSON. */
export function buildDashboards(lang: Lang, overrides?: ThresholdOverrides): Record<DashboardId, Record<string, unknown>> {
  const ctx = makeCtx(lang, resolveThresholds(overrides));
  return Object.fromEntries(Object.entries(dashboards).map(([id, build]) => [id, finish(build(ctx).build())])) as Record<DashboardId, Record<string, unknown>>;
}

export { langs };
