// The six core indicators of the procedure's table (正常状态指标 / 异常现象) as the fleet overview shows
// them per device: abnormal while one of the indicator's catalog alerts fires, otherwise normal when
// the device measures the indicator, unavailable when its agent reported the sensor as absent, and
// empty when the device sends nothing for it (not configured, or the device is not reporting).
import { collectorMetrics as cm } from '../../protocol/collector-metrics.js';
import { m } from '../../protocol/metrics.js';
import type { Ctx } from './context.js';
import { valueText } from './panels.js';
import type { Scope } from './selectors.js';

export interface CoreIndicator {
  readonly id: string;
  /** Any of these measured (stationwatch_metric_available 1) means the indicator is measured. */
  readonly measuredBy: readonly { readonly name: string }[];
}

export const coreIndicators: readonly CoreIndicator[] = [
  { id: 'thermal', measuredBy: [m.temperature, m.fanSpeed] },
  { id: 'stability', measuredBy: [m.boots, m.hangs] },
  { id: 'peripherals', measuredBy: [m.printServiceUp, m.printerState, m.scannersDetected, m.usbExpectedDevicePresent] },
  { id: 'network', measuredBy: [m.pingSent, m.linkUp] },
  { id: 'resources', measuredBy: [m.cpuUtilisation, m.memoryUtilisation] },
  { id: 'backup', measuredBy: [m.backupRuns, m.backupLastResult] },
];

/** Cell values: 1 normal, 2 abnormal, 3 unavailable (a code with a text, never a measurement). */
export const state = { normal: 1, abnormal: 2, unavailable: 3 } as const;

export function stateMappings(ctx: Ctx) {
  return valueText(
    [
      [state.normal, { en: 'normal', zh: '正常' }, 'green'],
      [state.abnormal, { en: 'abnormal', zh: '异常' }, 'red'],
      [state.unavailable, { en: 'unavailable', zh: '无法测量' }, 'text'],
    ],
    ctx,
  );
}

function matchers(scope: Scope): string {
  return scope === 'fleet' ? 'site=~"$site"' : 'site=~"$site", device="$device"';
}

/** One value per device: the indicator's state code. */
export function indicatorStateExpr(indicator: CoreIndicator, scope: Scope): string {
  const s = matchers(scope);
  const firing = `2 * max by (device, site) (ALERTS{alertstate="firing", indicator="${indicator.id}", ${s}})`;
  const names = indicator.measuredBy.map((d) => d.name).join('|');
  // available is 1 when any listed metric is measured, 0 when all are reported absent: 3 - 2x → 1 or 3.
  const measured = `(3 - 2 * max by (device, site) (${cm.metricAvailable}{metric=~"${names}", ${s}}))`;
  return `${firing} or on(device, site) ${measured}`;
}
