// Human units for the status page, shared by the server (the readable "Current values" summary) and
// the browser (chart axes, tooltips, text alternatives): values arrive in base units as metrics carry
// them (ratios 0..1, bytes, seconds, °C) and are shown as %, GiB/MiB, ms or "1 h 30 min", "2 h ago".
// Pure functions without DOM or Node: web/ is compiled for the browser and imported by the collector.
import type { ChartUnit } from '../collector/history/api.js';

export type Lang = 'en' | 'zh';

/** What a number is, as far as formatting goes; ChartUnit plus moments (`_timestamp_seconds`). */
export type ValueUnit = ChartUnit | 'timestamp' | 'rpm';

const trim = (n: number, digits: number) => String(Number(n.toFixed(digits)));

/** 3 significant digits at most, no float noise: 0.1234 → "0.123", 12.34 → "12.3", 1234.5 → "1235". */
export function shortNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  if (a >= 100) return String(Math.round(n));
  if (a >= 10) return trim(n, 1);
  if (a >= 1) return trim(n, 2);
  return String(Number(n.toPrecision(3)));
}

const binary = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** 25276200000 → "23.5 GiB" (binary units, as Windows and `free -h` show memory). */
export function formatBytes(bytes: number): string {
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < binary.length - 1) {
    v /= 1024;
    i++;
  }
  return `${shortNumber(v)} ${binary[i]}`;
}

const words = {
  en: { d: 'd', h: 'h', m: 'min', s: 's', ms: 'ms', ago: (x: string) => `${x} ago`, in: (x: string) => `in ${x}`, now: 'just now' },
  zh: { d: '天', h: '小时', m: '分钟', s: '秒', ms: '毫秒', ago: (x: string) => `${x}前`, in: (x: string) => `${x}后`, now: '刚刚' },
} as const;

/**
 * A duration for people: below a second in ms ("12.3 ms"), then seconds, then the two largest
 * units ("1 h 30 min", "3 d 4 h"). Negative durations (a clock behind) keep their sign.
 */
export function formatDuration(seconds: number, lang: Lang): string {
  const w = words[lang];
  const sign = seconds < 0 ? '−' : '';
  const a = Math.abs(seconds);
  if (a === 0) return `0 ${w.s}`;
  if (a < 1) return `${sign}${shortNumber(a * 1000)} ${w.ms}`;
  if (a < 60) return `${sign}${shortNumber(a)} ${w.s}`;
  const parts: string[] = [];
  let rest = Math.round(a);
  for (const [u, size] of [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || parts.length > 0) parts.push(`${n} ${w[u]}`);
    if (parts.length === 2) break;
  }
  // "2 h 0 min" reads as "2 h".
  const shown = parts.filter((p, i) => i === 0 || !p.startsWith('0 '));
  return sign + shown.join(' ');
}

/** How long ago a moment was, relative to `nowMs`: "2 h ago" / "2 小时前", "in 5 min" for the future. */
export function formatAgo(atMs: number, nowMs: number, lang: Lang): string {
  const w = words[lang];
  const seconds = (nowMs - atMs) / 1000;
  if (Math.abs(seconds) < 1) return w.now;
  const d = formatDuration(Math.abs(seconds) < 60 ? Math.round(Math.abs(seconds)) : Math.abs(seconds), lang);
  return seconds > 0 ? w.ago(d) : w.in(d);
}

/** One value in its unit. `nowMs` is needed for timestamps ("2 h ago"). */
export function formatValue(value: number | null | undefined, unit: ValueUnit, lang: Lang, nowMs?: number): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  switch (unit) {
    case 'ratio':
      return `${shortNumber(value * 100)} %`;
    case 'bytes':
      return formatBytes(value);
    case 'seconds':
      return formatDuration(value, lang);
    case 'celsius':
      return `${shortNumber(value)} °C`;
    case 'rpm':
      return `${Math.round(value)} rpm`;
    case 'timestamp':
      return nowMs === undefined ? new Date(value * 1000).toISOString() : formatAgo(value * 1000, nowMs, lang);
    case 'count':
    case 'state':
      return Number.isInteger(value) ? String(value) : shortNumber(value);
  }
}

/** The unit a metric's value is in, from the naming convention of protocol/metrics.ts. */
export function unitOfMetric(metric: string): ValueUnit {
  if (metric.endsWith('_timestamp_seconds')) return 'timestamp';
  if (metric.endsWith('_ratio')) return 'ratio';
  if (metric.endsWith('_bytes')) return 'bytes';
  if (metric.endsWith('_seconds') || metric.endsWith('_seconds_total')) return 'seconds';
  if (metric.endsWith('_celsius')) return 'celsius';
  if (metric.endsWith('_rpm')) return 'rpm';
  return 'count';
}

export interface Summary {
  min: number;
  avg: number;
  max: number;
  last: number;
  points: number;
}

/** min/avg/max/last over the non-null values (the text alternative of a chart); undefined when none. */
export function summarize(values: readonly (number | null)[]): Summary | undefined {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let points = 0;
  let last: number | undefined;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) continue;
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
    points++;
    last = v;
  }
  return last === undefined ? undefined : { min, avg: sum / points, max, last, points };
}
