// Device detail rows: network quality per target (loss, RTT, jitter, links, reaching the collector)
// and peripherals (printers and supplies, scanners, expected USB devices, SNMP polling).
import { formatDuration } from '../../alerts/units.js';
import { m } from '../../protocol/metrics.js';
import { RowBuilder, type DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import type { Ctx } from './context.js';
import { column, hide, higherIsWorse, lowerIsWorse, merge, notMeasured, stat, table, timeseries, valueText } from './panels.js';
import { sel } from './selectors.js';

const dev = (metric: string | { name: string }, ...extra: string[]) => sel(metric, 'device', ...extra);

/** Share of echo requests lost per target; windows in which nothing was sent give no value, not 0. */
export const lossExpr = (scope: 'device' | 'fleet', by: string, window: string) =>
  `sum by (${by}) (increase(${sel(m.pingLost, scope)}[${window}])) / (sum by (${by}) (increase(${sel(m.pingSent, scope)}[${window}])) > 0)`;

export function networkRow(ctx: Ctx, d: DashboardBuilder): void {
  const t = (key: string) => ctx.threshold('network', key);
  const upDown = valueText([[1, { en: 'up', zh: '已连接' }, 'green'], [0, { en: 'down', zh: '断开' }, 'red']], ctx);
  d.withRow(new RowBuilder(ctx.indicatorTitle('network')))
    .withPanel(
      timeseries(ctx, {
        title: { en: 'Packet loss per target', zh: '各目标丢包率' },
        description: { en: 'Dashed: the catalog limit for targets without a limit of their own.', zh: '虚线：未单独配置阈值的目标所用的默认阈值。' },
        unit: 'percentunit',
        min: 0,
        max: 1,
        thresholds: higherIsWorse(t('lossRatio')),
        queries: [{ expr: lossExpr('device', 'device, site, target', '$__rate_interval'), legend: '{{target}}' }],
      }),
    )
    .withPanel(
      timeseries(ctx, {
        title: { en: 'Round-trip time per target', zh: '各目标往返时延' },
        unit: 's',
        min: 0,
        thresholds: higherIsWorse(t('rttHighMs')),
        queries: [
          { expr: dev(m.rttAvg), legend: ctx.tr({ en: '{{target}} mean', zh: '{{target}} 平均' }) },
          { expr: dev(m.rttMax), legend: ctx.tr({ en: '{{target}} max', zh: '{{target}} 最大' }) },
          { expr: dev(m.rttLimit), legend: ctx.tr({ en: '{{target}} own limit', zh: '{{target}} 自定阈值' }) },
        ],
      }),
    )
    .withPanel(timeseries(ctx, { title: { en: 'Jitter per target', zh: '各目标抖动' }, unit: 's', min: 0, queries: [{ expr: dev(m.jitter), legend: '{{target}}' }] }))
    .withPanel(
      table(ctx, {
        title: { en: 'Targets', zh: '探测目标' },
        queries: [{ expr: dev(m.targetInfo) }, { expr: `time() - ${dev(m.lastReply)}` }],
        transformations: [merge, hide()],
        columns: [column(ctx, 'Value #A', undefined, { id: 'custom.hidden', value: true }), column(ctx, 'Value #B', { en: 'Last reply', zh: '上次应答' }, { id: 'unit', value: 's' })],
      }),
    )
    .withPanel(table(ctx, { title: { en: 'Network links', zh: '网络接口' }, span: 8, queries: [{ expr: dev(m.linkUp) }], transformations: [hide()], columns: [column(ctx, 'Value', { en: 'Link', zh: '链路' }, { id: 'mappings', value: upDown }, { id: 'custom.cellOptions', value: { type: 'color-background' } })] }))
    .withPanel(
      timeseries(ctx, {
        title: { en: `Link changes per ${formatDuration(t('linkFlapWindow'))}`, zh: `每 ${formatDuration(t('linkFlapWindow'))} 链路变化次数` },
        unit: 'none',
        min: 0,
        span: 8,
        thresholds: higherIsWorse(t('linkFlapChanges')),
        queries: [{ expr: `increase(${dev(m.linkChanges)}[${formatDuration(t('linkFlapWindow'))}])`, legend: '{{interface}}' }],
      }),
    )
    .withPanel(
      timeseries(ctx, {
        title: { en: `Collector unreachable per ${formatDuration(t('collectorWindow'))}`, zh: `每 ${formatDuration(t('collectorWindow'))} 无法连接采集器的时长` },
        unit: 's',
        min: 0,
        span: 8,
        thresholds: higherIsWorse(t('collectorUnreachable')),
        queries: [{ expr: `increase(${dev(m.collectorUnreachableSeconds)}[${formatDuration(t('collectorWindow'))}])`, legend: ctx.tr({ en: 'unreachable', zh: '无法连接' }) }],
      }),
    );
}

export function peripheralsRow(ctx: Ctx, d: DashboardBuilder): void {
  const t = (key: string) => ctx.threshold('peripherals', key);
  const yesNo = valueText([[1, { en: 'yes', zh: '是' }, 'green'], [0, { en: 'no', zh: '否' }, 'red']], ctx);
  d.withRow(new RowBuilder(ctx.indicatorTitle('peripherals')))
    .withPanel(stat(ctx, { title: { en: 'Print service answers', zh: '打印服务响应' }, queries: [{ expr: dev(m.printServiceUp) }], mappings: yesNo, colorBackground: true, noValue: notMeasured, span: 8 }))
    .withPanel(stat(ctx, { title: { en: 'Scanners found / expected', zh: '扫描仪 已找到 / 应有' }, queries: [{ expr: dev(m.scannersDetected), legend: ctx.tr({ en: 'found', zh: '已找到' }) }, { expr: dev(m.scannersExpected), legend: ctx.tr({ en: 'expected', zh: '应有' }) }], noValue: notMeasured, span: 8 }))
    .withPanel(stat(ctx, { title: { en: 'SNMP device answers', zh: 'SNMP 设备响应' }, description: { en: 'Network devices the collector polls itself.', zh: '由采集器直接轮询的网络设备。' }, queries: [{ expr: dev(m.snmpUp) }], mappings: yesNo, colorBackground: true, noValue: { en: 'not polled over SNMP', zh: '未通过 SNMP 轮询' }, span: 8 }))
    .withPanel(
      table(ctx, {
        title: { en: 'Printers', zh: '打印机' },
        span: 24,
        queries: [
          { expr: `${dev(m.printerState)} == 1` },
          { expr: dev(m.printerAcceptingJobs) },
          { expr: dev(m.printerQueueJobs) },
          { expr: dev(m.printerOldestJobAge) },
          { expr: dev(m.printerQueryDuration) },
        ],
        transformations: [merge, hide()],
        columns: [
          column(ctx, 'Value #A', undefined, { id: 'custom.hidden', value: true }),
          column(ctx, 'Value #B', { en: 'Accepting jobs', zh: '接受作业' }, { id: 'mappings', value: yesNo }),
          column(ctx, 'Value #C', { en: 'Jobs waiting', zh: '待打印作业' }),
          column(ctx, 'Value #D', { en: 'Oldest job', zh: '最早作业等待' }, { id: 'unit', value: 's' }, { id: 'thresholds', value: { mode: 'absolute', steps: [{ value: null, color: 'green' }, { value: t('stuckJobAge'), color: 'red' }] } }, { id: 'custom.cellOptions', value: { type: 'color-text' } }),
          column(ctx, 'Value #E', { en: 'Status query took', zh: '状态查询耗时' }, { id: 'unit', value: 's' }, { id: 'thresholds', value: { mode: 'absolute', steps: [{ value: null, color: 'green' }, { value: t('slowQuerySeconds'), color: 'red' }] } }, { id: 'custom.cellOptions', value: { type: 'color-text' } }),
        ],
      }),
    )
    .withPanel(table(ctx, { title: { en: 'Printer errors now', zh: '当前打印机故障' }, queries: [{ expr: `${dev(m.printerError)} == 1` }], transformations: [hide([...['Time', 'job', 'instance', '__name__'], 'Value'])], noValue: { en: 'no printer error', zh: '无打印机故障' } }))
    .withPanel(
      timeseries(ctx, {
        title: { en: 'Supply levels', zh: '耗材余量' },
        unit: 'percentunit',
        min: 0,
        max: 1,
        thresholds: lowerIsWorse(t('supplyLowRatio')),
        queries: [{ expr: dev(m.printerSupplyLevel), legend: '{{printer}} {{supply}}' }],
        noValue: { en: 'no supply levels reported', zh: '未报告耗材余量' },
      }),
    )
    .withPanel(
      table(ctx, {
        title: { en: 'Expected USB devices', zh: '应连接的 USB 设备' },
        queries: [{ expr: dev(m.usbExpectedDevicePresent) }],
        transformations: [hide()],
        columns: [column(ctx, 'Value', { en: 'Attached', zh: '已连接' }, { id: 'mappings', value: valueText([[1, { en: 'attached', zh: '已连接' }, 'green'], [0, { en: 'missing', zh: '缺失' }, 'red']], ctx) }, { id: 'custom.cellOptions', value: { type: 'color-background' } })],
        noValue: { en: 'none expected, or USB not readable here', zh: '未配置或无法读取 USB' },
      }),
    )
    .withPanel(table(ctx, { title: { en: 'USB devices attached', zh: '已连接的 USB 设备' }, queries: [{ expr: dev(m.usbDevices) }], transformations: [hide()], columns: [column(ctx, 'Value', { en: 'Count', zh: '数量' })], noValue: notMeasured }));
}
