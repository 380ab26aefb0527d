// Loads one program's configuration: a YAML file, then STATIONWATCH_* environment variables from an
// explicit table, then schema defaults; validated with every problem reported with its path.
// Callers pass the environment in, so nothing but the CLI reads process.env.
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { TSchema, Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export class ConfigError extends Error {
  constructor(readonly source: string, readonly problems: string[]) {
    super(`invalid configuration in ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Environment variable → dotted path in the configuration, and how to read its text. */
export type EnvTable = Record<string, { path: string; type: 'string' | 'number' | 'boolean' }>;

export async function readConfigFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new ConfigError(file, [`cannot read the file: ${(cause as Error).message}`]);
  }
  return parseConfigText(text, file);
}

export function parseConfigText(text: string, source: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(source, doc.errors.map((e) => `YAML: ${e.message.split('\n')[0]}`));
  }
  const value: unknown = doc.toJS() ?? {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(source, ['/: the file must hold a mapping (key: value lines)']);
  return value;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

export function applyEnv(raw: unknown, env: NodeJS.ProcessEnv, table: EnvTable): { value: Record<string, unknown>; problems: string[] } {
  const value = structuredClone((raw ?? {}) as Record<string, unknown>);
  const problems: string[] = [];
  for (const [name, { path, type }] of Object.entries(table)) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    if (type === 'number') {
      const n = Number(text);
      if (!Number.isFinite(n)) problems.push(`${name}: "${text}" is not a number`);
      else setPath(value, path, n);
    } else if (type === 'boolean') {
      if (!/^(true|false|1|0)$/i.test(text)) problems.push(`${name}: "${text}" is not true or false`);
      else setPath(value, path, /^(true|1)$/i.test(text));
    } else setPath(value, path, text);
  }
  return { value, problems };
}

/** Validates against the schema after filling defaults; throws ConfigError listing every problem. */
export function validateConfig<S extends TSchema>(schema: S, raw: unknown, source: string, extra: string[] = []): Static<S> {
  const withDefaults = Value.Default(schema, Value.Clone(raw));
  const problems = [...extra];
  for (const e of Value.Errors(schema, withDefaults)) {
    const path = e.path || '/';
    // An unknown key is most often a typo: say which key.
    problems.push(`${path}: ${e.message}`);
    if (problems.length > 50) break;
  }
  if (problems.length > 0) throw new ConfigError(source, problems);
  return withDefaults as Static<S>;
}
