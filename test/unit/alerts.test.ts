// The indicator catalog end to end: real promtool checks the generated rules and runs the
// hand-written alert tests; the committed rules file must be what the catalog generates; overrides
// must change the rules and bad overrides must be refused with errors that name the mistake.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { catalog } from '../../alerts/catalog/index.js';
import { duration, ratio } from '../../alerts/catalog/threshold.js';
import { defineIndicator, type Indicator } from '../../alerts/catalog/types.js';
import { generateRules, generatedHeader, rulesFileName, writeGeneratedRules } from '../../alerts/generate-rules.js';
import { parseOverrides } from '../../alerts/overrides.js';
import { renderCondition } from '../../alerts/render-promql.js';
import { resolveThresholds } from '../../alerts/thresholds.js';
import { formatDuration, parseDuration, spokenDuration } from '../../alerts/units.js';
import { validateCatalog } from '../../alerts/validate-catalog.js';
import { m } from '../../protocol/metrics.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const generatedFile = join(root, 'alerts', 'generated', rulesFileName);
const testsDir = join(root, 'alerts', 'tests');

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
interface RulesFile {
  groups: { name: string; rules: (AlertRule | { record: string; expr: string })[] }[];
}

function alertsOf(text: string): AlertRule[] {
  return (parse(text) as RulesFile).groups.flatMap((g) => g.rules.filter((r): r is AlertRule => 'alert' in r));
}

function promtool(...args: string[]): { status: number; output: string } {
  const run = spawnSync('promtool', args, { cwd: root, encoding: 'utf8' });
  if (run.error && (run.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error('promtool is not installed: the alert rules cannot be checked. Install it with `apt-get install prometheus` (Debian/Ubuntu) or put the Prometheus release\'s promtool on PATH.');
  }
  if (run.error) throw run.error;
  return { status: run.status ?? -1, output: `${run.stdout}${run.stderr}` };
}

describe('generated rules file', () => {
  it('is up to date with the catalog (run `npm run generate` and commit the result)', () => {
    expect(readFileSync(generatedFile, 'utf8')).toBe(generateRules());
  });

  it('starts with the do-not-edit header and has one group per indicator', () => {
    const text = generateRules();
    expect(text.split('\n')[0]).toBe(generatedHeader);
    expect((parse(text) as RulesFile).groups.map((g) => g.name)).toEqual(catalog.map((i) => `stationwatch.${i.id}`));
  });

  it('passes promtool check rules', () => {
    const { status, output } = promtool('check', 'rules', generatedFile);
    expect(output).toContain('SUCCESS');
    expect(status, output).toBe(0);
  });

  it('passes the hand-written promtool unit tests, one file per indicator', { timeout: 240_000 }, () => {
    const files = readdirSync(testsDir).filter((f) => f.endsWith('.test.yml')).sort();
    expect(files).toEqual(catalog.map((i) => `${i.id}.test.yml`).sort());
    const { status, output } = promtool('test', 'rules', ...files.map((f) => join(testsDir, f)));
    expect(status, output).toBe(0);
  });

  it('gives every alert its indicator, severity, bilingual texts and a runbook anchor that exists', () => {
    for (const indicator of catalog) {
      const runbook = readFileSync(join(root, 'docs', 'runbooks', `${indicator.id}.md`), 'utf8');
      const headings = new Set([...runbook.matchAll(/^## (\S+)\s*$/gm)].map((x) => x[1]!.toLowerCase()));
      for (const alert of alertsOf(generateRules()).filter((a) => a.labels.indicator === indicator.id)) {
        expect(alert.alert).toMatch(/^Stationwatch[A-Z]\w+$/);
        expect(['warning', 'critical']).toContain(alert.labels.severity);
        for (const key of ['summary', 'description', 'summary_zh', 'description_zh']) expect(alert.annotations[key], `${alert.alert} ${key}`).toBeTruthy();
        expect(alert.annotations.summary_zh).toMatch(/[\u4e00-\u9fff]/);
        // Device alerts name the device; the collector's own alerts name the collector instance.
        expect(alert.annotations.summary).toContain(indicator.id === 'collector' ? '{{ $labels.instance }}' : '{{ $labels.device }}');
        expect(alert.annotations.summary).not.toMatch(/%\{/);
        const anchor = alert.alert.toLowerCase();
        expect(alert.annotations.runbook_url).toBe(`/docs/runbooks/${indicator.id}.md#${anchor}`);
        expect(headings.has(anchor), `docs/runbooks/${indicator.id}.md lacks "## ${alert.alert}"`).toBe(true);
      }
    }
    expect(alertsOf(generateRules())).toHaveLength(catalog.reduce((n, i) => n + i.alerts.length, 0));
  });

  it('writes the file where asked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sw-rules-'));
    const file = await writeGeneratedRules(join(dir, 'out'));
    expect(readFileSync(file, 'utf8')).toBe(generateRules());
  });
});

describe('site overrides', () => {
  const yaml = [
    'runbookBaseUrl: https://collector.branch-12.example:9465/',
    'thresholds:',
    '  resources:',
    '    cpuHighRatio: 0.8',
    '    cpuHighFor: 5m',
    '  stability:',
    '    rebootsPerWindow: 5',
    '    rebootWindow: 12h',
    '  thermal:',
    '    temperatureCriticalCelsius: 90',
  ].join('\n');

  it('change the generated thresholds, durations, texts and runbook links', () => {
    const text = generateRules(parseOverrides(yaml, 'site.yml'));
    const alerts = new Map(alertsOf(text).map((a) => [a.alert, a]));
    const cpu = alerts.get('StationwatchCpuHigh')!;
    expect(cpu.expr).toBe('stationwatch_cpu_utilisation_ratio > 0.8');
    expect(cpu.for).toBe('5m');
    expect(cpu.annotations.summary).toContain('above 80% for 5 min');
    expect(cpu.annotations.runbook_url).toBe('https://collector.branch-12.example:9465/docs/runbooks/resources.md#stationwatchcpuhigh');
    expect(alerts.get('StationwatchCpuCritical')!.expr).toBe('stationwatch_cpu_utilisation_ratio > 0.98');
    expect(alerts.get('StationwatchFrequentReboots')!.expr).toBe('floor(increase(stationwatch_boots_total[12h])) >= 5');
    expect(alerts.get('StationwatchTemperatureHigh')!.expr).toContain('stationwatch_temperature_celsius * 0 + 80)');
    expect(alerts.get('StationwatchTemperatureCritical')!.expr).toContain('stationwatch_temperature_celsius * 0 + 90)');
    expect(text.split('\n')[1]).toContain('5 site override(s)');

    const dir = mkdtempSync(join(tmpdir(), 'sw-rules-'));
    writeFileSync(join(dir, rulesFileName), text);
    const { status, output } = promtool('check', 'rules', join(dir, rulesFileName));
    expect(status, output).toBe(0);
  });

  it('accept durations as whole seconds and an empty file as "no overrides"', () => {
    expect(parseOverrides('thresholds: { agent: { probeFailingFor: 600 } }', 's').thresholds).toEqual({ agent: { probeFailingFor: 600 } });
    expect(generateRules(parseOverrides('', 'empty.yml'))).toBe(generateRules());
  });

  const refused: [string, string, RegExp][] = [
    ['an unknown indicator', 'thresholds: { resorces: { cpuHighRatio: 0.8 } }', /thresholds\.resorces: unknown indicator "resorces" \(known: resources, thermal, stability, /],
    ['an unknown threshold', 'thresholds: { resources: { cpuHigh: 0.8 } }', /thresholds\.resources\.cpuHigh: unknown threshold "cpuHigh" for indicator resources \(known: cpuHighRatio, cpuHighFor,/],
    ['a percentage written as a ratio', 'thresholds: { resources: { cpuHighRatio: 80 } }', /thresholds\.resources\.cpuHighRatio: expected a ratio between 0 and 1 \(0\.8 means 80 %\), got 80/],
    ['a duration in words', 'thresholds: { resources: { cpuHighFor: 15 minutes } }', /thresholds\.resources\.cpuHighFor: expected a duration such as 90s, 15m/],
    ['a fractional count', 'thresholds: { stability: { rebootsPerWindow: 2.5 } }', /rebootsPerWindow: expected a whole number/],
    ['a zero counting window', 'thresholds: { stability: { hangWindow: 0s } }', /thresholds\.stability\.hangWindow: a counting window must be longer than 0s/],
    ['an unknown top-level key', 'threshold: {}', /threshold: unknown key \(known: runbookBaseUrl, thresholds\)/],
    ['a runbook base that is not a URL', 'runbookBaseUrl: collector.local', /runbookBaseUrl: expected an http:\/\/ or https:\/\/ URL/],
  ];
  for (const [what, text, message] of refused) {
    it(`refuse ${what} with a clear error`, () => {
      expect(() => parseOverrides(text, 'site-overrides.yml')).toThrow(message);
      expect(() => parseOverrides(text, 'site-overrides.yml')).toThrow(/invalid configuration in site-overrides\.yml/);
    });
  }

  it('report every problem at once', () => {
    const text = 'thresholds: { resources: { cpuHighRatio: 2, nope: 1 }, nope: {} }';
    const error = (() => {
      try {
        parseOverrides(text, 's.yml');
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    expect(error).toContain('thresholds.nope: unknown indicator');
    expect(error).toContain('thresholds.resources.nope: unknown threshold');
    expect(error).toContain('thresholds.resources.cpuHighRatio: expected a ratio');
  });
});

describe('catalog', () => {
  it('has no problems', () => {
    expect(validateCatalog(catalog)).toEqual([]);
  });

  it('catches references the type checker cannot', () => {
    const broken = defineIndicator({
      id: 'broken',
      title: { en: 'Broken', zh: '' },
      thresholds: { level: ratio(0.5, 'x'), wait: duration('5m', 'x'), spare: ratio(0.1, 'never used') },
      alerts: [
        {
          name: 'cpuTooHigh',
          severity: 'warning',
          condition: { kind: 'threshold', metric: 'stationwatch_cpu_utilisation', op: '>', threshold: 'level' },
          for: 'level',
          summary: { en: 'x %{missing}', zh: 'x' },
          description: { en: 'x', zh: '中文' },
        },
        {
          name: 'StationwatchLimits',
          severity: 'critical',
          condition: { kind: 'perSeriesLimit', metric: m.temperature.name, limitMetric: m.temperatureCritical.name, matchOn: ['fan'], op: '>', fallbackThreshold: 'wait' },
          summary: { en: 'x', zh: '中文' },
          description: { en: 'x', zh: '中文' },
        },
      ],
    });
    const problems = validateCatalog([broken, broken]).join('\n');
    expect(problems).toContain('broken/cpuTooHigh: alert names are CamelCase and start with Stationwatch');
    expect(problems).toContain('broken/cpuTooHigh: threshold "level" is in ratio, expected seconds');
    expect(problems).toContain('broken/cpuTooHigh: unknown threshold "missing"');
    expect(problems).toContain('metric stationwatch_cpu_utilisation is neither reported by agents nor exposed by the collector');
    expect(problems).toContain('metric stationwatch_temperature_celsius has no label "fan"');
    expect(problems).toContain('broken: threshold "spare" is not used by any alert');
    expect(problems).toContain('broken: Chinese title missing');
    expect(problems).toContain('broken/cpuTooHigh: Chinese text missing or untranslated');
    expect(problems).toContain('broken: indicator id used twice');
    expect(() => generateRules(undefined, [broken])).toThrow(/the indicator catalog has problems/);
  });
});

describe('render-promql', () => {
  const indicator: Indicator = defineIndicator({
    id: 'sample',
    title: { en: 'Sample', zh: '示例' },
    thresholds: { limit: { value: 95, unit: 'celsius', description: 'x' }, margin: { value: 10, unit: 'celsius', description: 'x' }, events: { value: 3, unit: 'count', description: 'x' }, seconds: { value: 30, unit: 'seconds', description: 'x' }, window: duration('90m', 'x') },
    alerts: [],
  });
  const values = resolveThresholds({}, [indicator]).sample!;

  it('uses the per-series limit and falls back to the catalog value per series', () => {
    expect(renderCondition({ kind: 'perSeriesLimit', metric: 'v', limitMetric: 'l', matchOn: ['sensor'], op: '>', fallbackThreshold: 'limit', marginThreshold: 'margin' }, indicator, values)).toBe(
      'v > on(device, site, sensor) group_left() ((l > 0) - 10 or on(device, site, sensor) (v * 0 + 85))',
    );
  });

  it('compares whole events for counts, raw growth otherwise', () => {
    expect(renderCondition({ kind: 'increase', metric: 'c_total', window: 'window', op: '>=', threshold: 'events' }, indicator, values)).toBe('floor(increase(c_total[1h30m])) >= 3');
    expect(renderCondition({ kind: 'increase', metric: 's_total', window: 'window', op: '>', threshold: 'seconds' }, indicator, values)).toBe('increase(s_total[1h30m]) > 30');
  });

  it('renders matchers, ratios and the escape hatch', () => {
    expect(renderCondition({ kind: 'threshold', metric: 'x', matchers: [{ label: 'fstype', op: '!~', value: 'tmpfs|squashfs' }], op: '>', threshold: 0.5 }, indicator, values)).toBe('x{fstype!~"tmpfs|squashfs"} > 0.5');
    expect(renderCondition({ kind: 'ratio', numerator: 'a', denominator: 'b', op: '<', threshold: 'limit' }, indicator, values)).toBe('a / on(device, site) (b > 0) < 95');
    expect(renderCondition({ kind: 'promql', expr: 'max_over_time(x[%{window}s]) > %{limit}' }, indicator, values)).toBe('max_over_time(x[5400s]) > 95');
    expect(() => renderCondition({ kind: 'promql', expr: 'x > %{nope}' }, indicator, values)).toThrow(/unknown threshold "nope"/);
  });
});

describe('units', () => {
  it('reads and writes Prometheus durations', () => {
    expect(parseDuration('1h30m')).toBe(5400);
    expect(parseDuration('1d')).toBe(86400);
    expect(formatDuration(5400)).toBe('1h30m');
    expect(formatDuration(86400 * 2)).toBe('2d');
    expect(formatDuration(0)).toBe('0s');
    expect(() => parseDuration('15 minutes')).toThrow(/not a duration/);
    expect(() => parseDuration('1.5h')).toThrow(/not a duration/);
  });

  it('speaks durations to people in both languages', () => {
    expect(spokenDuration(5400, 'en')).toBe('1 h 30 min');
    expect(spokenDuration(2 * 86400, 'en')).toBe('2 days');
    expect(spokenDuration(900, 'zh')).toBe('15 分钟');
  });
});

it('keeps the runbooks folder in step with the catalog', () => {
  for (const indicator of catalog) expect(existsSync(join(root, 'docs', 'runbooks', `${indicator.id}.md`)), indicator.id).toBe(true);
});
