// availability — "system failure, network interruption" are named emergencies: a device that stops
// reporting is abnormal. The collector decides "stopped" (no report within the device's staleness
// window) and exposes it as stationwatch_device_reporting 1/0 for every known device, so a silent
// device is itself a series here rather than an absence.
//
// Office workstations are off at night and on holidays: the alert is gated on the collector's
// stationwatch_site_open{site} (per-site hours, time zone, holiday and 调休 calendar; 1 at
// all times where none are configured). SNMP devices (printers) follow their site's hours too.
import { collectorMetrics as cm } from '../../protocol/collector-metrics.js';
import { duration } from './threshold.js';
import { defineIndicator } from './types.js';

export const availability = defineIndicator({
  id: 'availability',
  title: { en: 'Device reporting', zh: '设备在线' },
  thresholds: {
    notReportingFor: duration('5m', 'How long a device must be silent, beyond its staleness window, before the alert'),
  },
  alerts: [
    {
      name: 'StationwatchDeviceNotReporting',
      severity: 'critical',
      condition: { kind: 'threshold', metric: cm.deviceReporting, op: '==', threshold: 0 },
      gate: { metric: cm.siteBusinessHours, on: ['site'] },
      for: 'notReportingFor',
      summary: {
        en: '{{ $labels.device }} has stopped reporting',
        zh: '{{ $labels.device }} 已停止上报',
      },
      description: {
        en: 'The collector has had no report from {{ $labels.device }} at site {{ $labels.site }} for more than %{notReportingFor} beyond its staleness window: it is off, crashed, or cut off from the network.',
        zh: '采集端超过 %{notReportingFor}（已扣除允许的延迟）未收到站点 {{ $labels.site }} 的设备 {{ $labels.device }} 的上报：设备可能已关机、崩溃或网络中断。',
      },
    },
  ],
  recordings: [
    {
      // Site overview panels count devices without repeating the per-device series in every query.
      record: 'stationwatch:site_devices_reporting:sum',
      expr: `sum by (site) (${cm.deviceReporting})`,
      help: 'Devices reporting per site (dashboards)',
    },
    {
      record: 'stationwatch:site_devices:count',
      expr: `count by (site) (${cm.deviceReporting})`,
      help: 'Devices known per site, reporting or not (dashboards)',
    },
  ],
});
