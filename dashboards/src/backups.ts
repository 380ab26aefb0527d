// Backups across the fleet: jobs overdue (no verified backup within the job's own maximum age),
// latest runs corrupt or failed, off-site copies missing, and the success rate over time.
import { m } from '../../protocol/metrics.js';
import { RowBuilder, type DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { baseDashboard, deviceLink } from './base.js';
import type { Ctx } from './context.js';
import { backupAgeRatioExpr, backupJobsTable } from './device-records.js';
import { column, higherIsWorse, lowerIsWorse, stat, timeseries } from './panels.js';
import { backupSuccessRecording } from './kpi.js';
import { sel } from './selectors.js';

/** Verified runs over all runs (the catalog's definition) within `window`, all selected sites together. */
function fleetSuccessExpr(window: string): string {
  const runs = (...extra: string[]) => `sum(increase(${sel(m.backupRuns, 'fleet', ...extra)}[${window}]))`;
  return `${runs('result="ok"')} / (${runs()} > 0)`;
}

export function backups(ctx: Ctx): DashboardBuilder {
  const maxAge = sel(m.backupMaxAge, 'fleet');
  const countOrZero = (expr: string) => `count(${expr}) or (0 * count(${maxAge}))`;
  const d = baseDashboard(ctx, 'backups', { en: 'stationwatch · Backups', zh: 'stationwatch · 数据备份' }, 'fleet', { from: 'now-7d' });

  d.withRow(new RowBuilder(ctx.tr({ en: 'Now', zh: '当前' })))
    .withPanel(stat(ctx, { title: { en: 'Backup jobs', zh: '备份任务数' }, queries: [{ expr: `count(${maxAge})` }], noValue: { en: 'none configured', zh: '未配置' } }))
    .withPanel(stat(ctx, { title: { en: 'Jobs overdue', zh: '逾期任务' }, queries: [{ expr: countOrZero(`${backupAgeRatioExpr('fleet')} > 1`) }], thresholds: higherIsWorse(1), colorBackground: true }))
    .withPanel(stat(ctx, { title: { en: 'Latest backup corrupt', zh: '最新备份已损坏' }, queries: [{ expr: countOrZero(`${sel(m.backupLastResult, 'fleet', 'result="corrupt"')} == 1`) }], thresholds: higherIsWorse(1), colorBackground: true }))
    .withPanel(stat(ctx, { title: { en: 'Latest run failed or missing', zh: '最近一次失败或缺失' }, queries: [{ expr: countOrZero(`${sel(m.backupLastResult, 'fleet', 'result=~"failed|missing"')} == 1`) }], thresholds: higherIsWorse(1), colorBackground: true }))
    .withPanel(stat(ctx, { title: { en: 'Off-site copy missing or different', zh: '异地副本缺失或不一致' }, queries: [{ expr: `count(${sel(m.backupOffsitePresent, 'fleet')} == 0 or ${sel(m.backupOffsiteMatch, 'fleet')} == 0) or (0 * count(${sel(m.backupOffsitePresent, 'fleet')}))` }], thresholds: higherIsWorse(1), colorBackground: true, noValue: { en: 'no off-site location configured', zh: '未配置异地位置' } }))
    .withPanel(stat(ctx, { title: { en: 'Success rate, last 7 days', zh: '近 7 天成功率' }, unit: 'percentunit', queries: [{ expr: fleetSuccessExpr('7d') }], thresholds: lowerIsWorse(1), noValue: { en: 'no runs counted', zh: '无运行记录' } }));

  d.withRow(new RowBuilder(ctx.tr({ en: 'Jobs', zh: '任务' }))).withPanel(backupJobsTable(ctx, 'fleet', [column(ctx, 'device', undefined, { id: 'links', value: [deviceLink(ctx)] })]));

  d.withRow(new RowBuilder(ctx.tr({ en: 'Over time', zh: '趋势' })))
    .withPanel(
      timeseries(ctx, {
        title: { en: 'Success rate per site (runs of the last day)', zh: '各站点备份成功率（近一天的运行）' },
        unit: 'percentunit',
        min: 0,
        max: 1,
        thresholds: lowerIsWorse(1),
        queries: [{ expr: sel(backupSuccessRecording('site', '1d'), 'fleet'), legend: '{{site}}' }],
        noValue: { en: 'no runs counted', zh: '无运行记录' },
      }),
    )
    .withPanel(
      timeseries(ctx, {
        title: { en: 'Runs by result', zh: '按结果统计的运行次数' },
        unit: 'none',
        min: 0,
        queries: [{ expr: `sum by (result) (increase(${sel(m.backupRuns, 'fleet')}[$__rate_interval]))`, legend: '{{result}}' }],
        noValue: { en: 'no runs counted', zh: '无运行记录' },
      }),
    );
  return d;
}
