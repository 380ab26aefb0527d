// The charted series, said once: which metric (and which of its labels) makes each chart's lines,
// how a bucket aggregates it, the catalog thresholds drawn as lines, and the PromQL the Prometheus
// source asks for the same line. The writer (history/extract.ts), the embedded reader, the Prometheus
// source and the page all start from this table, so they cannot disagree on what a chart shows.
import type { Text } from '../../alerts/catalog/types.js';
import { m } from '../../protocol/metrics.js';
import { collectorMetrics as cm } from '../../protocol/collector-metrics.js';
import type { ChartUnit } from './api.js';

/**
 * How a chart's lines come from a report, and how a bucket keeps them:
 * - gauge: a sample's value (min/avg/max per bucket); `denominator`: value = metric / denominator
 *   (a denominator of 0 or below: not configured, no point — no swap is not 0 % swap).
 * - counter: the increase since the previous report of the same agent (a drop is a reset: the
 *   increase is the new value), summed per bucket; `denominator`: a second counter, and the chart
 *   shows sum(increase) / sum(increase of denominator) per step (lost / sent), none where it did not grow.
 * - state: one-of-n 1/0 series (`stateLabel` names which), kept as a code (`states`), last per bucket.
 * - age: now (the report's creation) minus a `_timestamp_seconds` gauge, as a gauge.
 * - clockOffset / reporting: the collector's own view (per report, per minute).
 */
export type ChartSource =
  | { kind: 'gauge'; metric: string; denominator?: string }
  | { kind: 'counter'; metric: string; denominator?: string }
  | { kind: 'state'; metric: string; stateLabel: string }
  | { kind: 'age'; metric: string }
  | { kind: 'clockOffset' }
  | { kind: 'reporting' };

/** How a stored line aggregates within a bucket. */
export type LineKind = 'gauge' | 'sum' | 'last';

export interface ChartThresholdDef {
  indicator: string;
  key: string;
  severity: 'warning' | 'critical';
  /** value = resolved(key) − resolved(minus) (thermal's warning band below the critical limit). */
  minus?: string;
}

export interface ChartDef {
  id: string;
  indicator: string;
  title: Text;
  unit: ChartUnit;
  source: ChartSource;
  /** The label whose values make the lines (filesystem: mountpoint); none: one line, key = chart id. */
  lineLabel?: string;
  thresholds: readonly ChartThresholdDef[];
  /** For states: code → name. */
  states?: readonly { value: number; name: string; label: Text }[];
}

const printerStates = [
  { value: 0, name: 'idle', label: { en: 'idle', zh: '空闲' } },
  { value: 1, name: 'processing', label: { en: 'printing', zh: '打印中' } },
  { value: 2, name: 'stopped', label: { en: 'stopped', zh: '已停止' } },
] as const;

const backupResults = [
  { value: 0, name: 'ok', label: { en: 'ok', zh: '正常' } },
  { value: 1, name: 'failed', label: { en: 'failed', zh: '失败' } },
  { value: 2, name: 'corrupt', label: { en: 'corrupt', zh: '已损坏' } },
  { value: 3, name: 'missing', label: { en: 'missing', zh: '缺失' } },
] as const;

export const charts: readonly ChartDef[] = [
  { id: 'cpu', indicator: 'resources', title: { en: 'CPU use', zh: 'CPU 使用率' }, unit: 'ratio', source: { kind: 'gauge', metric: m.cpuUtilisation.name }, thresholds: [{ indicator: 'resources', key: 'cpuHighRatio', severity: 'warning' }, { indicator: 'resources', key: 'cpuCriticalRatio', severity: 'critical' }] },
  { id: 'memory', indicator: 'resources', title: { en: 'Memory use', zh: '内存使用率' }, unit: 'ratio', source: { kind: 'gauge', metric: m.memoryUtilisation.name }, thresholds: [{ indicator: 'resources', key: 'memoryHighRatio', severity: 'warning' }, { indicator: 'resources', key: 'memoryCriticalRatio', severity: 'critical' }] },
  { id: 'swap', indicator: 'resources', title: { en: 'Swap use', zh: '交换空间使用率' }, unit: 'ratio', source: { kind: 'gauge', metric: m.swapUsed.name, denominator: m.swapTotal.name }, thresholds: [{ indicator: 'resources', key: 'swapHighRatio', severity: 'warning' }] },
  { id: 'filesystem', indicator: 'resources', title: { en: 'Disk use', zh: '磁盘使用率' }, unit: 'ratio', source: { kind: 'gauge', metric: m.fsUtilisation.name }, lineLabel: 'mountpoint', thresholds: [{ indicator: 'resources', key: 'filesystemHighRatio', severity: 'warning' }, { indicator: 'resources', key: 'filesystemCriticalRatio', severity: 'critical' }] },
  { id: 'temperature', indicator: 'thermal', title: { en: 'Temperature', zh: '温度' }, unit: 'celsius', source: { kind: 'gauge', metric: m.temperature.name }, lineLabel: 'sensor', thresholds: [{ indicator: 'thermal', key: 'temperatureCriticalCelsius', minus: 'temperatureWarningMarginCelsius', severity: 'warning' }, { indicator: 'thermal', key: 'temperatureCriticalCelsius', severity: 'critical' }] },
  { id: 'throttling', indicator: 'thermal', title: { en: 'CPU throttle events', zh: 'CPU 降频次数' }, unit: 'count', source: { kind: 'counter', metric: m.throttleEvents.name }, thresholds: [] },
  { id: 'ping_loss', indicator: 'network', title: { en: 'Packet loss', zh: '丢包率' }, unit: 'ratio', source: { kind: 'counter', metric: m.pingLost.name, denominator: m.pingSent.name }, lineLabel: 'target', thresholds: [{ indicator: 'network', key: 'lossRatio', severity: 'warning' }] },
  { id: 'ping_rtt', indicator: 'network', title: { en: 'Round-trip time', zh: '往返延迟' }, unit: 'seconds', source: { kind: 'gauge', metric: m.rttAvg.name }, lineLabel: 'target', thresholds: [{ indicator: 'network', key: 'rttHighMs', severity: 'warning' }] },
  { id: 'ping_jitter', indicator: 'network', title: { en: 'Jitter', zh: '抖动' }, unit: 'seconds', source: { kind: 'gauge', metric: m.jitter.name }, lineLabel: 'target', thresholds: [] },
  { id: 'printer_state', indicator: 'peripherals', title: { en: 'Printer state', zh: '打印机状态' }, unit: 'state', source: { kind: 'state', metric: m.printerState.name, stateLabel: 'state' }, lineLabel: 'printer', thresholds: [], states: printerStates },
  { id: 'printer_queue', indicator: 'peripherals', title: { en: 'Print queue', zh: '打印队列' }, unit: 'count', source: { kind: 'gauge', metric: m.printerQueueJobs.name }, lineLabel: 'printer', thresholds: [] },
  { id: 'printer_oldest_job', indicator: 'peripherals', title: { en: 'Oldest print job', zh: '最早打印任务等待时长' }, unit: 'seconds', source: { kind: 'gauge', metric: m.printerOldestJobAge.name }, lineLabel: 'printer', thresholds: [{ indicator: 'peripherals', key: 'stuckJobAge', severity: 'warning' }] },
  { id: 'backup_result', indicator: 'backup', title: { en: 'Latest backup result', zh: '最近备份结果' }, unit: 'state', source: { kind: 'state', metric: m.backupLastResult.name, stateLabel: 'result' }, lineLabel: 'backup_job', thresholds: [], states: backupResults },
  { id: 'backup_age', indicator: 'backup', title: { en: 'Age of the latest verified backup', zh: '最近一次验证通过的备份距今' }, unit: 'seconds', source: { kind: 'age', metric: m.backupLastSuccess.name }, lineLabel: 'backup_job', thresholds: [{ indicator: 'backup', key: 'maxAgeFallback', severity: 'warning' }] },
  { id: 'failed_logins', indicator: 'security', title: { en: 'Failed logins', zh: '登录失败次数' }, unit: 'count', source: { kind: 'counter', metric: m.failedLogins.name }, thresholds: [] },
  { id: 'clock_offset', indicator: 'clock', title: { en: 'Clock offset', zh: '时钟偏差' }, unit: 'seconds', source: { kind: 'clockOffset' }, thresholds: [{ indicator: 'clock', key: 'clockOffsetMax', severity: 'warning' }] },
  { id: 'reporting', indicator: 'availability', title: { en: 'Reporting', zh: '上报情况' }, unit: 'ratio', source: { kind: 'reporting' }, thresholds: [] },
];

export function chartById(id: string): ChartDef | undefined {
  return charts.find((c) => c.id === id);
}

/** The stored lines of a chart's line (counter ratios keep numerator and denominator apart). */
export function storedKinds(c: ChartDef): { suffix: '' | '/n' | '/d'; kind: LineKind }[] {
  switch (c.source.kind) {
    case 'counter':
      return c.source.denominator ? [{ suffix: '/n', kind: 'sum' }, { suffix: '/d', kind: 'sum' }] : [{ suffix: '', kind: 'sum' }];
    case 'state':
      return [{ suffix: '', kind: 'last' }];
    default:
      return [{ suffix: '', kind: 'gauge' }];
  }
}

/** A stored line's key: chart id, the line's label value, and which part of a ratio. */
export const storedKey = (chart: string, line: string, suffix = '') => `${chart}${suffix}\u0001${line}`;

export function parseStoredKey(key: string): { chart: string; line: string; suffix: '' | '/n' | '/d' } {
  const i = key.indexOf('\u0001');
  const head = key.slice(0, i);
  const suffix = head.endsWith('/n') ? '/n' : head.endsWith('/d') ? '/d' : '';
  return { chart: suffix ? head.slice(0, -2) : head, line: key.slice(i + 1), suffix };
}

/** The collector's own clock-offset series (Prometheus source). */
export const clockOffsetMetric = cm.clockOffset;
export const reportingMetric = cm.deviceReporting;
