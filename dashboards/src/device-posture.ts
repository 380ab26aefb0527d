// Device detail rows beyond the six core indicators: security posture (firewall, antivirus, failed
// logins), pending OS updates, physical inspection, disk health (SMART) and time synchronisation.
import { formatDuration } from '../../alerts/units.js';
import { collectorMetrics as cm } from '../../protocol/collector-metrics.js';
import { m } from '../../protocol/metrics.js';
import { BigValueTextMode } from '@grafana/grafana-foundation-sdk/common';
import { RowBuilder, type DashboardBuilder, type DynamicConfigValue } from '@grafana/grafana-foundation-sdk/dashboard';
import type { Ctx } from './context.js';
import { column, hide, higherIsWorse, merge, notMeasured, stat, table, timeseries, valueText } from './panels.js';
import { sel } from './selectors.js';

const dev = (metric: string | { name: string }, ...extra: string[]) => sel(metric, 'device', ...extra);
/** Red from `limit` on, for a table column. */
const redFrom = (limit: number): DynamicConfigValue[] => [
  { id: 'thresholds', value: { mode: 'absolute', steps: [{ value: null, color: 'green' }, { value: limit, color: 'red' }] } },
  { id: 'custom.cellOptions', value: { type: 'color-text' } },
];

export function securityRow(ctx: Ctx, d: DashboardBuilder): void {
  const t = (key: string) => ctx.threshold('security', key);
  const u = (key: string) => ctx.threshold('software', key);
  const onOff = valueText([[1, { en: 'on', zh: '开启' }, 'green'], [0, { en: 'off', zh: '关闭' }, 'red']], ctx);
  const burst = formatDuration(t('loginBurstWindow'));
  d.withRow(new RowBuilder(ctx.tr({ en: 'Security, updates and inspection', zh: '安全、更新与巡检' })))
    .withPanel(table(ctx, { title: { en: 'Firewall', zh: '防火墙' }, span: 6, queries: [{ expr: dev(m.firewallEnabled) }], transformations: [hide()], columns: [column(ctx, 'Value', { en: 'Filtering', zh: '过滤' }, { id: 'mappings', value: onOff }, { id: 'custom.cellOptions', value: { type: 'color-background' } })], noValue: notMeasured }))
    .withPanel(
      table(ctx, {
        title: { en: 'Antivirus', zh: '防病毒' },
        span: 18,
        queries: [{ expr: dev(m.antivirusRealtime) }, { expr: dev(m.antivirusRunning) }, { expr: `time() - ${dev(m.antivirusSignaturesUpdated)}` }, { expr: `time() - max by (device, site, product) (${dev(m.antivirusLastScan)})` }],
        transformations: [merge, hide()],
        columns: [
          column(ctx, 'Value #A', { en: 'Real-time protection', zh: '实时防护' }, { id: 'mappings', value: onOff }),
          column(ctx, 'Value #B', { en: 'Engine running', zh: '引擎运行' }, { id: 'mappings', value: onOff }),
          column(ctx, 'Value #C', { en: 'Signature age', zh: '病毒库时长' }, { id: 'unit', value: 's' }, ...redFrom(t('signatureMaxAge'))),
          column(ctx, 'Value #D', { en: 'Since last scan', zh: '距上次扫描' }, { id: 'unit', value: 's' }, ...redFrom(t('scanMaxAge'))),
        ],
        noValue: notMeasured,
      }),
    )
    .withPanel(
      timeseries(ctx, {
        title: { en: `Failed logins per ${burst}`, zh: `每 ${burst} 登录失败次数` },
        unit: 'none',
        min: 0,
        thresholds: higherIsWorse(t('loginBurstFailures')),
        queries: [{ expr: `increase(${dev(m.failedLogins)}[${burst}])`, legend: ctx.tr({ en: 'failed logins', zh: '登录失败' }) }],
        noValue: notMeasured,
      }),
    )
    .withPanel(
      table(ctx, {
        title: { en: 'OS updates', zh: '系统更新' },
        queries: [{ expr: dev(m.updatesPending) }, { expr: dev(m.securityUpdatesPending) }, { expr: `time() - ${dev(m.securityUpdatesPendingSince)}` }, { expr: `time() - ${dev(m.updatesChecked)}` }],
        transformations: [merge, hide()],
        columns: [
          column(ctx, 'Value #A', { en: 'Pending', zh: '待安装' }),
          column(ctx, 'Value #B', { en: 'Security updates pending', zh: '待安装安全更新' }, ...redFrom(1)),
          column(ctx, 'Value #C', { en: 'Oldest security update waiting', zh: '安全更新最长等待' }, { id: 'unit', value: 's' }, ...redFrom(u('securityUpdateMaxAge'))),
          column(ctx, 'Value #D', { en: 'Update list age', zh: '更新列表时长' }, { id: 'unit', value: 's' }, ...redFrom(u('updateCheckMaxAge'))),
        ],
        noValue: notMeasured,
      }),
    )
    .withPanel(
      stat(ctx, {
        title: { en: 'Since last physical inspection', zh: '距上次物理巡检' },
        description: { en: 'Or since the collector first saw the device, if it was never inspected.', zh: '从未巡检时为采集器首次发现该设备以来的时长。' },
        unit: 's',
        queries: [{ expr: dev(cm.inspectionAge) }],
        thresholds: higherIsWorse(ctx.threshold('inspection', 'overdueAfter')),
        span: 6,
      }),
    )
    .withPanel(stat(ctx, { title: { en: 'Last inspection found', zh: '上次巡检结果' }, queries: [{ expr: dev(cm.inspectionLastFault) }], mappings: valueText([[0, { en: 'no fault', zh: '无故障' }, 'green'], [1, { en: 'a fault', zh: '有故障' }, 'red']], ctx), noValue: { en: 'never inspected', zh: '从未巡检' }, colorBackground: true, span: 6 }));
}

export function diskHealthTable(ctx: Ctx) {
  const s = (key: string) => ctx.threshold('storage', key);
  return table(ctx, {
    title: { en: 'Disks and their health (SMART)', zh: '硬盘及其健康状况（SMART）' },
    queries: [{ expr: dev(m.diskInfo) }, { expr: dev(m.diskSize) }, { expr: dev(m.diskSmartHealthy) }, { expr: dev(m.diskReallocatedSectors) }, { expr: dev(m.diskPendingSectors) }, { expr: dev(m.diskWear) }],
    transformations: [merge, hide()],
    columns: [
      column(ctx, 'Value #A', undefined, { id: 'custom.hidden', value: true }),
      column(ctx, 'Value #B', { en: 'Size', zh: '容量' }, { id: 'unit', value: 'bytes' }),
      column(ctx, 'Value #C', { en: 'SMART verdict', zh: 'SMART 结论' }, { id: 'mappings', value: valueText([[1, { en: 'passed', zh: '通过' }, 'green'], [0, { en: 'failing', zh: '故障' }, 'red']], ctx) }, { id: 'custom.cellOptions', value: { type: 'color-background' } }),
      // The catalog warns above these counts (0: any reallocated or pending sector), hence "from limit + 1".
      column(ctx, 'Value #D', { en: 'Reallocated sectors', zh: '重映射扇区' }, ...redFrom(s('reallocatedSectors') + 1)),
      column(ctx, 'Value #E', { en: 'Pending sectors', zh: '待映射扇区' }, ...redFrom(s('pendingSectors') + 1)),
      column(ctx, 'Value #F', { en: 'SSD wear', zh: 'SSD 磨损' }, { id: 'unit', value: 'percentunit' }, ...redFrom(s('ssdWearRatio'))),
    ],
    noValue: notMeasured,
  });
}

export function clockSyncStat(ctx: Ctx) {
  return stat(ctx, {
    title: { en: 'Time synchronisation', zh: '时间同步' },
    queries: [
      { expr: dev(m.clockSyncEnabled), legend: ctx.tr({ en: 'NTP switched on', zh: 'NTP 已开启' }) },
      { expr: dev(m.clockSynchronized), legend: ctx.tr({ en: 'synchronised', zh: '已同步' }) },
    ],
    mappings: valueText([[1, { en: 'yes', zh: '是' }, 'green'], [0, { en: 'no', zh: '否' }, 'red']], ctx),
    noValue: notMeasured,
    span: 6,
    height: 8,
  }).textMode(BigValueTextMode.ValueAndName);
}
