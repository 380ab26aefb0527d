// The site override file: a site changes catalog thresholds (durations included, so `for:` and
// windows are tuned the same way) without touching the catalog. The schema is built from the catalog,
// so a typo in an indicator id or a threshold key is an error naming the known ones, never ignored.
//
//   runbookBaseUrl: https://collector.branch-12.example:9465   # optional, see generate-rules.ts
//   thresholds:
//     resources:
//       cpuHighRatio: 0.8
//       cpuHighFor: 30m
import { Type, type TSchema } from '@sinclair/typebox';
import { ValueErrorType } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import { ConfigError, parseConfigText, readConfigFile } from '../common/config-file.js';
import { catalog } from './catalog/index.js';
import type { Indicator, Unit } from './catalog/types.js';
import type { ThresholdOverrides } from './thresholds.js';
import { parseDuration } from './units.js';

export interface SiteOverrides {
  /** Prefix of every runbook_url, e.g. the collector's public address. */
  readonly runbookBaseUrl?: string;
  readonly thresholds: ThresholdOverrides;
}

const durationText = '^(?:\\d+[wdhms])+$';

const unitSchema: Record<Unit, TSchema> = {
  ratio: Type.Number({ minimum: 0, maximum: 1 }),
  celsius: Type.Number({ minimum: -50, maximum: 200 }),
  count: Type.Integer({ minimum: 0 }),
  seconds: Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: durationText })]),
  milliseconds: Type.Number({ exclusiveMinimum: 0, maximum: 600_000 }),
};

const unitExpectation: Record<Unit, string> = {
  ratio: 'a ratio between 0 and 1 (0.8 means 80 %)',
  celsius: 'degrees Celsius between -50 and 200',
  count: 'a whole number of events, 0 or more',
  seconds: 'a duration such as 90s, 15m, 1h30m or 1d (or whole seconds)',
  milliseconds: 'a number of milliseconds above 0 (200 means 0.2 s)',
};

function overridesSchema(indicators: readonly Indicator[]): TSchema {
  const perIndicator = Object.fromEntries(
    indicators.map((indicator) => [
      indicator.id,
      Type.Optional(
        Type.Object(
          Object.fromEntries(Object.entries(indicator.thresholds).map(([key, t]) => [key, Type.Optional(unitSchema[t.unit])])),
          { additionalProperties: false },
        ),
      ),
    ]),
  );
  return Type.Object(
    {
      runbookBaseUrl: Type.Optional(Type.String({ pattern: '^https?://\\S+$' })),
      thresholds: Type.Optional(Type.Object(perIndicator, { additionalProperties: false })),
    },
    { additionalProperties: false },
  );
}

/** One message per problem, naming the key as written in the file and what would be accepted. */
function describeProblems(raw: unknown, schema: TSchema, indicators: readonly Indicator[]): string[] {
  const problems = new Map<string, string>();
  for (const error of Value.Errors(schema, raw)) {
    const parts = error.path.split('/').slice(1);
    const where = parts.join('.') || '/';
    if (problems.has(where)) continue; // a union reports once per branch; one message is enough
    const [section, id, key] = parts;
    const indicator = indicators.find((i) => i.id === id);
    if (error.type === ValueErrorType.ObjectAdditionalProperties) {
      if (parts.length === 1) problems.set(where, `${where}: unknown key (known: runbookBaseUrl, thresholds)`);
      else if (parts.length === 2) problems.set(where, `${where}: unknown indicator "${id}" (known: ${indicators.map((i) => i.id).join(', ')})`);
      else if (indicator) problems.set(where, `${where}: unknown threshold "${key}" for indicator ${id} (known: ${Object.keys(indicator.thresholds).join(', ')})`);
      else problems.set(where, `${where}: ${error.message}`);
    } else if (section === 'thresholds' && indicator && key !== undefined) {
      const threshold = indicator.thresholds[key];
      const expected = threshold ? unitExpectation[threshold.unit] : error.message;
      problems.set(where, `${where}: expected ${expected}, got ${JSON.stringify(error.value)}`);
    } else if (where === 'runbookBaseUrl') {
      problems.set(where, `${where}: expected an http:// or https:// URL, got ${JSON.stringify(error.value)}`);
    } else {
      problems.set(where, `${where}: ${error.message}`);
    }
  }
  return [...problems.values()];
}

/** Range selectors need a window longer than zero; `for: 0s` is fine, a `[0s]` window is not. */
function windowKeys(indicator: Indicator): Set<string> {
  return new Set(indicator.alerts.flatMap((a) => (a.condition.kind === 'increase' || a.condition.kind === 'counterRatio' ? [a.condition.window] : [])));
}

export function validateOverrides(raw: unknown, source: string, indicators: readonly Indicator[] = catalog): SiteOverrides {
  const schema = overridesSchema(indicators);
  const problems = describeProblems(raw, schema, indicators);
  if (problems.length > 0) throw new ConfigError(source, problems);

  const file = raw as { runbookBaseUrl?: string; thresholds?: Record<string, Record<string, number | string>> };
  const thresholds: Record<string, Record<string, number>> = {};
  for (const [id, values] of Object.entries(file.thresholds ?? {})) {
    const indicator = indicators.find((i) => i.id === id)!;
    const windows = windowKeys(indicator);
    const resolved: Record<string, number> = {};
    for (const [key, value] of Object.entries(values)) {
      const unit = indicator.thresholds[key]?.unit;
      // Milliseconds are written as such but kept in seconds, the unit the metrics carry.
      const number = typeof value === 'string' ? parseDuration(value) : unit === 'milliseconds' ? value / 1000 : value;
      if (windows.has(key) && number <= 0) problems.push(`thresholds.${id}.${key}: a counting window must be longer than 0s`);
      resolved[key] = number;
    }
    thresholds[id] = resolved;
  }
  if (problems.length > 0) throw new ConfigError(source, problems);
  return file.runbookBaseUrl === undefined ? { thresholds } : { runbookBaseUrl: file.runbookBaseUrl, thresholds };
}

export function parseOverrides(text: string, source: string, indicators: readonly Indicator[] = catalog): SiteOverrides {
  return validateOverrides(parseConfigText(text, source), source, indicators);
}

export async function loadOverrides(file: string, indicators: readonly Indicator[] = catalog): Promise<SiteOverrides> {
  return validateOverrides(await readConfigFile(file), file, indicators);
}
