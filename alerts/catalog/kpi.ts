// kpi — the quarterly post assessment (考核) scores devices and sites by system failure rate
// (系统故障率) and backup success rate (数据备份成功率). Recording rules only; the backup success rate
// lives with the backup indicator, which owns its counters.
//
// System failure rate = the share of business-hours device time in an abnormal state, where abnormal
// means a firing alert of one of the six core indicators, or the device not reporting while its site
// is open. Time outside business hours is left out of both numerator and denominator: a counter PC
// that is switched off at night is neither failing nor proving itself healthy.
import { collectorMetrics as cm } from '../../protocol/collector-metrics.js';
import { defineIndicator } from './types.js';

/** Indicators whose alerts count as a system failure for the assessment. */
export const failureIndicators = ['thermal', 'stability', 'peripherals', 'network', 'resources', 'backup', 'availability'] as const;

const abnormal = `max by (device, site) (ALERTS{alertstate="firing", indicator=~"${failureIndicators.join('|')}"})`;
const windows = [
  ['1d', 'day'],
  ['7d', 'week'],
  ['90d', 'quarter'],
] as const;

export const kpi = defineIndicator({
  id: 'kpi',
  title: { en: 'Assessment figures', zh: '考核指标' },
  thresholds: {},
  alerts: [],
  recordings: [
    {
      record: 'stationwatch:device_abnormal:bool',
      // 1 while abnormal, 0 while normal, absent outside business hours; every known device has a value.
      expr: `(${abnormal} or on(device, site) (max by (device, site) (${cm.deviceReporting}) * 0)) and on(site) (max by (site) (${cm.siteBusinessHours}) == 1)`,
      help: 'Whether the device is in an abnormal state (business hours only)',
    },
    ...windows.map(([w, name]) => ({
      record: `stationwatch:device_failure_ratio:avg_${w}`,
      expr: `avg_over_time(stationwatch:device_abnormal:bool[${w}])`,
      help: `System failure rate per device over the last ${name}`,
    })),
    ...windows.map(([w, name]) => ({
      record: `stationwatch:site_failure_ratio:avg_${w}`,
      expr: `avg by (site) (stationwatch:device_failure_ratio:avg_${w})`,
      help: `System failure rate per site over the last ${name} (mean of its devices)`,
    })),
  ],
});
