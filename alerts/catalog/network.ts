// network — "connection stable" vs "disconnects, latency or packet loss" (断线、延迟、丢包).
// Loss is computed from the agent's cumulative counters (lost / sent over a window), so a report that
// arrives late loses nothing and an agent restart (both counters back to 0) is a reset, not a loss.
// A target may carry its own limits (the core-banking link is held to a stricter standard than the
// internet); the agent exports them beside the values and the rules prefer them to these defaults.
import { m } from '../../protocol/metrics.js';
import { count, duration, milliseconds, ratio } from './threshold.js';
import { defineIndicator } from './types.js';

const target = ['target'] as const;

export const network = defineIndicator({
  id: 'network',
  title: { en: 'Network: disconnects, latency and packet loss', zh: '网络：断线、延迟与丢包' },
  thresholds: {
    lossRatio: ratio(0.05, 'Share of echo requests lost over lossWindow that counts as packet loss, for targets without a limit of their own'),
    lossWindow: duration('5m', 'Window over which the loss share is computed'),
    // A few lost pings in a burst are normal on Wi-Fi; sustained loss is what breaks a session.
    lossFor: duration('5m', 'How long the loss must stay above its limit'),
    rttHighMs: milliseconds(200, 'Mean round-trip time that counts as high latency, for targets without a limit of their own'),
    rttHighFor: duration('10m', 'How long the round-trip time must stay above its limit'),
    disconnectWindow: duration('2m', 'Window in which every echo request must have gone unanswered to count as a disconnect'),
    disconnectFor: duration('1m', 'How long a target must stay unanswered'),
    // Spare ports and a switched-off Wi-Fi card are down all day: only a link that was up lately alerts.
    linkDownWindow: duration('1d', 'A down link alerts only if it was up within this window'),
    linkDownFor: duration('1m', 'How long a link must stay down'),
    linkFlapWindow: duration('1h', 'Window in which link changes are counted'),
    linkFlapChanges: count(6, 'Link changes per window that count as an unstable link (three drops and recoveries)'),
    collectorWindow: duration('1h', 'Window in which the time the agent could not reach the collector is summed'),
    collectorUnreachable: duration('5m', 'Time without contact to the collector per window that raises a warning'),
  },
  alerts: [
    {
      name: 'StationwatchNetworkPacketLoss',
      severity: 'warning',
      condition: { kind: 'counterRatio', numerator: m.pingLost.name, denominator: m.pingSent.name, window: 'lossWindow', matchOn: target, op: '>', threshold: 'lossRatio', limitMetric: m.lossLimit.name },
      for: 'lossFor',
      summary: {
        en: '{{ $labels.device }} is losing packets to {{ $labels.target }}: {{ $value | humanizePercentage }} lost',
        zh: '{{ $labels.device }} 到 {{ $labels.target }} 的网络丢包：丢失 {{ $value | humanizePercentage }}',
      },
      description: {
        en: '{{ $labels.device }} at site {{ $labels.site }} has lost {{ $value | humanizePercentage }} of its echo requests to {{ $labels.target }} over %{lossWindow}, for %{lossFor} (the limit is the target\'s own, or %{lossRatio}).',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 到 {{ $labels.target }} 的探测包在 %{lossWindow} 内丢失 {{ $value | humanizePercentage }}，已持续 %{lossFor}（上限取该目标自身的设置，未设置时为 %{lossRatio}）。',
      },
    },
    {
      name: 'StationwatchNetworkLatencyHigh',
      severity: 'warning',
      condition: { kind: 'perSeriesLimit', metric: m.rttAvg.name, limitMetric: m.rttLimit.name, matchOn: target, op: '>', fallbackThreshold: 'rttHighMs' },
      for: 'rttHighFor',
      summary: {
        en: '{{ $labels.device }} has high latency to {{ $labels.target }}: {{ $value | humanizeDuration }} round trip',
        zh: '{{ $labels.device }} 到 {{ $labels.target }} 的网络延迟偏高：往返 {{ $value | humanizeDuration }}',
      },
      description: {
        en: 'The mean round-trip time from {{ $labels.device }} at site {{ $labels.site }} to {{ $labels.target }} has been above its limit for %{rttHighFor} (the target\'s own limit, or %{rttHighMs}).',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 到 {{ $labels.target }} 的平均往返时间已超过上限 %{rttHighFor}（上限取该目标自身的设置，未设置时为 %{rttHighMs}）。',
      },
    },
    {
      name: 'StationwatchNetworkDisconnected',
      severity: 'critical',
      condition: { kind: 'counterRatio', numerator: m.pingLost.name, denominator: m.pingSent.name, window: 'disconnectWindow', matchOn: target, op: '>=', threshold: 1 },
      for: 'disconnectFor',
      summary: {
        en: '{{ $labels.device }} cannot reach {{ $labels.target }}',
        zh: '{{ $labels.device }} 与 {{ $labels.target }} 之间网络中断',
      },
      description: {
        en: 'No echo request from {{ $labels.device }} at site {{ $labels.site }} to {{ $labels.target }} has been answered for %{disconnectWindow} (also when the name does not resolve or there is no route).',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 发往 {{ $labels.target }} 的探测包在 %{disconnectWindow} 内全部无应答（包括域名无法解析或无路由）。',
      },
    },
    {
      name: 'StationwatchNetworkLinkDown',
      severity: 'warning',
      // Structured conditions cannot say "down now but up within the window"; the escape hatch keeps
      // spare ports that were never connected quiet.
      condition: { kind: 'promql', expr: `${m.linkUp.name} == 0 and on(device, site, interface) max_over_time(${m.linkUp.name}[%{linkDownWindow}s]) == 1` },
      for: 'linkDownFor',
      summary: {
        en: 'The network link {{ $labels.interface }} of {{ $labels.device }} is down',
        zh: '{{ $labels.device }} 的网络连接 {{ $labels.interface }} 已断开',
      },
      description: {
        en: 'Interface {{ $labels.interface }} on {{ $labels.device }} at site {{ $labels.site }} lost its link (cable, switch port, Wi-Fi) and has stayed down for %{linkDownFor}.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 的网络接口 {{ $labels.interface }} 链路断开（网线、交换机端口或无线），已持续 %{linkDownFor}。',
      },
    },
    {
      name: 'StationwatchNetworkLinkFlapping',
      severity: 'warning',
      condition: { kind: 'increase', metric: m.linkChanges.name, window: 'linkFlapWindow', op: '>=', threshold: 'linkFlapChanges' },
      summary: {
        en: 'The network link {{ $labels.interface }} of {{ $labels.device }} keeps dropping',
        zh: '{{ $labels.device }} 的网络连接 {{ $labels.interface }} 频繁断开',
      },
      description: {
        en: 'Interface {{ $labels.interface }} on {{ $labels.device }} at site {{ $labels.site }} changed link state {{ $value }} times in %{linkFlapWindow} (%{linkFlapChanges} or more counts as unstable): a loose cable or a failing port.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 的网络接口 {{ $labels.interface }} 在 %{linkFlapWindow} 内链路状态变化 {{ $value }} 次（达到 %{linkFlapChanges} 次即视为不稳定）：网线松动或端口故障。',
      },
    },
    {
      name: 'StationwatchCollectorUnreachable',
      severity: 'warning',
      condition: { kind: 'increase', metric: m.collectorUnreachableSeconds.name, window: 'collectorWindow', op: '>=', threshold: 'collectorUnreachable' },
      summary: {
        en: '{{ $labels.device }} could not reach the monitoring collector for {{ $value | humanizeDuration }} in the last %{collectorWindow}',
        zh: '{{ $labels.device }} 在最近 %{collectorWindow} 内有 {{ $value | humanizeDuration }} 无法连接监控服务器',
      },
      description: {
        en: 'The agent on {{ $labels.device }} at site {{ $labels.site }} kept running but could not deliver its reports for {{ $value | humanizeDuration }} in %{collectorWindow}: the network between the branch and the collector was interrupted.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 上的代理一直在运行，但在 %{collectorWindow} 内有 {{ $value | humanizeDuration }} 无法上报数据：网点与监控服务器之间的网络曾中断。',
      },
    },
  ],
});
