// collector — the health of stationwatch's collector itself. If Prometheus cannot scrape it, every
// device's series vanish at once and no device alert can fire: that silence must itself page. And a
// collector that keeps refusing reports (wrong tokens, invalid reports) is blind to those devices.
// These alerts concern the collector, not a device: they carry the scrape's `job` and `instance`
// instead of `device` and `site`.
import { collectorMetrics as cm } from '../../protocol/collector-metrics.js';
import { count, duration } from './threshold.js';
import { defineIndicator } from './types.js';

/** The README's scrape configurations name the collector's jobs stationwatch / stationwatch-collector. */
const collectorJobs = 'stationwatch|stationwatch-collector';

export const collector = defineIndicator({
  id: 'collector',
  title: { en: 'Collector health', zh: '采集端自身状态' },
  thresholds: {
    collectorDownFor: duration('2m', 'How long Prometheus must fail to scrape the collector'),
    refusedWindow: duration('15m', 'Window in which refused reports are counted'),
    refusedReports: count(20, 'Refused reports per window (wrong token, invalid report, too large) that need a look'),
  },
  alerts: [
    {
      name: 'StationwatchCollectorDown',
      severity: 'critical',
      condition: { kind: 'promql', expr: `up{job=~"${collectorJobs}"} == 0` },
      for: 'collectorDownFor',
      summary: {
        en: 'The stationwatch collector {{ $labels.instance }} cannot be reached: no device is monitored',
        zh: 'stationwatch 采集端 {{ $labels.instance }} 无法访问：所有设备均未被监控',
      },
      description: {
        en: 'Prometheus has failed to scrape the collector {{ $labels.instance }} (job {{ $labels.job }}) for %{collectorDownFor}. Agents keep their reports and resend them, but no alert about any device can fire until it is back.',
        zh: 'Prometheus 已连续 %{collectorDownFor}无法抓取采集端 {{ $labels.instance }}（任务 {{ $labels.job }}）。各代理会保留并重发上报，但在其恢复前任何设备的告警都无法触发。',
      },
    },
    {
      name: 'StationwatchCollectorRefusingReports',
      severity: 'warning',
      condition: { kind: 'promql', expr: `sum by (job, instance, result) (increase(${cm.reportsReceived}{result=~"unauthorized|wrong_device|invalid|invalid_json|body_too_large|unsupported_media_type"}[%{refusedWindow:range}])) >= %{refusedReports}` },
      summary: {
        en: 'The collector {{ $labels.instance }} refused {{ $value | printf "%.0f" }} reports ({{ $labels.result }}) in %{refusedWindow}',
        zh: '采集端 {{ $labels.instance }} 在 %{refusedWindow} 内拒收了 {{ $value | printf "%.0f" }} 份上报（{{ $labels.result }}）',
      },
      description: {
        en: 'Reports are being refused as {{ $labels.result }}: an agent with a wrong or revoked token, a mismatched agent version, or someone probing the collector. The devices behind them are not monitored.',
        zh: '上报因 {{ $labels.result }} 被拒收：可能是代理令牌错误或已吊销、代理版本不匹配，或有人在试探采集端。相关设备目前未被监控。',
      },
    },
  ],
});
