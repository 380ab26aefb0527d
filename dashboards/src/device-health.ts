// Device detail rows: status, resources (CPU, memory, swap, filesystems), temperatures and fans,
// and stability (boots, hangs, unclean shutdowns). Thresholds are the catalog's, after overrides.
import { formatDuration } from '../../alerts/units.js';
import { collectorMetrics as cm } from '../../protocol/collector-metrics.js';
import { m } from '../../protocol/metrics.js';
import { BigValueTextMode } from '@grafana/grafana-foundation-sdk/common';
import { RowBuilder, type DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import type { Ctx } from './context.js';
import { column, hide, higherIsWorse, merge, notMeasured, stat, table, timeseries, valueText } from './panels.js';
import { sel } from './selectors.js';

const dev = (metric: string | { name: string }, ...extra: string[]) => sel(metric, 'device', ...extra);

export function statusRow(ctx: Ctx, d: DashboardBuilder): void {
  const yesNo = valueText([[1, { en: 'reporting', zh: '在线上报' }, 'green'], [0, { en: 'not reporting', zh: '未上报' }, 'red']], ctx);
  d.withRow(new RowBuilder(ctx.tr({ en: 'Status', zh: '状态' })))
    .withPanel(stat(ctx, { title: { en: 'Reporting', zh: '上报状态' }, queries: [{ expr: dev(cm.deviceReporting) }], mappings: yesNo, colorBackground: true }))
    .withPanel(stat(ctx, { title: { en: 'Last report', zh: '上次上报' }, unit: 's', queries: [{ expr: `time() - ${dev(cm.lastReport)}` }] }))
    .withPanel(stat(ctx, { title: { en: 'Up since boot', zh: '本次开机时长' }, unit: 's', queries: [{ expr: `time() - ${dev(m.bootTime)}` }] }))
    .withPanel(stat(ctx, { title: { en: 'Firing alerts', zh: '正在触发的告警' }, queries: [{ expr: `count(ALERTS{alertstate="firing", site=~"$site", device="$device"})` }], noValue: { en: 'none', zh: '无' }, thresholds: higherIsWorse(1), colorBackground: true }))
    .withPanel(
      stat(ctx, {
        title: { en: 'Clock offset', zh: '时钟偏差' },
        description: { en: 'Device clock minus collector clock when the last report was sent (positive: the device is ahead).', zh: '上次上报时设备时钟与采集器时钟之差（正数表示设备时钟偏快）。' },
        unit: 's',
        queries: [{ expr: dev(cm.clockOffset) }],
      }),
    )
    .withPanel(stat(ctx, { title: { en: 'Agent', zh: '代理版本' }, queries: [{ expr: dev(cm.agentInfo), legend: '{{version}} ({{platform}})' }], span: 4 }).textMode(BigValueTextMode.Name));
}

export function resourcesRow(ctx: Ctx, d: DashboardBuilder): void {
  const t = (key: string) => ctx.threshold('resources', key);
  d.withRow(new RowBuilder(ctx.indicatorTitle('resources')))
    .withPanel(timeseries(ctx, { title: { en: 'CPU busy', zh: 'CPU 使用率' }, unit: 'percentunit', min: 0, max: 1, thresholds: higherIsWorse(t('cpuHighRatio'), t('cpuCriticalRatio')), queries: [{ expr: dev(m.cpuUtilisation), legend: 'CPU' }] }))
    .withPanel(
      timeseries(ctx, {
        title: { en: 'Memory used by programs (cache excluded)', zh: '程序内存占用（不含缓存）' },
        unit: 'percentunit',
        min: 0,
        max: 1,
        thresholds: higherIsWorse(t('memoryHighRatio'), t('memoryCriticalRatio')),
        queries: [{ expr: dev(m.memoryUtilisation), legend: ctx.tr({ en: 'memory', zh: '内存' }) }],
      }),
    )
    .withPanel(
      timeseries(ctx, {
        title: { en: 'Swap in use', zh: '交换空间使用率' },
        unit: 'percentunit',
        min: 0,
        max: 1,
        thresholds: higherIsWorse(t('swapHighRatio')),
        // No swap configured: no ratio rather than 0 % of nothing.
        queries: [{ expr: `${dev(m.swapUsed)} / on(device, site) (${dev(m.swapTotal)} > 0)`, legend: 'swap' }],
        noValue: { en: 'no swap configured', zh: '未配置交换空间' },
      }),
    )
    .withPanel(timeseries(ctx, { title: { en: 'Load per core (1 min)', zh: '每核负载（1 分钟）' }, unit: 'none', min: 0, queries: [{ expr: dev('stationwatch:load1_per_core:ratio'), legend: 'load1 / cores' }], noValue: notMeasured }))
    .withPanel(
      timeseries(ctx, {
        title: { en: 'Filesystems used', zh: '文件系统使用率' },
        unit: 'percentunit',
        min: 0,
        max: 1,
        thresholds: higherIsWorse(t('filesystemHighRatio'), t('filesystemCriticalRatio')),
        queries: [{ expr: dev(m.fsUtilisation), legend: '{{mountpoint}}' }],
      }),
    )
    .withPanel(
      table(ctx, {
        title: { en: 'Filesystems', zh: '文件系统' },
        queries: [{ expr: dev(m.fsSize) }, { expr: dev(m.fsAvail) }, { expr: dev(m.fsUtilisation) }],
        transformations: [merge, hide()],
        columns: [
          column(ctx, 'Value #A', { en: 'Size', zh: '容量' }, { id: 'unit', value: 'bytes' }),
          column(ctx, 'Value #B', { en: 'Available', zh: '可用' }, { id: 'unit', value: 'bytes' }),
          column(ctx, 'Value #C', { en: 'Used', zh: '已用' }, { id: 'unit', value: 'percentunit' }, { id: 'custom.cellOptions', value: { type: 'color-text' } }),
        ],
        thresholds: higherIsWorse(t('filesystemHighRatio'), t('filesystemCriticalRatio')),
      }),
    );
}

export function thermalRow(ctx: Ctx, d: DashboardBuilder): void {
  const t = (key: string) => ctx.threshold('thermal', key);
  const critical = t('temperatureCriticalCelsius');
  d.withRow(new RowBuilder(ctx.indicatorTitle('thermal')))
    .withPanel(
      timeseries(ctx, {
        title: { en: 'Temperatures', zh: '温度' },
        description: {
          en: `Each sensor with the critical limit its hardware declares (dashed series). The bands are the catalog's fallback for sensors without one: warning from ${critical - t('temperatureWarningMarginCelsius')} °C, critical from ${critical} °C.`,
          zh: `各传感器温度及硬件自身声明的临界温度（虚线）。背景区间为未声明临界温度时的默认值：${critical - t('temperatureWarningMarginCelsius')} °C 起预警，${critical} °C 起严重。`,
        },
        unit: 'celsius',
        thresholds: higherIsWorse(critical - t('temperatureWarningMarginCelsius'), critical),
        queries: [
          { expr: dev(m.temperature), legend: '{{sensor}}' },
          { expr: dev(m.temperatureCritical), legend: ctx.tr({ en: '{{sensor}} critical limit', zh: '{{sensor}} 临界温度' }) },
        ],
        noValue: notMeasured,
      }),
    )
    .withPanel(timeseries(ctx, { title: { en: 'Fans', zh: '风扇转速' }, unit: 'rotrpm', min: 0, queries: [{ expr: dev(m.fanSpeed), legend: '{{fan}}' }], noValue: notMeasured }))
    .withPanel(
      timeseries(ctx, {
        title: { en: `CPU throttle events per ${formatDuration(t('throttleWindow'))}`, zh: `每 ${formatDuration(t('throttleWindow'))} CPU 过热降频次数` },
        unit: 'none',
        min: 0,
        thresholds: higherIsWorse(t('throttleEvents')),
        queries: [{ expr: `increase(${dev(m.throttleEvents)}[${formatDuration(t('throttleWindow'))}])`, legend: ctx.tr({ en: 'throttle events', zh: '降频次数' }) }],
        noValue: notMeasured,
      }),
    );
}

export function stabilityRow(ctx: Ctx, d: DashboardBuilder): void {
  const t = (key: string) => ctx.threshold('stability', key);
  const window = (key: string) => formatDuration(t(key));
  const inRange = (title: { en: string; zh: string }, metric: { name: string }) =>
    stat(ctx, { title, description: { en: 'In the selected time range.', zh: '所选时间范围内。' }, queries: [{ expr: `round(increase(${dev(metric)}[$__range]))` }], span: 4 });
  d.withRow(new RowBuilder(ctx.indicatorTitle('stability')))
    .withPanel(
      timeseries(ctx, {
        title: { en: `Boots, unclean shutdowns and freezes per ${window('rebootWindow')}`, zh: `每 ${window('rebootWindow')} 的开机、非正常关机与死机次数` },
        description: { en: 'Dashed: the catalog limit for frequent restarts.', zh: '虚线：频繁重启的目录阈值。' },
        unit: 'none',
        min: 0,
        thresholds: higherIsWorse(t('rebootsPerWindow')),
        queries: [
          { expr: `increase(${dev(m.boots)}[${window('rebootWindow')}])`, legend: ctx.tr({ en: 'boots', zh: '开机' }) },
          { expr: `increase(${dev(m.uncleanShutdowns)}[${window('uncleanShutdownWindow')}])`, legend: ctx.tr({ en: 'unclean shutdowns', zh: '非正常关机' }) },
          { expr: `increase(${dev(m.hangs)}[${window('hangCriticalWindow')}])`, legend: ctx.tr({ en: 'freezes', zh: '死机' }) },
        ],
      }),
    )
    .withPanel(timeseries(ctx, { title: { en: 'Time frozen', zh: '死机时长' }, unit: 's', min: 0, queries: [{ expr: `increase(${dev(m.hangSeconds)}[$__rate_interval])`, legend: ctx.tr({ en: 'frozen', zh: '死机' }) }] }))
    .withPanel(inRange({ en: 'Boots', zh: '开机次数' }, m.boots))
    .withPanel(inRange({ en: 'Unclean shutdowns', zh: '非正常关机' }, m.uncleanShutdowns))
    .withPanel(inRange({ en: 'Freezes', zh: '死机次数' }, m.hangs))
    .withPanel(inRange({ en: 'Sleeps', zh: '睡眠次数' }, m.suspends))
    .withPanel(inRange({ en: 'Clock jumps', zh: '时钟跳变' }, m.clockSteps))
    .withPanel(inRange({ en: 'Agent restarts', zh: '代理重启' }, m.agentRestarts))
    .withPanel(stat(ctx, { title: { en: 'Last unclean shutdown', zh: '最近一次非正常关机' }, unit: 'dateTimeFromNow', queries: [{ expr: `1000 * ${dev(m.lastUncleanShutdown)}` }], noValue: { en: 'never', zh: '无' }, span: 6 }))
    .withPanel(stat(ctx, { title: { en: 'Last freeze', zh: '最近一次死机' }, unit: 'dateTimeFromNow', queries: [{ expr: `1000 * ${dev(m.lastHang)}` }], noValue: { en: 'never', zh: '无' }, span: 6 }))
    .withPanel(stat(ctx, { title: { en: 'Displays attached', zh: '已连接显示器' }, queries: [{ expr: dev(m.displays) }], noValue: notMeasured, span: 6 }))
    .withPanel(stat(ctx, { title: { en: 'Probe failures', zh: '探针失败' }, queries: [{ expr: `count(${dev(cm.probeSuccess)} == 0) or (0 * count(${dev(cm.probeSuccess)}))` }], thresholds: higherIsWorse(1), span: 6 }));
}
