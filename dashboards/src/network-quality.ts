// Network quality: packet loss and latency per site and per target, and the worst devices. The
// "devices affected" panel tells one bad desk (one device of twenty: 5 %) apart from a site-wide
// outage (most devices of the site at once: the router, the uplink or the core server).
import { formatDuration } from '../../alerts/units.js';
import { m } from '../../protocol/metrics.js';
import { RowBuilder, type DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { baseDashboard, deviceLink } from './base.js';
import type { Ctx } from './context.js';
import { lossExpr } from './device-connectivity.js';
import { column, hide, higherIsWorse, table, timeseries } from './panels.js';
import { sel } from './selectors.js';

const link = (ctx: Ctx) => column(ctx, 'device', undefined, { id: 'links', value: [deviceLink(ctx)] });

export function networkQuality(ctx: Ctx): DashboardBuilder {
  const t = (key: string) => ctx.threshold('network', key);
  const lossWindow = formatDuration(t('lossWindow'));
  const d = baseDashboard(ctx, 'network', { en: 'stationwatch · Network quality', zh: 'stationwatch · 网络质量' }, 'fleet');

  d.withRow(new RowBuilder(ctx.tr({ en: 'Per site', zh: '按站点' })))
    .withPanel(
      timeseries(ctx, {
        title: { en: 'Devices with packet loss, share per site', zh: '各站点出现丢包的设备占比' },
        description: {
          en: `Share of a site's measuring devices that lost more than ${t('lossRatio') * 100} % of their echo requests over ${lossWindow} to any target. A low share is one bad desk (its cable, its Wi-Fi); most of the site at once is a site-wide outage (router, uplink, core server).`,
          zh: `站点内在 ${lossWindow} 内对任一目标丢包率超过 ${t('lossRatio') * 100}% 的设备占比。占比低说明是个别工位（网线、Wi-Fi）的问题；大部分设备同时丢包则是全站故障（路由器、上联线路或核心服务器）。`,
        },
        unit: 'percentunit',
        min: 0,
        max: 1,
        thresholds: higherIsWorse(0.5),
        queries: [{ expr: `avg by (site) (max by (device, site) ((${lossExpr('fleet', 'device, site, target', lossWindow)}) > bool ${t('lossRatio')}))`, legend: '{{site}}' }],
      }),
    )
    .withPanel(
      timeseries(ctx, {
        title: { en: 'Packet loss per site', zh: '各站点丢包率' },
        unit: 'percentunit',
        min: 0,
        max: 1,
        thresholds: higherIsWorse(t('lossRatio')),
        queries: [{ expr: lossExpr('fleet', 'site', '$__rate_interval'), legend: '{{site}}' }],
      }),
    )
    .withPanel(
      timeseries(ctx, {
        title: { en: 'Mean round-trip time per site', zh: '各站点平均往返时延' },
        unit: 's',
        min: 0,
        thresholds: higherIsWorse(t('rttHighMs')),
        queries: [{ expr: `avg by (site) (${sel(m.rttAvg, 'fleet')})`, legend: '{{site}}' }],
      }),
    )
    .withPanel(
      timeseries(ctx, {
        title: { en: 'Jitter per site', zh: '各站点抖动' },
        unit: 's',
        min: 0,
        queries: [{ expr: `avg by (site) (${sel(m.jitter, 'fleet')})`, legend: '{{site}}' }],
      }),
    );

  d.withRow(new RowBuilder(ctx.tr({ en: 'Per target', zh: '按目标' })))
    .withPanel(
      timeseries(ctx, {
        title: { en: 'Packet loss per site and target', zh: '各站点到各目标的丢包率' },
        unit: 'percentunit',
        min: 0,
        max: 1,
        thresholds: higherIsWorse(t('lossRatio')),
        queries: [{ expr: lossExpr('fleet', 'site, target', '$__rate_interval'), legend: '{{site}} → {{target}}' }],
      }),
    )
    .withPanel(
      timeseries(ctx, {
        title: { en: 'Mean round-trip time per site and target', zh: '各站点到各目标的平均往返时延' },
        unit: 's',
        min: 0,
        thresholds: higherIsWorse(t('rttHighMs')),
        queries: [{ expr: `avg by (site, target) (${sel(m.rttAvg, 'fleet')})`, legend: '{{site}} → {{target}}' }],
      }),
    );

  d.withRow(new RowBuilder(ctx.tr({ en: 'Worst devices in the time range', zh: '所选时间范围内最差的设备' })))
    .withPanel(
      table(ctx, {
        title: { en: 'Highest packet loss', zh: '丢包率最高' },
        queries: [{ expr: `topk(10, ${lossExpr('fleet', 'device, site, target', '$__range')})` }],
        transformations: [hide()],
        columns: [link(ctx), column(ctx, 'Value', { en: 'Loss', zh: '丢包率' }, { id: 'unit', value: 'percentunit' }, { id: 'custom.cellOptions', value: { type: 'color-text' } })],
        thresholds: higherIsWorse(t('lossRatio')),
      }),
    )
    .withPanel(
      table(ctx, {
        title: { en: 'Highest round-trip time', zh: '往返时延最高' },
        queries: [{ expr: `topk(10, max by (device, site, target) (max_over_time(${sel(m.rttAvg, 'fleet')}[$__range])))` }],
        transformations: [hide()],
        columns: [link(ctx), column(ctx, 'Value', { en: 'Worst mean RTT', zh: '最差平均时延' }, { id: 'unit', value: 's' }, { id: 'custom.cellOptions', value: { type: 'color-text' } })],
        thresholds: higherIsWorse(t('rttHighMs')),
      }),
    )
    .withPanel(
      table(ctx, {
        title: { en: 'Most link changes', zh: '链路变化最多' },
        queries: [{ expr: `topk(10, sum by (device, site) (increase(${sel(m.linkChanges, 'fleet')}[$__range])))` }],
        transformations: [hide()],
        columns: [link(ctx), column(ctx, 'Value', { en: 'Link changes', zh: '链路变化次数' }, { id: 'decimals', value: 0 })],
      }),
    )
    .withPanel(
      table(ctx, {
        title: { en: 'Longest without the collector', zh: '无法连接采集器时间最长' },
        queries: [{ expr: `topk(10, sum by (device, site) (increase(${sel(m.collectorUnreachableSeconds, 'fleet')}[$__range])))` }],
        transformations: [hide()],
        columns: [link(ctx), column(ctx, 'Value', { en: 'Unreachable', zh: '无法连接时长' }, { id: 'unit', value: 's' })],
      }),
    );
  return d;
}
