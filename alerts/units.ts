// Units of thresholds: Prometheus durations in and out, and how a value reads in an alert text.
import type { Unit } from './catalog/types.js';

const unitSeconds = { w: 604_800, d: 86_400, h: 3_600, m: 60, s: 1 } as const;
type DurationUnit = keyof typeof unitSeconds;

// Whole seconds only: rules are evaluated every 15 s or more, so finer durations would only mislead.
const durationPattern = /^(?:\d+[wdhms])+$/;

/** `1h30m` → 5400. Throws on anything Prometheus would not read the same way. */
export function parseDuration(text: string): number {
  if (!durationPattern.test(text)) throw new Error(`"${text}" is not a duration such as 90s, 15m, 1h30m or 1d`);
  let seconds = 0;
  for (const [, n, u] of text.matchAll(/(\d+)([wdhms])/g)) seconds += Number(n) * unitSeconds[u as DurationUnit];
  return seconds;
}

/** 5400 → `1h30m`, the form Prometheus accepts in `for:` and range selectors. */
export function formatDuration(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds < 0) throw new Error(`duration must be whole seconds >= 0, got ${seconds}`);
  if (seconds === 0) return '0s';
  let rest = seconds;
  let out = '';
  // Weeks are left out: "1w" reads oddly in an alert text where "7d" does not.
  for (const u of ['d', 'h', 'm', 's'] as const) {
    const n = Math.floor(rest / unitSeconds[u]);
    if (n > 0) out += `${n}${u}`;
    rest -= n * unitSeconds[u];
  }
  return out;
}

/** PromQL number literal: plain decimal, without float noise such as 0.30000000000000004. */
export function formatNumber(value: number): string {
  return String(Number(value.toPrecision(12)));
}

/** How a threshold reads in a summary, the same in English and Chinese. */
export function formatThresholdValue(value: number, unit: Unit): string {
  switch (unit) {
    case 'ratio':
      return `${formatNumber(value * 100)}%`;
    case 'celsius':
      return `${formatNumber(value)} °C`;
    case 'count':
      return formatNumber(value);
    case 'seconds':
      return formatDuration(value);
  }
}
