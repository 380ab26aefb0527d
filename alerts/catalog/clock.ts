// clock — operation logs must record the time of every operation; backups and events are judged by
// their timestamps. Two views of one problem: the offset the collector measures on every report
// (send time on the device clock vs receive time on the collector's, so it includes a few
// milliseconds of transit), and the OS's own word on whether it is synchronised.
import { collectorMetrics as cm } from '../../protocol/collector-metrics.js';
import { m } from '../../protocol/metrics.js';
import { duration } from './threshold.js';
import { defineIndicator } from './types.js';

export const clock = defineIndicator({
  id: 'clock',
  title: { en: 'Clock accuracy', zh: '系统时间准确性' },
  thresholds: {
    clockOffsetMax: duration('1m', 'Difference between the device clock and the collector clock that counts as wrong time'),
    clockOffsetFor: duration('10m', 'How long the offset must stay above its limit'),
    // Time sync may take a while after switching on, and the probe reads every 10 minutes.
    unsynchronizedFor: duration('2h', 'How long the OS must report its clock unsynchronised'),
  },
  alerts: [
    {
      name: 'StationwatchClockOffset',
      severity: 'warning',
      condition: { kind: 'promql', expr: `abs(${cm.clockOffset}) > %{clockOffsetMax}` },
      for: 'clockOffsetFor',
      summary: {
        en: 'The clock of {{ $labels.device }} is off by {{ $value | humanizeDuration }}',
        zh: '{{ $labels.device }} 的系统时间偏差 {{ $value | humanizeDuration }}',
      },
      description: {
        en: 'The clock on {{ $labels.device }} at site {{ $labels.site }} has differed from the collector\'s by more than %{clockOffsetMax} for %{clockOffsetFor}: times in its logs and receipts are wrong.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 的时间与采集服务器相差超过 %{clockOffsetMax}，已持续 %{clockOffsetFor}，其日志和凭证上的时间不准确。',
      },
    },
    {
      name: 'StationwatchClockNotSynchronized',
      severity: 'warning',
      condition: { kind: 'threshold', metric: m.clockSynchronized.name, op: '==', threshold: 0 },
      for: 'unsynchronizedFor',
      summary: {
        en: 'The clock of {{ $labels.device }} is not synchronised to a time server',
        zh: '{{ $labels.device }} 的系统时间未与时间服务器同步',
      },
      description: {
        en: 'The operating system on {{ $labels.device }} at site {{ $labels.site }} has reported its clock unsynchronised for %{unsynchronizedFor}: it will drift away from the correct time.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 的操作系统已报告时间未同步 %{unsynchronizedFor}，时间会逐渐偏离。',
      },
    },
  ],
});
