// Peripherals across the fleet: print queues of workstations (CUPS, the Windows spooler) and network
// printers polled over SNMP share the same series, so one table shows both; stuck queues, printer
// errors, supplies running low, scanners and expected USB devices.
import { formatDuration } from '../../alerts/units.js';
import { m } from '../../protocol/metrics.js';
import { RowBuilder, type DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { baseDashboard, deviceLink } from './base.js';
import type { Ctx } from './context.js';
import { column, hide, higherIsWorse, lowerIsWorse, merge, stat, table, valueText } from './panels.js';
import { sel } from './selectors.js';

export function peripherals(ctx: Ctx): DashboardBuilder {
  const t = (key: string) => ctx.threshold('peripherals', key);
  const link = column(ctx, 'device', undefined, { id: 'links', value: [deviceLink(ctx)] });
  const yesNo = valueText([[1, { en: 'yes', zh: '是' }, 'green'], [0, { en: 'no', zh: '否' }, 'red']], ctx);
  const countOrZero = (expr: string, of: string) => `count(${expr}) or (0 * count(${of}))`;
  const d = baseDashboard(ctx, 'peripherals', { en: 'stationwatch · Peripherals', zh: 'stationwatch · 外设' }, 'fleet');

  d.withRow(new RowBuilder(ctx.tr({ en: 'Printers', zh: '打印机' })))
    .withPanel(stat(ctx, { title: { en: 'Print services not answering', zh: '无响应的打印服务' }, queries: [{ expr: `sum(1 - ${sel(m.printServiceUp, 'fleet')})` }], thresholds: higherIsWorse(1), colorBackground: true }))
    .withPanel(stat(ctx, { title: { en: 'Printers stopped', zh: '已停止的打印机' }, queries: [{ expr: countOrZero(`${sel(m.printerState, 'fleet', 'state="stopped"')} == 1`, sel(m.printerState, 'fleet')) }], thresholds: higherIsWorse(1), colorBackground: true }))
    .withPanel(stat(ctx, { title: { en: 'Printers with an error', zh: '有故障的打印机' }, queries: [{ expr: `count(count by (device, printer) (${sel(m.printerError, 'fleet')} == 1)) or (0 * count(${sel(m.printerState, 'fleet')}))` }], thresholds: higherIsWorse(1), colorBackground: true }))
    .withPanel(stat(ctx, { title: { en: `Queues stuck (a job older than ${formatDuration(t('stuckJobAge'))})`, zh: `阻塞的队列（作业等待超过 ${formatDuration(t('stuckJobAge'))}）` }, queries: [{ expr: countOrZero(`${sel(m.printerOldestJobAge, 'fleet')} > ${t('stuckJobAge')}`, sel(m.printerOldestJobAge, 'fleet')) }], thresholds: higherIsWorse(1), colorBackground: true }))
    .withPanel(stat(ctx, { title: { en: `Supplies below ${t('supplyLowRatio') * 100} %`, zh: `低于 ${t('supplyLowRatio') * 100}% 的耗材` }, queries: [{ expr: countOrZero(`${sel(m.printerSupplyLevel, 'fleet')} < ${t('supplyLowRatio')}`, sel(m.printerSupplyLevel, 'fleet')) }], thresholds: higherIsWorse(1), colorBackground: true }))
    .withPanel(stat(ctx, { title: { en: 'SNMP devices not answering', zh: '无响应的 SNMP 设备' }, queries: [{ expr: `sum(1 - ${sel(m.snmpUp, 'fleet')})` }], thresholds: higherIsWorse(1), colorBackground: true, noValue: { en: 'none polled', zh: '未轮询' } }))
    .withPanel(
      table(ctx, {
        title: { en: 'All printers', zh: '全部打印机' },
        description: { en: 'Workstation print queues and network printers polled over SNMP.', zh: '工作站打印队列与通过 SNMP 轮询的网络打印机。' },
        span: 24,
        height: 10,
        queries: [
          { expr: `${sel(m.printerState, 'fleet')} == 1` },
          { expr: sel(m.printerAcceptingJobs, 'fleet') },
          { expr: sel(m.printerQueueJobs, 'fleet') },
          { expr: sel(m.printerOldestJobAge, 'fleet') },
        ],
        transformations: [merge, hide()],
        columns: [
          link,
          column(ctx, 'Value #A', undefined, { id: 'custom.hidden', value: true }),
          column(ctx, 'state', { en: 'State', zh: '状态' }, { id: 'mappings', value: valueText([['idle', { en: 'idle', zh: '空闲' }, 'green'], ['processing', { en: 'printing', zh: '打印中' }, 'blue'], ['stopped', { en: 'stopped', zh: '已停止' }, 'red']], ctx) }, { id: 'custom.cellOptions', value: { type: 'color-text' } }),
          column(ctx, 'Value #B', { en: 'Accepting jobs', zh: '接受作业' }, { id: 'mappings', value: yesNo }),
          column(ctx, 'Value #C', { en: 'Jobs waiting', zh: '待打印作业' }),
          column(ctx, 'Value #D', { en: 'Oldest job', zh: '最早作业等待' }, { id: 'unit', value: 's' }, { id: 'thresholds', value: { mode: 'absolute', steps: [{ value: null, color: 'green' }, { value: t('stuckJobAge'), color: 'red' }] } }, { id: 'custom.cellOptions', value: { type: 'color-text' } }),
        ],
      }),
    )
    .withPanel(table(ctx, { title: { en: 'Printer errors now', zh: '当前打印机故障' }, queries: [{ expr: `${sel(m.printerError, 'fleet')} == 1` }], transformations: [hide([...['Time', 'job', 'instance', '__name__'], 'Value'])], columns: [link], noValue: { en: 'no printer error', zh: '无打印机故障' } }))
    .withPanel(
      table(ctx, {
        title: { en: 'Supplies, lowest first', zh: '耗材余量（由低到高）' },
        queries: [{ expr: `bottomk(20, ${sel(m.printerSupplyLevel, 'fleet')})` }],
        transformations: [hide()],
        columns: [link, column(ctx, 'Value', { en: 'Level', zh: '余量' }, { id: 'unit', value: 'percentunit' }, { id: 'custom.cellOptions', value: { type: 'color-background' } })],
        thresholds: lowerIsWorse(t('supplyLowRatio')),
        noValue: { en: 'no printer reports supply levels', zh: '没有打印机报告耗材余量' },
      }),
    )
    // Supplies the printer lists without a level (−3 some remaining, −2 unknown, −1 other): their
    // state, so "some toner left" is not mistaken for "no data" or for a level.
    .withPanel(table(ctx, { title: { en: 'Supplies without a level', zh: '无余量数值的耗材' }, queries: [{ expr: `${sel(m.printerSupplyState, 'fleet')} == 1` }], transformations: [hide([...['Time', 'job', 'instance', '__name__'], 'Value'])], columns: [link], noValue: { en: 'every listed supply reports a level', zh: '所有耗材都报告了余量' } }));

  d.withRow(new RowBuilder(ctx.tr({ en: 'Scanners and USB devices', zh: '扫描仪与 USB 设备' })))
    .withPanel(
      table(ctx, {
        title: { en: 'Scanners found / expected', zh: '扫描仪 已找到 / 应有' },
        queries: [{ expr: sel(m.scannersDetected, 'fleet') }, { expr: sel(m.scannersExpected, 'fleet') }],
        transformations: [merge, hide()],
        columns: [link, column(ctx, 'Value #A', { en: 'Found', zh: '已找到' }), column(ctx, 'Value #B', { en: 'Expected', zh: '应有' })],
      }),
    )
    .withPanel(
      table(ctx, {
        title: { en: 'Expected USB devices', zh: '应连接的 USB 设备' },
        queries: [{ expr: sel(m.usbExpectedDevicePresent, 'fleet') }],
        transformations: [hide()],
        columns: [link, column(ctx, 'Value', { en: 'Attached', zh: '已连接' }, { id: 'mappings', value: valueText([[1, { en: 'attached', zh: '已连接' }, 'green'], [0, { en: 'missing', zh: '缺失' }, 'red']], ctx) }, { id: 'custom.cellOptions', value: { type: 'color-background' } })],
        noValue: { en: 'no device expects USB devices', zh: '没有设备配置应连接的 USB 设备' },
      }),
    );
  return d;
}
