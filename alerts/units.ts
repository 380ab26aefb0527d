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

const spokenUnits = {
  en: { d: ' day', days: ' days', h: ' h', m: ' min', s: ' s', sep: ' ' },
  zh: { d: ' 天', days: ' 天', h: ' 小时', m: ' 分钟', s: ' 秒', sep: ' ' },
} as const;

export type Lang = keyof typeof spokenUnits;

/** 5400 → "1 h 30 min" / "1 小时 30 分钟": alert texts are read by clerks, not by Prometheus. */
export function spokenDuration(seconds: number, lang: Lang): string {
  const words = spokenUnits[lang];
  const parts: string[] = [];
  let rest = seconds;
  for (const u of ['d', 'h', 'm', 's'] as const) {
    const n = Math.floor(rest / unitSeconds[u]);
    rest -= n * unitSeconds[u];
    if (n > 0) parts.push(`${n}${u === 'd' && n > 1 ? words.days : words[u]}`);
  }
  return parts.length > 0 ? parts.join(words.sep) : `0${words.s}`;
}

/** How a threshold reads in an alert text. */
export function formatThresholdValue(value: number, unit: Unit, lang: Lang): string {
  switch (unit) {
    case 'ratio':
      return `${formatNumber(value * 100)}%`;
    case 'celsius':
      return `${formatNumber(value)} °C`;
    case 'count':
      return formatNumber(value);
    case 'milliseconds':
      return `${formatNumber(value * 1000)} ms`;
    case 'seconds':
      return spokenDuration(value, lang);
  }
}
