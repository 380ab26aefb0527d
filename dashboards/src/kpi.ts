// Assessment KPIs (考核): system failure rate (系统故障率) and backup success rate (数据备份成功率)
// per site and per device, over day / week / quarter — the quarter is the assessment period. Both are
// the catalog's recording rules (alerts/catalog/kpi.ts, alerts/catalog/backup.ts); the windows are
// read from the recordings' names, so a window added there appears here.
import { indicatorById } from '../../alerts/catalog/index.js';
import { kpi } from '../../alerts/catalog/kpi.js';
import type { Text } from '../../alerts/catalog/types.js';
import { parseDuration } from '../../alerts/units.js';
import { RowBuilder, type DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { baseDashboard, deviceLink } from './base.js';
import type { Ctx } from './context.js';
import { column, hide, merge, table, timeseries } from './panels.js';
import { sel } from './selectors.js';

const siteRecording = /^stationwatch:site_failure_ratio:avg_(\w+)$/;

/** The windows of the failure-rate recordings, e.g. ['1d', '7d', '90d'], shortest first. */
export function kpiWindows(): string[] {
  const windows = (kpi.recordings ?? []).map((r) => siteRecording.exec(r.record)?.[1]).filter((w): w is string => w !== undefined);
  if (windows.length === 0) throw new Error('dashboards: alerts/catalog/kpi.ts has no stationwatch:site_failure_ratio:avg_<window> recordings');
  return windows.sort((a, b) => parseDuration(a) - parseDuration(b));
}

/** The backup success-rate recording for a window, per `device` or per `site`; throws if the catalog lacks it. */
export function backupSuccessRecording(per: 'device' | 'site', window: string): string {
  const record = `stationwatch:${per}_backup_success_ratio:increase_${window}`;
  if (!(indicatorById('backup')?.recordings ?? []).some((r) => r.record === record)) throw new Error(`dashboards: alerts/catalog/backup.ts has no ${record} recording`);
  return record;
}

const windowNames: Record<string, Text> = {
  '1d': { en: 'day', zh: '日' },
  '7d': { en: 'week', zh: '周' },
  '90d': { en: 'quarter', zh: '季度' },
};

export function assessmentKpis(ctx: Ctx): DashboardBuilder {
  const windows = kpiWindows();
  const name = (w: string): Text => windowNames[w] ?? { en: w, zh: w };
  const percent = { id: 'unit', value: 'percentunit' };
  const link = column(ctx, 'device', undefined, { id: 'links', value: [deviceLink(ctx)] });
  const perWindow = (heading: Text) => windows.map((w, i) => column(ctx, `Value #${String.fromCharCode(65 + i)}`, { en: `${heading.en} (${name(w).en})`, zh: `${heading.zh}（${name(w).zh}）` }, percent));
  const failure: Text = { en: 'Failure rate', zh: '故障率' };
  const backup: Text = { en: 'Backup success', zh: '备份成功率' };
  const d = baseDashboard(ctx, 'kpi', { en: 'stationwatch · Assessment KPIs', zh: 'stationwatch · 考核指标' }, 'fleet', { from: 'now-90d' });

  d.withRow(new RowBuilder(ctx.tr({ en: 'System failure rate (系统故障率)', zh: '系统故障率' })))
    .withPanel(
      table(ctx, {
        title: { en: 'Per site', zh: '按站点' },
        description: {
          en: 'Share of business-hours device time in an abnormal state (a core indicator alert firing, or not reporting while the site is open), averaged over the site\'s devices.',
          zh: '营业时间内设备处于异常状态（核心指标告警触发，或营业时间内未上报）的时间占比，按站点内设备取平均。',
        },
        queries: windows.map((w) => ({ expr: sel(`stationwatch:site_failure_ratio:avg_${w}`, 'fleet') })),
        transformations: [merge, hide()],
        columns: perWindow(failure),
      }),
    )
    .withPanel(
      table(ctx, {
        title: { en: 'Per device', zh: '按设备' },
        queries: windows.map((w) => ({ expr: sel(`stationwatch:device_failure_ratio:avg_${w}`, 'fleet') })),
        transformations: [merge, hide()],
        columns: [link, ...perWindow(failure)],
      }),
    )
    .withPanel(
      timeseries(ctx, {
        title: { en: `Failure rate per site, over the last ${name(windows[0]!).en}`, zh: `各站点故障率（近一${name(windows[0]!).zh}）` },
        span: 24,
        unit: 'percentunit',
        min: 0,
        queries: [{ expr: sel(`stationwatch:site_failure_ratio:avg_${windows[0]!}`, 'fleet'), legend: '{{site}}' }],
      }),
    );

  d.withRow(new RowBuilder(ctx.tr({ en: 'Backup success rate (数据备份成功率)', zh: '数据备份成功率' })))
    .withPanel(
      table(ctx, {
        title: { en: 'Per site', zh: '按站点' },
        description: { en: 'Backup runs that passed verification over all runs counted (failed, corrupt and missing runs count against it).', zh: '通过校验的备份运行次数占全部运行次数的比例（失败、损坏、缺失均计为未成功）。' },
        queries: windows.map((w) => ({ expr: sel(backupSuccessRecording('site', w), 'fleet') })),
        transformations: [merge, hide()],
        columns: perWindow(backup),
        noValue: { en: 'no backup runs counted', zh: '无备份运行记录' },
      }),
    )
    .withPanel(
      table(ctx, {
        title: { en: 'Per device', zh: '按设备' },
        queries: windows.map((w) => ({ expr: sel(backupSuccessRecording('device', w), 'fleet') })),
        transformations: [merge, hide()],
        columns: [link, ...perWindow(backup)],
        noValue: { en: 'no backup runs counted', zh: '无备份运行记录' },
      }),
    )
    .withPanel(
      timeseries(ctx, {
        title: { en: `Backup success rate per site, over the last ${name(windows[0]!).en}`, zh: `各站点备份成功率（近一${name(windows[0]!).zh}）` },
        span: 24,
        unit: 'percentunit',
        min: 0,
        max: 1,
        queries: [{ expr: sel(backupSuccessRecording('site', windows[0]!), 'fleet'), legend: '{{site}}' }],
        noValue: { en: 'no backup runs counted', zh: '无备份运行记录' },
      }),
    );
  return d;
}
