// The collector's configuration: one schema, defaults written once, YAML file plus STATIONWATCH_*.
import { dirname, isAbsolute, resolve } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { DeviceName, SiteName } from '../protocol/report.js';
import { ConfigError, applyEnv, readConfigFile, validateConfig, type EnvTable } from '../common/config-file.js';
import { SnmpTargetSchema, snmpTargetProblems, type SnmpTarget } from './snmp/config.js';
import { HoursSchema, checkTimezone } from './business-hours.js';
import { collectorStateDir, configUserProblems, resolveLoginPolicy, statusConfigProperties } from './status/config.js';
import { TlsSchema, reliabilityConfigProperties } from './reliability-config.js';
import { postgresUrlProblem } from './store/postgres/config.js';
import { NotificationsSchema, notificationProblems, withChannelDefaults, type NotificationsConfig } from './notify/config.js';

const DeviceEntry = Type.Object(
  {
    name: DeviceName,
    /** The device's bearer token. At least 16 characters: a guessable token lets anyone report as the device. */
    token: Type.String({ minLength: 16, maxLength: 512 }),
    /** When set, the device's site is this, whatever the agent claims. */
    site: Type.Optional(SiteName),
  },
  { additionalProperties: false },
);

export const CollectorConfigSchema = Type.Object(
  {
    listen: Type.Object(
      {
        host: Type.String({ default: '127.0.0.1' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 9847 }),
        tls: Type.Optional(TlsSchema),
      },
      { additionalProperties: false, default: {} },
    ),
    /**
     * This collector's name among the collectors of one shared store: saved with every device state it
     * writes, shown as "held by" on every collector's page. Default: host name and listen port.
     */
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[^\\u0000-\\u001f]+$' })),
    /** host:port at which Prometheus reaches this collector, written into service-discovery targets. */
    advertiseAddress: Type.Optional(Type.String({ pattern: '^[^\\s/]+:[0-9]{1,5}$' })),
    /**
     * A listener of its own for per-device targets (/devices/<name>/metrics), served by a thread of its
     * own (collector/scrape/) so that Prometheus' scrapes never queue behind ingest, the status
     * evaluation's feed or garbage collection on the event loop; /sd then hands out this address. Same
     * TLS and scrape credentials as `listen`. Recommended from a few thousand devices on.
     */
    scrapeListen: Type.Optional(
      Type.Object(
        {
          /** Default: listen.host. */
          host: Type.Optional(Type.String({ minLength: 1 })),
          port: Type.Integer({ minimum: 0, maximum: 65535 }),
          /** host:port at which Prometheus reaches this listener (written into /sd's targets). */
          advertiseAddress: Type.Optional(Type.String({ pattern: '^[^\\s/]+:[0-9]{1,5}$' })),
          /**
           * The scrape thread's nice value (Linux): below 0 it runs ahead of the collector's other
           * threads, when the collector is allowed to (root, CAP_SYS_NICE, or RLIMIT_NICE: systemd
           * LimitNICE=-5); otherwise it runs at the process' priority and says so at start.
           */
          nice: Type.Integer({ minimum: -20, maximum: 19, default: -5 }),
          /**
           * Real-time scheduling for the scrape thread (Linux SCHED_FIFO, collector/scrape/scrape-realtime.ts):
           * it then preempts the collector's other threads as soon as a scrape arrives. Needs root,
           * CAP_SYS_NICE or RLIMIT_RTPRIO (systemd LimitRTPRIO=1); otherwise the thread runs at `nice` and
           * says why at start. Past `cpuBudget` of a core over two seconds it leaves real time for
           * `pauseSeconds` (and says so), so a flood of requests cannot starve the collector.
           */
          realtime: Type.Object(
            {
              enabled: Type.Boolean({ default: true }),
              priority: Type.Integer({ minimum: 1, maximum: 99, default: 1 }),
              cpuBudget: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.25 }),
              pauseSeconds: Type.Integer({ minimum: 1, maximum: 86_400, default: 60 }),
            },
            { additionalProperties: false, default: {} },
          ),
        },
        { additionalProperties: false },
      ),
    ),
    bodyLimitBytes: Type.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024, default: 1024 * 1024 }),
    /** A device is "not reporting" after this many of its own report intervals without a report. */
    staleAfterIntervals: Type.Number({ minimum: 1.5, maximum: 1000, default: 3 }),
    defaultSite: SiteName,
    devices: Type.Array(DeviceEntry, { default: [] }),
    /**
     * When sites are open: "device not reporting" pages only then. Without this section every site is
     * treated as always open. `sites` overrides the default per site; `calendarFile` lists holidays
     * and make-up workdays (调休).
     */
    businessHours: Type.Optional(
      Type.Object(
        {
          default: Type.Optional(HoursSchema),
          sites: Type.Record(Type.String(), HoursSchema, { default: {} }),
          calendarFile: Type.Optional(Type.String({ minLength: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
    /** Network printers and other devices the collector polls over SNMP. */
    snmp: Type.Object({ targets: Type.Array(SnmpTargetSchema, { default: [] }) }, { additionalProperties: false, default: {} }),
    /**
     * The status page's history charts (collector/history/): the collector keeps downsampled tiers of
     * the key series in its store (1 min for 2 days, 15 min for 30 days, 1 h for 400 days) unless
     * `enabled` is false; with `prometheusUrl` set, the charts read Prometheus instead (`source`).
     */
    history: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        /** embedded: the collector's own tiers; prometheus: query_range against prometheusUrl (default when it is set). */
        source: Type.Optional(Type.Union([Type.Literal('embedded'), Type.Literal('prometheus')])),
        flushEverySeconds: Type.Number({ minimum: 0.1, maximum: 300, default: 20 }),
      },
      { additionalProperties: false, default: {} },
    ),
    ...statusConfigProperties,
    ...reliabilityConfigProperties,
    /** Messages to DingTalk, Feishu/Lark, WeCom, e-mail, webhooks (collector/notify/config.ts). */
    notifications: NotificationsSchema,
    log: Type.Object({ level: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }) }, { additionalProperties: false, default: {} }),
  },
  { additionalProperties: false },
);

type SchemaConfig = Static<typeof CollectorConfigSchema>;
/** As resolved: `statusPage.requireLogin` is always decided (resolveLoginPolicy). */
export type CollectorConfig = Omit<SchemaConfig, 'snmp' | 'statusPage' | 'notifications'> & {
  snmp: { targets: SnmpTarget[] };
  statusPage: SchemaConfig['statusPage'] & { requireLogin: boolean };
  notifications: NotificationsConfig;
};

export const collectorEnv: EnvTable = {
  STATIONWATCH_LISTEN_HOST: { path: 'listen.host', type: 'string' },
  STATIONWATCH_LISTEN_PORT: { path: 'listen.port', type: 'number' },
  STATIONWATCH_ADVERTISE_ADDRESS: { path: 'advertiseAddress', type: 'string' },
  STATIONWATCH_SCRAPE_PORT: { path: 'scrapeListen.port', type: 'number' },
  STATIONWATCH_COLLECTOR_NAME: { path: 'name', type: 'string' },
  STATIONWATCH_STALE_AFTER_INTERVALS: { path: 'staleAfterIntervals', type: 'number' },
  STATIONWATCH_LOG_LEVEL: { path: 'log.level', type: 'string' },
  // The database URL usually holds a password: an environment variable (or a file only root reads) keeps it out of the YAML.
  STATIONWATCH_STORE_URL: { path: 'store.postgres.url', type: 'string' },
  // The token Alertmanager sends to the notification receiver: a secret, like the store URL.
  STATIONWATCH_NOTIFY_RECEIVER_TOKEN: { path: 'notifications.receiverToken', type: 'string' },
};

export function resolveCollectorConfig(raw: unknown, env: NodeJS.ProcessEnv, source: string): CollectorConfig {
  const { value, problems } = applyEnv(raw, env, collectorEnv);
  if (value.defaultSite === undefined) value.defaultSite = 'default';
  const devices = Array.isArray(value.devices) ? (value.devices as Array<Record<string, unknown>>) : [];
  const seenNames = new Map<unknown, number>();
  const seenTokens = new Map<unknown, number>();
  devices.forEach((d, i) => {
    if (seenNames.has(d?.name)) problems.push(`/devices/${i}/name: "${String(d.name)}" is already used by /devices/${seenNames.get(d.name)}`);
    else seenNames.set(d?.name, i);
    if (d?.token !== undefined && seenTokens.has(d.token)) problems.push(`/devices/${i}/token: the same token is already used by /devices/${seenTokens.get(d.token)}; each device needs its own`);
    else seenTokens.set(d?.token, i);
  });
  const snmp = (value.snmp ?? {}) as Record<string, unknown>;
  const targets = Array.isArray(snmp.targets) ? (snmp.targets as Array<Record<string, unknown>>) : [];
  targets.forEach((t, i) => {
    if (typeof t !== 'object' || t === null) return;
    problems.push(...snmpTargetProblems(t, `/snmp/targets/${i}`));
    if (seenNames.has(t.name)) problems.push(`/snmp/targets/${i}/name: "${String(t.name)}" is already used by another device`);
    else seenNames.set(t.name, i);
  });
  const pgUrl = ((value.store as Record<string, unknown> | undefined)?.postgres as Record<string, unknown> | undefined)?.url;
  if (typeof pgUrl === 'string') {
    const problem = postgresUrlProblem(pgUrl);
    if (problem) problems.push(`/store/postgres/url: ${problem}`);
  }
  problems.push(...notificationProblems(value.notifications, value.alertmanagerUrl));
  problems.push(...configUserProblems(value.users));
  const config = validateConfig(CollectorConfigSchema, value, source, problems) as CollectorConfig;
  config.notifications.channels = withChannelDefaults(config.notifications.channels);
  const bh = config.businessHours;
  const tzProblems = Object.entries({ default: bh?.default, ...bh?.sites })
    .map(([site, h]) => (h ? [site, checkTimezone(h.timezone)] : [site, undefined]))
    .filter(([, p]) => p)
    .map(([site, p]) => `/businessHours/${site === 'default' ? 'default' : `sites/${site}`}/timezone: ${p}`);
  if (tzProblems.length > 0) throw new ConfigError(source, tzProblems);
  const policy = resolveLoginPolicy(config.listen.host, config.statusPage);
  if ('problem' in policy) throw new ConfigError(source, [policy.problem]);
  config.statusPage.requireLogin = policy.requireLogin;
  return config;
}

export async function loadCollectorConfig(file: string | undefined, env: NodeJS.ProcessEnv): Promise<CollectorConfig> {
  const raw = file ? await readConfigFile(file) : {};
  const config = resolveCollectorConfig(raw, env, file ?? 'environment');
  // Files named in the configuration are relative to the configuration file, not to the cwd.
  const cal = config.businessHours?.calendarFile;
  if (file && cal && !isAbsolute(cal)) config.businessHours!.calendarFile = resolve(dirname(file), cal);
  if (file && config.overridesFile && !isAbsolute(config.overridesFile)) config.overridesFile = resolve(dirname(file), config.overridesFile);
  // A channel's secret and CA files (…File, caFile) too.
  if (file) {
    for (const ch of config.notifications.channels as unknown as Record<string, unknown>[]) {
      for (const [k, v] of Object.entries(ch)) if (/File$/.test(k) && typeof v === 'string' && !isAbsolute(v)) ch[k] = resolve(dirname(file), v);
    }
  }
  const tls = config.listen.tls;
  if (file && tls) config.listen.tls = { cert: resolve(dirname(file), tls.cert), key: resolve(dirname(file), tls.key) };
  config.stateDir = config.stateDir ?? collectorStateDir(process.platform, env);
  return config;
}
