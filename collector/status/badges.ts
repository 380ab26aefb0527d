// One badge per indicator and device, from the catalog evaluator's alerts: abnormal while one of the
// indicator's alerts fires for the device; not reporting when the device is silent (for indicators
// the device's own reports feed — inspections are known to the collector regardless);
// unavailable when none of the metrics the indicator's alerts read exists for the device (the sensor
// is absent, or the agent reported it unavailable); normal otherwise.
import type { AlertInstance, Series } from '../../alerts/evaluate.js';
import { conditionInputs } from '../../alerts/evaluate-conditions.js';
import type { Indicator } from '../../alerts/catalog/types.js';
import type { DeviceRecord } from '../device-store.js';
import { collectorMetrics as cm } from '../../protocol/collector-metrics.js';
import type { BadgeState } from '../store/store.js';

export type { BadgeState } from '../store/store.js';

export interface Badge {
  indicator: string;
  state: BadgeState;
  severity?: 'warning' | 'critical';
  firing: AlertInstance[];
  pending: AlertInstance[];
}

/** Series from the collector's own store: they mean the same whether or not the device reports. */
const storeMetrics = new Set<string>([cm.inspectionAge, cm.inspectionLast, cm.inspectionLastFault, cm.deviceFirstSeen, cm.deviceMaintenance]);

/** Every metric the indicator's alerts read, including the optional per-series limits. */
export function indicatorMetrics(indicator: Indicator): string[] {
  const out = new Set<string>();
  for (const a of indicator.alerts) {
    const { instant, counters } = conditionInputs(a.condition);
    for (const m of [...instant, ...counters]) out.add(m);
    if (a.condition.kind === 'perSeriesLimit' || a.condition.kind === 'age' || (a.condition.kind === 'counterRatio' && a.condition.limitMetric)) out.add(a.condition.limitMetric!);
  }
  return [...out];
}

/** Indicators that get a badge: those with alerts the status page can evaluate. */
export function badgeIndicators(catalog: readonly Indicator[]): Indicator[] {
  return catalog.filter((i) => i.alerts.some((a) => a.condition.kind !== 'promql'));
}

/** What deciding an indicator's badge needs from its catalog entry, worked out once per indicator. */
interface BadgeInputs {
  inputs: string[];
  storeOnly: boolean;
}
const badgeInputs = new WeakMap<Indicator, BadgeInputs>();
function inputsOf(indicator: Indicator): BadgeInputs {
  let b = badgeInputs.get(indicator);
  if (!b) {
    const inputs = indicator.alerts.filter((a) => a.condition.kind !== 'promql').flatMap((a) => Object.values(conditionInputs(a.condition)).flat());
    badgeInputs.set(indicator, (b = { inputs, storeOnly: inputs.every((m) => storeMetrics.has(m)) }));
  }
  return b;
}

/** Whether the indicator's badge depends on the device's reports (not only on what the collector's store knows). */
export function readsReports(indicator: Indicator): boolean {
  return !inputsOf(indicator).storeOnly;
}

/** `alerts`: the device's own alerts (those with its device label). */
export function deviceBadges(d: Pick<DeviceRecord, 'name'>, reporting: boolean, indicators: readonly Indicator[], alerts: readonly AlertInstance[], seriesOfDevice: readonly Series[]): Badge[] {
  const mine = alerts.filter((a) => a.labels.device === d.name);
  const present = new Set(seriesOfDevice.map((s) => s.metric));
  return indicators.map((indicator) => {
    const firing = mine.filter((a) => a.indicator === indicator.id && a.state === 'firing');
    const pending = mine.filter((a) => a.indicator === indicator.id && a.state === 'pending');
    const { inputs, storeOnly } = inputsOf(indicator);
    let state: BadgeState;
    if (firing.length > 0) state = 'abnormal';
    else if (!storeOnly && !reporting) state = 'not_reporting';
    else if (!inputs.some((m) => present.has(m))) state = 'unavailable';
    else state = 'normal';
    const severity = firing.some((a) => a.severity === 'critical') ? 'critical' : firing.length > 0 ? 'warning' : undefined;
    return { indicator: indicator.id, state, ...(severity ? { severity } : {}), firing, pending };
  });
}
