// The label selector, written once. Fleet dashboards filter by the `site` variable (multi-select,
// "All" = every site); the device dashboard adds the single `device` variable. Every device series
// carries `device` and `site` (the collector adds them), so one helper serves every query.
import { QueryVariableBuilder, VariableRefresh, VariableSort } from '@grafana/grafana-foundation-sdk/dashboard';
import { collectorMetrics as cm } from '../../protocol/collector-metrics.js';
import { prometheus, type Ctx } from './context.js';

export type Scope = 'fleet' | 'device';

const scopeMatchers: Readonly<Record<Scope, readonly string[]>> = {
  // Multi-value and "All" variables are interpolated as regular expressions, hence =~.
  fleet: ['site=~"$site"'],
  // A single-value variable is interpolated as an escaped literal, hence = for the device.
  device: ['site=~"$site"', 'device="$device"'],
};

/** `metric{site=~"$site"[, device="$device"][, extra…]}`; extra matchers are written `label="value"`. */
export function sel(metric: string | { readonly name: string }, scope: Scope, ...extra: string[]): string {
  const name = typeof metric === 'string' ? metric : metric.name;
  return `${name}{${[...scopeMatchers[scope], ...extra].join(', ')}}`;
}

/** The variables a scope needs, in order. */
export function scopeVariables(ctx: Ctx, scope: Scope): QueryVariableBuilder[] {
  const site = new QueryVariableBuilder('site')
    .label(ctx.tr({ en: 'Site', zh: '站点' }))
    .datasource(prometheus)
    // Every known device, reporting or not, has this series: a silent site still appears.
    .query(`label_values(${cm.deviceReporting}, site)`)
    .definition(`label_values(${cm.deviceReporting}, site)`)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(scope === 'fleet')
    .includeAll(true)
    .allValue('.*')
    .current({ text: 'All', value: '$__all' });
  if (scope === 'fleet') return [site];
  const device = new QueryVariableBuilder('device')
    .label(ctx.tr({ en: 'Device', zh: '设备' }))
    .datasource(prometheus)
    .query(`label_values(${cm.deviceReporting}{site=~"$site"}, device)`)
    .definition(`label_values(${cm.deviceReporting}{site=~"$site"}, device)`)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(false)
    .includeAll(false);
  return [site, device];
}
