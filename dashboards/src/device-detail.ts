// Device detail (variables: site, device): everything one device reports, row by row (status,
// resources, thermal, stability, network, peripherals, backups, security and updates, disks, clock,
// inventory, what it can measure), with its event
// history as annotations — alerts firing and resolving (the "normal → abnormal → normal" history),
// boots, unclean shutdowns, freezes and periods without reports.
import { collectorMetrics as cm } from '../../protocol/collector-metrics.js';
import { m } from '../../protocol/metrics.js';
import { AnnotationQueryBuilder, type DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import type { Text } from '../../alerts/catalog/types.js';
import { baseDashboard } from './base.js';
import { prometheus, type Ctx } from './context.js';
import { networkRow, peripheralsRow } from './device-connectivity.js';
import { resourcesRow, stabilityRow, statusRow, thermalRow } from './device-health.js';
import { securityRow } from './device-posture.js';
import { backupsRow, systemRow } from './device-records.js';
import { sel } from './selectors.js';

const dev = (metric: string | { name: string }) => sel(metric, 'device');

/** Event annotations: a window of 5m catches an event between two sparse scrapes. */
function events(ctx: Ctx): { name: Text; expr: string; color: string; title: string; tags?: string }[] {
  return [
    { name: { en: 'Alerts', zh: '告警' }, expr: `ALERTS{alertstate="firing", site=~"$site", device="$device"}`, color: 'red', title: '{{alertname}}', tags: 'indicator,severity' },
    { name: { en: 'Boots', zh: '开机' }, expr: `changes(${dev(m.bootTime)}[5m]) > 0`, color: 'blue', title: ctx.tr({ en: 'boot', zh: '开机' }) },
    { name: { en: 'Unclean shutdowns', zh: '非正常关机' }, expr: `increase(${dev(m.uncleanShutdowns)}[5m]) > 0`, color: 'orange', title: ctx.tr({ en: 'unclean shutdown', zh: '非正常关机' }) },
    { name: { en: 'Freezes', zh: '死机' }, expr: `increase(${dev(m.hangs)}[5m]) > 0`, color: 'purple', title: ctx.tr({ en: 'freeze', zh: '死机' }) },
    { name: { en: 'Not reporting', zh: '未上报' }, expr: `${dev(cm.deviceReporting)} == 0`, color: 'text', title: ctx.tr({ en: 'not reporting', zh: '未上报' }) },
  ];
}

export function deviceDetail(ctx: Ctx): DashboardBuilder {
  const d = baseDashboard(ctx, 'device', { en: 'stationwatch · Device detail', zh: 'stationwatch · 设备详情' }, 'device');
  for (const e of events(ctx)) {
    d.annotation(new AnnotationQueryBuilder().name(ctx.tr(e.name)).datasource(prometheus).enable(true).iconColor(e.color).expr(e.expr).titleFormat(e.title).step('1m').tagKeys(e.tags ?? ''));
  }
  statusRow(ctx, d);
  resourcesRow(ctx, d);
  thermalRow(ctx, d);
  stabilityRow(ctx, d);
  networkRow(ctx, d);
  peripheralsRow(ctx, d);
  backupsRow(ctx, d);
  securityRow(ctx, d);
  systemRow(ctx, d);
  return d;
}
