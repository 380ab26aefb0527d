// Configuration sections of the status page, the persistent store and the people who use them,
// spread into the collector's one schema (collector/config.ts). The inspection period is not here:
// it is the catalog threshold `inspection.overdueAfter`, tuned in the site override file like every
// other threshold, so the alert rule and the badge read the same number.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { PostgresStoreSchema } from '../store/postgres/config.js';
import { SiteName } from '../../protocol/report.js';

export const roles = ['viewer', 'technician', 'admin'] as const;
export type Role = (typeof roles)[number];

/** `scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>`, as `stationwatch user hash-password` prints it. */
export const passwordHashPattern = '^scrypt\\$[0-9]+\\$[0-9]+\\$[0-9]+\\$[A-Za-z0-9+/=]+\\$[A-Za-z0-9+/=]+$';

const UserEntry = Type.Object(
  {
    name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$' }),
    role: Type.Union(roles.map((r) => Type.Literal(r))),
    passwordHash: Type.String({ pattern: passwordHashPattern }),
    /** Limits a viewer or technician to these sites (a branch technician); absent: every site. */
    sites: Type.Optional(Type.Array(SiteName, { maxItems: 100 })),
  },
  { additionalProperties: false },
);

/** What the schema cannot say about the file's users: one entry per name, and no site limits on an administrator. */
export function configUserProblems(users: unknown): string[] {
  if (!Array.isArray(users)) return [];
  const problems: string[] = [];
  const seen = new Map<unknown, number>();
  users.forEach((u: { name?: unknown; role?: unknown; sites?: unknown } | null, i) => {
    if (typeof u !== 'object' || u === null) return;
    if (seen.has(u.name)) problems.push(`/users/${i}/name: "${String(u.name)}" is already used by /users/${seen.get(u.name)}`);
    else seen.set(u.name, i);
    if (u.role === 'admin' && Array.isArray(u.sites) && u.sites.length > 0) problems.push(`/users/${i}/sites: an administrator sees every site; site limits are for viewers and technicians`);
  });
  return problems;
}

const httpUrl = Type.String({ pattern: '^https?://[^\\s/]+(/\\S*)?$' });

export const statusConfigProperties = {
  /** Where the persistent store (event history, inspections, sessions) lives; per-platform default. */
  stateDir: Type.Optional(Type.String({ minLength: 1 })),
  /** The site override file (alerts/overrides.ts): the badges use the same thresholds as the rules. */
  overridesFile: Type.Optional(Type.String({ minLength: 1 })),
  /** When set, maintenance periods become Alertmanager silences (HTTP API v2). */
  alertmanagerUrl: Type.Optional(httpUrl),
  /** When set, CSV exports carry the KPI recording rules' values, queried from this Prometheus. */
  prometheusUrl: Type.Optional(httpUrl),
  /** When set, the status page links each device and the fleet to the generated Grafana dashboards there. */
  grafanaUrl: Type.Optional(httpUrl),
  statusPage: Type.Object(
    {
      /**
       * Whether viewing (status page, /api/devices, CSV exports) needs a login; recording always needs
       * a technician. Default: false on a loopback listen address, true beyond it. Turning it off
       * beyond loopback needs `public: true` (resolveLoginPolicy).
       */
      requireLogin: Type.Optional(Type.Boolean()),
      /** Says explicitly that anyone who reaches the collector may view device state and inventory. */
      public: Type.Boolean({ default: false }),
      /** How often an open page refreshes its badges. */
      refreshSeconds: Type.Integer({ minimum: 1, maximum: 3600, default: 10 }),
      /** How often the catalog is evaluated (Prometheus' evaluation_interval plays this role for rules). */
      evaluateEverySeconds: Type.Number({ minimum: 0.2, maximum: 300, default: 15 }),
      sessionHours: Type.Number({ exclusiveMinimum: 0, maximum: 24 * 30, default: 12 }),
      /** Send cookies only over HTTPS; always on when listen.tls is set, set it when a TLS proxy fronts the collector. */
      secureCookies: Type.Boolean({ default: false }),
      /**
       * Password guessing (POST /login, POST /api/v1/sessions; each try costs a 32 MiB scrypt):
       * failures are counted per user name and per address within `lockoutSeconds` from the first
       * one; reaching a maximum locks that name or address out (429 + Retry-After) until the window
       * ends. Every attempt, failed or not, also counts against `maxAttemptsPerAddressPerMinute`.
       */
      login: Type.Object(
        {
          maxFailuresPerUser: Type.Integer({ minimum: 1, maximum: 1000, default: 5 }),
          maxFailuresPerAddress: Type.Integer({ minimum: 1, maximum: 10_000, default: 20 }),
          lockoutSeconds: Type.Number({ minimum: 1, maximum: 86_400, default: 900 }),
          maxAttemptsPerAddressPerMinute: Type.Integer({ minimum: 1, maximum: 10_000, default: 30 }),
        },
        { additionalProperties: false, default: {} },
      ),
    },
    { additionalProperties: false, default: {} },
  ),
  users: Type.Array(UserEntry, { default: [] }),
  store: Type.Object(
    {
      /** Event history older than this is deleted (a quarter's assessment needs at least 90 days). */
      eventRetentionDays: Type.Integer({ minimum: 1, maximum: 3650, default: 400 }),
      /** Keep the state in this PostgreSQL database (several collectors may share it) instead of SQLite in stateDir. */
      postgres: Type.Optional(PostgresStoreSchema),
    },
    { additionalProperties: false, default: {} },
  ),
};

/**
 * Where the store lives when the configuration does not say: the directory systemd made for the
 * service (StateDirectory= exports it as $STATE_DIRECTORY), else the platform's place for service data.
 */
export function collectorStateDir(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string {
  const systemd = env.STATE_DIRECTORY?.split(':')[0];
  if (systemd) return systemd;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (platform === 'win32') return join(env.ProgramData ?? 'C:\\ProgramData', 'stationwatch-collector');
  if (platform === 'darwin') return isRoot ? '/Library/Application Support/stationwatch-collector' : join(homedir(), 'Library', 'Application Support', 'stationwatch-collector');
  return isRoot ? '/var/lib/stationwatch-collector' : join(env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'stationwatch-collector');
}

/** Whether `host` (a listen address) is reachable only from this machine. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\./.test(h);
}

/**
 * Viewing needs a login unless the collector listens on loopback only, or the configuration says
 * `public: true`. Returns the effective `requireLogin` or the problem with the configuration.
 */
export function resolveLoginPolicy(host: string, sp: { requireLogin?: boolean; public: boolean }): { requireLogin: boolean } | { problem: string } {
  if (sp.public && sp.requireLogin === true) return { problem: '/statusPage/public: true contradicts requireLogin: true; keep one' };
  if (sp.public) return { requireLogin: false };
  if (sp.requireLogin === false && !isLoopback(host)) return { problem: `/statusPage/requireLogin: false on listen address ${host}, which is reachable from other machines, shows device inventory to anyone there; set statusPage.public: true to mean it` };
  return { requireLogin: sp.requireLogin ?? !isLoopback(host) };
}
