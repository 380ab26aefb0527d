// Device detail rows: backups per job, disks and clock, inventory, and what the device can and cannot
// measure (the honest list behind every empty panel).
import { collectorMetrics as cm } from '../../protocol/collector-metrics.js';
import { m } from '../../protocol/metrics.js';
import { RowBuilder, type DashboardBuilder, type DynamicConfigValue } from '@grafana/grafana-foundation-sdk/dashboard';
import type { Ctx } from './context.js';
import { clockSyncStat, diskHealthTable } from './device-posture.js';
import { column, hide, merge, table, timeseries, valueText } from './panels.js';
import { sel, type Scope } from './selectors.js';

const dev = (metric: string | { name: string }, ...extra: string[]) => sel(metric, 'device', ...extra);
/** The job label (`backup_job`: `job` is Prometheus' own). */
export const backupJob = m.backupLastSuccess.labels[0];

/**
 * Age of each job's newest verified backup over the job's own maximum age (above 1: overdue). A job
 * that never succeeded is aged from when the agent began watching it.
 */
export function backupAgeRatioExpr(scope: Scope): string {
  const newest = `(max by (device, site, ${backupJob}) (${sel(m.backupLastSuccess, scope)}) or max by (device, site, ${backupJob}) (${sel(m.backupWatchedSince, scope)}))`;
  return `(time() - ${newest}) / on(device, site, ${backupJob}) max by (device, site, ${backupJob}) (${sel(m.backupMaxAge, scope)})`;
}

const resultMappings = (ctx: Ctx) =>
  valueText(
    [
      ['ok', { en: 'ok', zh: '成功' }, 'green'],
      ['failed', { en: 'failed', zh: '失败' }, 'red'],
      ['corrupt', { en: 'corrupt', zh: '已损坏' }, 'red'],
      ['missing', { en: 'missing', zh: '缺失' }, 'red'],
    ],
    ctx,
  );

/** One row per backup job: age against its own maximum, latest result, verification, off-site copy. */
export function backupJobsTable(ctx: Ctx, scope: Scope, extraColumns: readonly (readonly [string, DynamicConfigValue[]])[] = []) {
  const yesNo = valueText([[1, { en: 'yes', zh: '是' }, 'green'], [0, { en: 'no', zh: '否' }, 'red']], ctx);
  return table(ctx, {
    title: { en: 'Backup jobs', zh: '备份任务' },
    description: {
      en: 'Age of the newest verified backup against the job\'s own maximum age (red from 100 %: overdue); the latest result; how thoroughly the file was proven; whether the off-site copy exists and matches.',
      zh: '最新一次通过校验的备份距今时长与该任务允许的最长间隔（达到 100% 即逾期，显示红色）；最近结果；校验程度；异地副本是否存在且一致。',
    },
    span: 24,
    queries: [
      { expr: `time() - ${sel(m.backupLastSuccess, scope)}` },
      { expr: sel(m.backupMaxAge, scope) },
      { expr: backupAgeRatioExpr(scope) },
      { expr: `${sel(m.backupLastResult, scope)} == 1` },
      { expr: `${sel(m.backupVerification, scope)} == 1` },
      { expr: sel(m.backupSize, scope) },
      { expr: sel(m.backupOffsitePresent, scope) },
      { expr: sel(m.backupOffsiteMatch, scope) },
    ],
    transformations: [merge, hide()],
    columns: [
      ...extraColumns,
      column(ctx, 'Value #A', { en: 'Newest verified backup', zh: '最新有效备份距今' }, { id: 'unit', value: 's' }),
      column(ctx, 'Value #B', { en: 'Maximum age', zh: '最长间隔' }, { id: 'unit', value: 's' }),
      column(ctx, 'Value #C', { en: 'Age / maximum', zh: '时长 / 上限' }, { id: 'unit', value: 'percentunit' }, { id: 'thresholds', value: { mode: 'absolute', steps: [{ value: null, color: 'green' }, { value: 1, color: 'red' }] } }, { id: 'custom.cellOptions', value: { type: 'color-background' } }),
      column(ctx, 'Value #D', undefined, { id: 'custom.hidden', value: true }),
      column(ctx, 'Value #E', undefined, { id: 'custom.hidden', value: true }),
      column(ctx, 'result', { en: 'Latest result', zh: '最近结果' }, { id: 'mappings', value: resultMappings(ctx) }, { id: 'custom.cellOptions', value: { type: 'color-text' } }),
      column(ctx, 'level', { en: 'Verified by', zh: '校验方式' }),
      column(ctx, 'Value #F', { en: 'Size', zh: '大小' }, { id: 'unit', value: 'bytes' }),
      column(ctx, 'Value #G', { en: 'Off-site copy', zh: '异地副本' }, { id: 'mappings', value: yesNo }),
      column(ctx, 'Value #H', { en: 'Off-site identical', zh: '异地副本一致' }, { id: 'mappings', value: yesNo }),
    ],
    noValue: { en: 'no backup job configured', zh: '未配置备份任务' },
  });
}

export function backupsRow(ctx: Ctx, d: DashboardBuilder): void {
  d.withRow(new RowBuilder(ctx.indicatorTitle('backup')))
    .withPanel(backupJobsTable(ctx, 'device'))
    .withPanel(
      timeseries(ctx, {
        title: { en: 'Backup runs by result', zh: '备份运行结果' },
        unit: 'none',
        min: 0,
        queries: [{ expr: `sum by (${backupJob}, result) (increase(${dev(m.backupRuns)}[$__rate_interval]))`, legend: `{{${backupJob}}} {{result}}` }],
        noValue: { en: 'no backup job configured on this device', zh: '此设备未配置备份任务' },
      }),
    )
    .withPanel(timeseries(ctx, { title: { en: 'Verification time', zh: '校验耗时' }, unit: 's', min: 0, queries: [{ expr: dev(m.backupVerifyDuration), legend: `{{${backupJob}}}` }], noValue: { en: 'no backup verified yet', zh: '尚无已校验的备份' } }));
}

export function systemRow(ctx: Ctx, d: DashboardBuilder): void {
  const measured = valueText([[1, { en: 'measured', zh: '已测量' }, 'green'], [0, { en: 'unavailable', zh: '无法测量' }, 'text']], ctx);
  d.withRow(new RowBuilder(ctx.tr({ en: 'Disks, clock and inventory', zh: '磁盘、时钟与资产信息' })))
    .withPanel(diskHealthTable(ctx).span(24))
    .withPanel(
      timeseries(ctx, {
        title: { en: 'Clock offset from the collector', zh: '与采集器的时钟偏差' },
        description: { en: 'Device clock minus collector clock when each report was sent (positive: the device is ahead). Events and backups are judged by their timestamps.', zh: '每次上报时设备时钟与采集器时钟之差（正数表示设备偏快）。事件和备份以时间戳判断，时钟须准确。' },
        unit: 's',
        span: 18,
        thresholds: { base: 'red', steps: [[-ctx.threshold('clock', 'clockOffsetMax'), 'green'], [ctx.threshold('clock', 'clockOffsetMax'), 'red']] },
        queries: [{ expr: dev(cm.clockOffset), legend: ctx.tr({ en: 'offset', zh: '偏差' }) }],
      }),
    )
    .withPanel(clockSyncStat(ctx))
    .withPanel(
      table(ctx, {
        title: { en: 'Inventory', zh: '资产信息' },
        span: 24,
        height: 5,
        queries: [{ expr: dev(m.deviceInfo) }, { expr: dev(m.cpuCores) }, { expr: dev(m.memoryTotal) }, { expr: dev(cm.agentInfo) }],
        transformations: [merge, hide()],
        columns: [
          column(ctx, 'Value #A', undefined, { id: 'custom.hidden', value: true }),
          column(ctx, 'Value #B', { en: 'CPU cores', zh: 'CPU 核数' }),
          column(ctx, 'Value #C', { en: 'Memory', zh: '内存' }, { id: 'unit', value: 'bytes' }),
          column(ctx, 'Value #D', undefined, { id: 'custom.hidden', value: true }),
        ],
      }),
    )
    .withPanel(
      table(ctx, {
        title: { en: 'What this device measures', zh: '此设备可测量的指标' },
        description: { en: 'Every metric the agent reports, and those it reports as unavailable (a VM has no temperatures): those panels stay empty rather than showing 0.', zh: '代理上报的各项指标及其报告为无法测量的指标（虚拟机没有温度）：相应面板留空而不显示为 0。' },
        queries: [{ expr: dev(cm.metricAvailable) }],
        transformations: [hide()],
        columns: [column(ctx, 'Value', { en: 'State', zh: '状态' }, { id: 'mappings', value: measured }, { id: 'custom.cellOptions', value: { type: 'color-text' } })],
      }),
    )
    .withPanel(
      table(ctx, {
        title: { en: 'Probes', zh: '探针' },
        queries: [{ expr: dev(cm.probeSuccess) }, { expr: dev(cm.probeDuration) }],
        transformations: [merge, hide()],
        columns: [
          column(ctx, 'Value #A', { en: 'Last run', zh: '最近运行' }, { id: 'mappings', value: valueText([[1, { en: 'ok', zh: '成功' }, 'green'], [0, { en: 'failed', zh: '失败' }, 'red']], ctx) }, { id: 'custom.cellOptions', value: { type: 'color-text' } }),
          column(ctx, 'Value #B', { en: 'Took', zh: '耗时' }, { id: 'unit', value: 's' }),
        ],
      }),
    );
}
