// The agent's configuration: one schema, defaults written once, loaded from YAML plus STATIONWATCH_*.
import { existsSync } from 'node:fs';
import { hostname, homedir } from 'node:os';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { DeviceName, SiteName } from '../protocol/report.js';
import { applyEnv, readConfigFile, validateConfig, ConfigError, type EnvTable } from '../common/config-file.js';
import { tokenFilePath } from './enrol/token-file.js';
import { probeDefinitions } from './probes/index.js';

const ProbeSettings = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    /** Seconds between runs; defaults to the fast or slow interval the probe declares. */
    intervalSeconds: Type.Optional(Type.Number({ minimum: 1, maximum: 86400 })),
    timeoutSeconds: Type.Optional(Type.Number({ minimum: 0.1, maximum: 3600 })),
    settings: Type.Record(Type.String(), Type.Unknown(), { default: {} }),
  },
  { additionalProperties: false, default: {} },
);

export const AgentConfigSchema = Type.Object(
  {
    device: Type.Optional(DeviceName),
    site: SiteName,
    collector: Type.Object(
      {
        url: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:9847' }),
        /**
         * Further collectors of the same shared store, tried in order when `url` cannot be reached or
         * is busy (agent/failover.ts); the agent goes back to `url` after `returnToFirstMinutes`.
         */
        failoverUrls: Type.Array(Type.String({ pattern: '^https?://' }), { maxItems: 7, default: [] }),
        returnToFirstMinutes: Type.Number({ minimum: 0.01, maximum: 1440, default: 10 }),
        /** The device token. Optional once the agent has enrolled (the token then lives in the state directory). */
        token: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
        /** A site enrolment secret: with no token yet, the agent enrols itself with it at start. */
        enrolSecret: Type.Optional(Type.String({ minLength: 16, maxLength: 512 })),
        timeoutSeconds: Type.Number({ minimum: 1, maximum: 300, default: 10 }),
        /** PEM CA bundle the collector's certificate must chain to (a private CA); default: the system's. */
        caFile: Type.Optional(Type.String({ minLength: 1 })),
        /** Allow plain http:// to a collector that is not on this machine (reports and token travel unencrypted). */
        allowInsecure: Type.Boolean({ default: false }),
      },
      { additionalProperties: false },
    ),
    outbox: Type.Object(
      {
        /** Reports wait on disk up to this size; beyond it the older half is thinned (counters stay whole). */
        maxMegabytes: Type.Number({ minimum: 1, maximum: 100_000, default: 50 }),
        maxReports: Type.Integer({ minimum: 2, maximum: 10_000_000, default: 50_000 }),
        /** Reports older than this are dropped (the newest one never). */
        maxAgeHours: Type.Number({ minimum: 0.01, maximum: 24 * 365, default: 72 }),
        /** Pace of draining a backlog once the collector is back (on average; jittered). */
        drainPerSecond: Type.Number({ minimum: 0.1, maximum: 1000, default: 5 }),
        /** Longest wait between attempts while the collector is away (exponential backoff, full jitter, up to this). */
        maxRetrySeconds: Type.Number({ minimum: 1, maximum: 3600, default: 300 }),
      },
      { additionalProperties: false, default: {} },
    ),
    intervals: Type.Object(
      {
        fastSeconds: Type.Number({ minimum: 0.2, maximum: 3600, default: 15 }),
        slowSeconds: Type.Number({ minimum: 1, maximum: 86400, default: 600 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Where the agent remembers boots, shutdown markers and (later) the outbox. */
    stateDir: Type.Optional(Type.String({ minLength: 1 })),
    probes: Type.Record(Type.String(), ProbeSettings, { default: {} }),
    log: Type.Object({ level: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }) }, { additionalProperties: false, default: {} }),
  },
  { additionalProperties: false },
);

export type AgentConfigInput = Static<typeof AgentConfigSchema>;
export type AgentConfig = AgentConfigInput & { device: string; stateDir: string };

export const agentEnv: EnvTable = {
  STATIONWATCH_DEVICE: { path: 'device', type: 'string' },
  STATIONWATCH_SITE: { path: 'site', type: 'string' },
  STATIONWATCH_COLLECTOR_URL: { path: 'collector.url', type: 'string' },
  STATIONWATCH_TOKEN: { path: 'collector.token', type: 'string' },
  STATIONWATCH_ENROL_SECRET: { path: 'collector.enrolSecret', type: 'string' },
  STATIONWATCH_CA_FILE: { path: 'collector.caFile', type: 'string' },
  STATIONWATCH_STATE_DIR: { path: 'stateDir', type: 'string' },
  STATIONWATCH_FAST_INTERVAL: { path: 'intervals.fastSeconds', type: 'number' },
  STATIONWATCH_SLOW_INTERVAL: { path: 'intervals.slowSeconds', type: 'number' },
  STATIONWATCH_LOG_LEVEL: { path: 'log.level', type: 'string' },
};

/** Where state lives when the configuration does not say: the platform's place for service data. */
export function defaultStateDir(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, isRoot: boolean): string {
  if (platform === 'win32') return join(env.ProgramData ?? 'C:\\ProgramData', 'stationwatch');
  if (platform === 'darwin') return isRoot ? '/Library/Application Support/stationwatch' : join(homedir(), 'Library', 'Application Support', 'stationwatch');
  return isRoot ? '/var/lib/stationwatch' : join(env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'stationwatch');
}

/** Hostnames may carry a domain or characters a device name may not; keep the first label, tidied. */
export function deviceNameFromHostname(host: string): string {
  const first = host.split('.')[0] ?? '';
  const tidy = first.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 63);
  return tidy || 'device';
}

export function resolveAgentConfig(raw: unknown, env: NodeJS.ProcessEnv, source: string): AgentConfig {
  const { value, problems } = applyEnv(raw, env, agentEnv);
  const known = new Set(probeDefinitions.map((p) => p.name));
  const probes = (value.probes ?? {}) as Record<string, unknown>;
  if (typeof probes === 'object' && probes !== null) {
    for (const name of Object.keys(probes)) {
      if (!known.has(name)) problems.push(`/probes/${name}: unknown probe (known: ${[...known].join(', ')})`);
    }
  }
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const collector = (value.collector ?? {}) as Record<string, unknown>;
  if (typeof collector === 'object' && collector.token === undefined && collector.enrolSecret === undefined) {
    const stateDir = typeof value.stateDir === 'string' ? value.stateDir : defaultStateDir(process.platform, env, isRoot);
    if (!existsSync(tokenFilePath(stateDir))) problems.push(`/collector/token: required until the agent has enrolled (stationwatch agent enrol --code CODE, or collector.enrolSecret); no ${tokenFilePath(stateDir)} yet`);
  }
  let cfg = validateConfig(AgentConfigSchema, value, source, problems);
  const urlProblems: string[] = [];
  const insecure = insecureCollectorProblem(cfg.collector.url, cfg.collector.allowInsecure);
  if (insecure) urlProblems.push(`/collector/url: ${insecure}`);
  const seen = new Set([normaliseUrl(cfg.collector.url)]);
  cfg.collector.failoverUrls.forEach((url, i) => {
    const problem = insecureCollectorProblem(url, cfg.collector.allowInsecure);
    if (problem) urlProblems.push(`/collector/failoverUrls/${i}: ${problem}`);
    else if (seen.has(normaliseUrl(url))) urlProblems.push(`/collector/failoverUrls/${i}: ${url} is already listed; each collector address once`);
    seen.add(normaliseUrl(url));
  });
  if (urlProblems.length > 0) throw new ConfigError(source, urlProblems);
  cfg = { ...cfg, probes: validateProbeSettings(cfg.probes, source) };
  return {
    ...cfg,
    device: cfg.device ?? deviceNameFromHostname(hostname()),
    stateDir: cfg.stateDir ?? defaultStateDir(process.platform, env, isRoot),
  };
}

function normaliseUrl(url: string): string {
  try {
    return new URL(url).href;
  } catch {
    return url;
  }
}

/** Plain HTTP is refused to any host but this machine: the token and the reports would travel readable. */
export function insecureCollectorProblem(url: string, allowInsecure: boolean): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `"${url}" is not a URL`;
  }
  if (u.protocol !== 'http:' || allowInsecure) return undefined;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)) return undefined;
  return `plain http:// to ${u.host} would send the device token and reports unencrypted: use https:// (collector listen.tls), or set collector.allowInsecure: true on a network you trust`;
}

/** Each probe's `settings` against the probe's own schema, every problem with its full path. */
function validateProbeSettings(probes: AgentConfigInput['probes'], source: string): AgentConfigInput['probes'] {
  const out: AgentConfigInput['probes'] = {};
  const problems: string[] = [];
  for (const def of probeDefinitions) {
    const entry = probes[def.name] ?? { enabled: true, settings: {} };
    if (!def.settingsSchema || entry.enabled === false) {
      out[def.name] = entry;
      continue;
    }
    const settings = Value.Default(def.settingsSchema, Value.Clone(entry.settings ?? {}));
    for (const e of Value.Errors(def.settingsSchema, settings)) problems.push(`/probes/${def.name}/settings${e.path}: ${e.message}`);
    out[def.name] = { ...entry, settings: settings as Record<string, unknown> };
  }
  if (problems.length > 0) throw new ConfigError(source, problems);
  return out;
}

export async function loadAgentConfig(file: string | undefined, env: NodeJS.ProcessEnv): Promise<AgentConfig> {
  const raw = file ? await readConfigFile(file) : {};
  return resolveAgentConfig(raw, env, file ?? 'environment');
}

export { ConfigError };
