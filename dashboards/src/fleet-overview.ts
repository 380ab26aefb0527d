// Fleet overview: at a glance, which devices are abnormal, since when, and why. Devices reporting /
// not reporting / abnormal, a devices × core indicators table linking to each device's dashboard,
// the firing alerts with the time they started, and the same per site.
import { failureIndicators } from '../../alerts/catalog/kpi.js';
import { formatDuration } from '../../alerts/units.js';
import { collectorMetrics as cm } from '../../protocol/collector-metrics.js';
import { RowBuilder, type DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { baseDashboard, deviceLink } from './base.js';
import type { Ctx } from './context.js';
import { coreIndicators, indicatorStateExpr, stateMappings } from './indicators.js';
import { column, hide, higherIsWorse, merge, plumbing, stat, table, timeseries, valueText } from './panels.js';
import { sel } from './selectors.js';

const reporting = sel(cm.deviceReporting, 'fleet');
/** 1 per device while an alert of an indicator that counts as a failure fires (as the KPI counts it). */
const abnormalByDevice = `max by (device, site) (ALERTS{alertstate="firing", indicator=~"${failureIndicators.join('|')}", site=~"$site"})`;
/** …and 0 for every other known device, so "no abnormal device" is a real 0, not an empty result. */
const abnormalOrZero = `(${abnormalByDevice} or on(device, site) (0 * ${reporting}))`;

export function fleetOverview(ctx: Ctx): DashboardBuilder {
  const yesNo = valueText([[1, { en: 'yes', zh: '是' }, 'green'], [0, { en: 'no', zh: '否' }, 'red']], ctx);
  const title = (id: string) => ctx.indicatorTitle(id);
  // Queries A and B are reporting and last report; the indicators follow from C on.
  const indicatorColumns = coreIndicators.map((i, n) => column(ctx, `Value #${String.fromCharCode(67 + n)}`, { en: title(i.id), zh: title(i.id) }, { id: 'mappings', value: stateMappings(ctx) }, { id: 'custom.cellOptions', value: { type: 'color-background' } }));
  const d = baseDashboard(ctx, 'fleet', { en: 'stationwatch · Fleet overview', zh: 'stationwatch · 设备总览' }, 'fleet', { from: 'now-6h' });

  d.withRow(new RowBuilder(ctx.tr({ en: 'Now', zh: '当前' })))
    .withPanel(stat(ctx, { title: { en: 'Devices known', zh: '设备总数' }, queries: [{ expr: `count(${reporting})` }] }))
    .withPanel(stat(ctx, { title: { en: 'Reporting', zh: '在线上报' }, queries: [{ expr: `sum(${reporting})` }], thresholds: { base: 'green', steps: [] } }))
    .withPanel(
      stat(ctx, {
        title: { en: 'Not reporting', zh: '未上报' },
        description: { en: 'Known devices that have not reported within their staleness window (switched off, crashed or cut off).', zh: '在超时窗口内没有上报的已知设备（关机、崩溃或网络中断）。' },
        queries: [{ expr: `sum(1 - ${reporting})` }],
        thresholds: higherIsWorse(1),
        colorBackground: true,
      }),
    )
    .withPanel(
      stat(ctx, {
        title: { en: 'Abnormal devices', zh: '异常设备' },
        description: { en: 'Devices with at least one firing alert of a core indicator or not reporting during business hours.', zh: '至少有一个核心指标告警正在触发、或在营业时间内未上报的设备。' },
        queries: [{ expr: `sum(${abnormalOrZero})` }],
        thresholds: higherIsWorse(1),
        colorBackground: true,
      }),
    )
    .withPanel(
      stat(ctx, {
        title: { en: 'Firing alerts by severity', zh: '正在触发的告警（按级别）' },
        queries: [{ expr: `count by (severity) (ALERTS{alertstate="firing", site=~"$site"})`, legend: '{{severity}}' }],
        noValue: { en: 'none', zh: '无' },
      }),
    )
    .withPanel(
      stat(ctx, {
        title: { en: 'Physical inspection overdue', zh: '物理巡检逾期' },
        description: { en: `Devices not inspected (noise, vibration, cables, print heads) for more than ${formatDuration(ctx.threshold('inspection', 'overdueAfter'))}.`, zh: `超过 ${formatDuration(ctx.threshold('inspection', 'overdueAfter'))} 未做物理巡检（噪音、振动、线缆、打印头）的设备。` },
        queries: [{ expr: `count(${sel(cm.inspectionAge, 'fleet')} > ${ctx.threshold('inspection', 'overdueAfter')}) or (0 * count(${sel(cm.inspectionAge, 'fleet')}))` }],
        thresholds: higherIsWorse(1),
        colorBackground: true,
      }),
    );

  d.withRow(new RowBuilder(ctx.tr({ en: 'Devices × core indicators', zh: '设备 × 核心指标' })))
    .withPanel(
      table(ctx, {
        title: { en: 'Devices', zh: '设备' },
        description: {
          en: 'One row per device. normal / abnormal (a catalog alert is firing) / unavailable (the device cannot measure it); empty: not configured on the device, or the device is not reporting. Click a device for its dashboard.',
          zh: '每台设备一行。正常 / 异常（有告警触发）/ 无法测量（设备不支持）；空白表示设备未配置该项或未上报。点击设备名打开设备详情。',
        },
        span: 24,
        height: 12,
        queries: [
          { expr: reporting },
          { expr: `time() - ${sel(cm.lastReport, 'fleet')}` },
          ...coreIndicators.map((i) => ({ expr: indicatorStateExpr(i, 'fleet') })),
        ],
        transformations: [merge, hide()],
        columns: [
          column(ctx, 'device', undefined, { id: 'links', value: [deviceLink(ctx)] }),
          column(ctx, 'Value #A', { en: 'Reporting', zh: '上报' }, { id: 'mappings', value: yesNo }, { id: 'custom.cellOptions', value: { type: 'color-text' } }),
          column(ctx, 'Value #B', { en: 'Last report', zh: '上次上报' }, { id: 'unit', value: 's' }, { id: 'decimals', value: 0 }),
          ...indicatorColumns,
        ],
      }),
    );

  d.withRow(new RowBuilder(ctx.tr({ en: 'Firing alerts', zh: '正在触发的告警' })))
    .withPanel(
      table(ctx, {
        title: { en: 'Firing alerts — since when and why', zh: '正在触发的告警 —— 起始时间与原因' },
        span: 24,
        noValue: { en: 'no alert is firing', zh: '没有正在触发的告警' },
        queries: [
          { expr: `max by (alertname, indicator, severity, device, site) (ALERTS{alertstate="firing", site=~"$site"})` },
          // ALERTS_FOR_STATE holds the moment each alert became active (seconds; Grafana wants ms).
          { expr: `1000 * min by (alertname, indicator, severity, device, site) (ALERTS_FOR_STATE{site=~"$site"} and ignoring(alertstate) ALERTS{alertstate="firing", site=~"$site"})` },
        ],
        transformations: [merge, hide([...plumbing, 'Value #A'])],
        columns: [
          column(ctx, 'Value #B', { en: 'Since', zh: '起始' }, { id: 'unit', value: 'dateTimeFromNow' }),
          column(ctx, 'device', undefined, { id: 'links', value: [deviceLink(ctx)] }),
          column(ctx, 'alertname', { en: 'Alert', zh: '告警' }),
          // Why, in the reader's words: the catalog's title of the indicator.
          column(ctx, 'indicator', { en: 'Indicator', zh: '指标' }, { id: 'mappings', value: valueText(failureIndicators.map((id) => [id, title(id), 'text'] as const), ctx) }),
          column(ctx, 'severity', { en: 'Severity', zh: '级别' }, { id: 'mappings', value: valueText([['critical', { en: 'critical', zh: '严重' }, 'red'], ['warning', { en: 'warning', zh: '预警' }, 'yellow']], ctx) }, { id: 'custom.cellOptions', value: { type: 'color-text' } }),
        ],
      }),
    );

  d.withRow(new RowBuilder(ctx.tr({ en: 'By site', zh: '按站点' })))
    .withPanel(
      table(ctx, {
        title: { en: 'Sites', zh: '站点' },
        span: 12,
        queries: [
          { expr: sel('stationwatch:site_devices:count', 'fleet') },
          { expr: sel('stationwatch:site_devices_reporting:sum', 'fleet') },
          { expr: `sum by (site) (${abnormalOrZero})` },
          { expr: sel('stationwatch:site_failure_ratio:avg_1d', 'fleet') },
        ],
        transformations: [merge, hide()],
        columns: [
          column(ctx, 'Value #A', { en: 'Devices', zh: '设备数' }),
          column(ctx, 'Value #B', { en: 'Reporting', zh: '上报中' }),
          column(ctx, 'Value #C', { en: 'Abnormal', zh: '异常' }),
          column(ctx, 'Value #D', { en: 'Failure rate (day)', zh: '故障率（日）' }, { id: 'unit', value: 'percentunit' }),
        ],
      }),
    )
    .withPanel(
      timeseries(ctx, {
        title: { en: 'Abnormal devices per site', zh: '各站点异常设备数' },
        span: 12,
        unit: 'none',
        min: 0,
        queries: [{ expr: `sum by (site) (${abnormalOrZero})`, legend: '{{site}}' }],
      }),
    );
  return d;
}
