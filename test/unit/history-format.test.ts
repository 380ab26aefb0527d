// Human units of the status page (web/format.ts): what the charts' axes, tooltips, text alternatives
// and the "Current values" summary show for values in base units.
import { describe, expect, it } from 'vitest';
import { formatAgo, formatBytes, formatDuration, formatValue, shortNumber, summarize, unitOfMetric } from '../../web/format.js';

describe('status page units', () => {
  it('ratios as percent with at most three significant digits', () => {
    expect(formatValue(0.0232, 'ratio', 'en')).toBe('2.32 %');
    expect(formatValue(0.5, 'ratio', 'zh')).toBe('50 %');
    expect(formatValue(0.12345, 'ratio', 'en')).toBe('12.3 %');
    expect(formatValue(1, 'ratio', 'en')).toBe('100 %');
    expect(formatValue(0, 'ratio', 'en')).toBe('0 %');
  });

  it('bytes in binary units', () => {
    expect(formatBytes(25_276_200_000)).toBe('23.5 GiB');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(300 * 2 ** 20)).toBe('300 MiB');
    expect(formatValue(2 ** 40 * 2, 'bytes', 'en')).toBe('2 TiB');
  });

  it('durations: ms below a second, then the two largest units, in both languages', () => {
    expect(formatDuration(0.0123, 'en')).toBe('12.3 ms');
    expect(formatDuration(0.0123, 'zh')).toBe('12.3 毫秒');
    expect(formatDuration(42, 'en')).toBe('42 s');
    expect(formatDuration(5400, 'en')).toBe('1 h 30 min');
    expect(formatDuration(5400, 'zh')).toBe('1 小时 30 分钟');
    expect(formatDuration(7200, 'en')).toBe('2 h');
    expect(formatDuration(3 * 86_400 + 4 * 3600 + 59, 'en')).toBe('3 d 4 h');
    expect(formatDuration(-0.25, 'en')).toBe('−250 ms');
    expect(formatDuration(0, 'en')).toBe('0 s');
  });

  it('moments as "ago", the future as "in"', () => {
    const now = Date.UTC(2026, 11, 5, 12);
    expect(formatAgo(now - 2 * 3600_000, now, 'en')).toBe('2 h ago');
    expect(formatAgo(now - 2 * 3600_000, now, 'zh')).toBe('2 小时前');
    expect(formatAgo(now - 90_000, now, 'en')).toBe('1 min 30 s ago');
    expect(formatAgo(now + 300_000, now, 'en')).toBe('in 5 min');
    expect(formatAgo(now - 200, now, 'en')).toBe('just now');
    expect(formatValue((now - 86_400_000) / 1000, 'timestamp', 'en', now)).toBe('1 d ago');
  });

  it('temperatures, counts, gaps', () => {
    expect(formatValue(71.25, 'celsius', 'en')).toBe('71.3 °C');
    expect(formatValue(3, 'count', 'en')).toBe('3');
    expect(formatValue(2.5, 'count', 'en')).toBe('2.5');
    expect(formatValue(null, 'ratio', 'en')).toBe('—');
    expect(formatValue(Number.NaN, 'celsius', 'en')).toBe('—');
    expect(shortNumber(1234.5)).toBe('1235');
    expect(shortNumber(0.30000000000000004)).toBe('0.3');
  });

  it('the unit of a metric from its name', () => {
    expect(unitOfMetric('stationwatch_cpu_utilisation_ratio')).toBe('ratio');
    expect(unitOfMetric('stationwatch_memory_total_bytes')).toBe('bytes');
    expect(unitOfMetric('stationwatch_network_rtt_avg_seconds')).toBe('seconds');
    expect(unitOfMetric('stationwatch_hang_seconds_total')).toBe('seconds');
    expect(unitOfMetric('stationwatch_boot_timestamp_seconds')).toBe('timestamp');
    expect(unitOfMetric('stationwatch_temperature_celsius')).toBe('celsius');
    expect(unitOfMetric('stationwatch_fan_speed_rpm')).toBe('rpm');
    expect(unitOfMetric('stationwatch_boots_total')).toBe('count');
  });

  it('summary numbers skip gaps and say nothing when there is no data', () => {
    const s = summarize([null, 0.2, null, 0.6, 0.4, null]);
    expect(s).toMatchObject({ min: 0.2, max: 0.6, last: 0.4, points: 3 });
    expect(s!.avg).toBeCloseTo(0.4, 12);
    expect(summarize([null, null])).toBeUndefined();
    expect(summarize([])).toBeUndefined();
  });
});
