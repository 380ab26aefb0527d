// `stationwatch collector enrol-code|devices` (administrators, on the collector host). enrol-code,
// list and revoke open the collector's store (SQLite or PostgreSQL, as configured) directly beside the
// running collector: each write is one short statement, and both sides wait only briefly for SQLite's
// write lock (collector/store/sqlite/db.ts), so the CLI can neither stall the collector nor change its schema. `devices forget` goes through the
// collector's API as an admin, because the running collector holds the device in memory too.
// The agent's side, `stationwatch agent enrol`, is cli/agent-enrol.ts (no native code: it is in the agent executable).
import { loadCollectorConfig, type CollectorConfig } from '../collector/config.js';
import { withCollectorStore, type LoadedCollectorConfig } from './collector-store.js';
import type { EnrolmentStore } from '../collector/store/store.js';
import { COMMANDS, devicesForgetCommand, devicesListCommand, devicesRevokeCommand, enrolCodeCommand } from './commands.js';
import { api, firstLine } from './inspect.js';
import { consoleIo, groupHelp, parseCommand, usageError, type LineIo } from './usage.js';

/** Opens the collector's store for the length of `use`. */
const withStore = <T>(configFile: string | undefined, env: NodeJS.ProcessEnv, use: (store: EnrolmentStore, config: LoadedCollectorConfig) => Promise<T>): Promise<T> =>
  withCollectorStore(configFile, env, (db, config) => use(db.enrolment, config));

/** The running collector's URL: --collector, STATIONWATCH_COLLECTOR_URL, else its listen address. */
function collectorUrl(explicit: string | undefined, env: NodeJS.ProcessEnv, config: CollectorConfig): string {
  const given = explicit ?? env.STATIONWATCH_COLLECTOR_URL;
  if (given) return given.replace(/\/+$/, '');
  const h = config.listen.host;
  const host = h === '0.0.0.0' || h === '::' ? '127.0.0.1' : h.includes(':') ? `[${h}]` : h;
  return `${config.listen.tls ? 'https' : 'http'}://${host}:${config.listen.port}`;
}

/** Forgets a device through the running collector's API, as an administrator. */
async function forget(name: string, o: { base: string; user: string; password: string | undefined; stdin: NodeJS.ReadableStream }, io: LineIo): Promise<number> {
  const password = o.password ?? (await firstLine(o.stdin));
  const session = (await api(`${o.base}/api/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: o.user, password }) })) as { token: string };
  const auth = { authorization: `Bearer ${session.token}` };
  try {
    await api(`${o.base}/api/v1/devices/${encodeURIComponent(name)}`, { method: 'DELETE', headers: auth });
    io.out(`forgot ${name}: its token, state and series are gone (its history stays)`);
    return 0;
  } finally {
    await fetch(`${o.base}/api/v1/sessions/current`, { method: 'DELETE', headers: auth, signal: AbortSignal.timeout(5000) }).catch(() => undefined);
  }
}

/** args: what follows `stationwatch collector` (enrol-code …, devices list|revoke …). */
export async function runCollectorAdmin(args: string[], env: NodeJS.ProcessEnv, io: LineIo = consoleIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'enrol-code') {
    const parsed = parseCommand(enrolCodeCommand, rest, io);
    if (typeof parsed === 'number') return parsed;
    const { values } = parsed;
    const ttlText = values['ttl-hours'];
    if (ttlText !== undefined && !(Number(ttlText) > 0)) return usageError(enrolCodeCommand, `--ttl-hours must be a positive number, not "${ttlText}"`, io);
    return withStore(values.config, env, async (store, config) => {
      const ttlHours = ttlText !== undefined ? Number(ttlText) : config.enrolment.codeTtlHours;
      const { code, expiresMs } = await store.issueCode(values.site, Date.now(), ttlHours * 3_600_000);
      io.out(code);
      io.err(`one-time code for site ${values.site}, valid until ${new Date(expiresMs).toISOString()}: stationwatch agent enrol --collector URL --code ${code}`);
      return 0;
    });
  }
  const [action, ...options] = rest;
  if (sub === 'devices' && action === 'list') {
    const parsed = parseCommand(devicesListCommand, options, io);
    if (typeof parsed === 'number') return parsed;
    return withStore(parsed.values.config, env, async (store, config) => {
      io.out(['device', 'site', 'enrolled', 'via', 'revoked'].join('\t'));
      for (const r of await store.list()) io.out([r.device, r.site, new Date(r.enrolledMs).toISOString(), r.enrolledVia, r.revokedMs ? new Date(r.revokedMs).toISOString() : '-'].join('\t'));
      for (const d of config.devices) io.out([d.name, d.site ?? config.defaultSite, 'configuration file', 'token in config', '-'].join('\t'));
      return 0;
    });
  }
  if (sub === 'devices' && action === 'revoke') {
    const parsed = parseCommand(devicesRevokeCommand, options, io);
    if (typeof parsed === 'number') return parsed;
    const [name, ...extra] = parsed.positionals;
    if (!name || extra.length > 0) return usageError(devicesRevokeCommand, 'name exactly one device', io);
    return withStore(parsed.values.config, env, async (store, config) => {
      if (await store.revoke(name, Date.now())) {
        io.out(`revoked ${name}: its token is refused from now on`);
        return 0;
      }
      const inConfig = config.devices.some((d) => d.name === name);
      io.err(inConfig ? `${name} has its token in the configuration file: remove it there and restart the collector` : `no enrolled device named ${name} (or already revoked)`);
      return 1;
    });
  }
  if (sub === 'devices' && action === 'forget') {
    const parsed = parseCommand(devicesForgetCommand, options, io);
    if (typeof parsed === 'number') return parsed;
    const [name, ...extra] = parsed.positionals;
    if (!name || extra.length > 0) return usageError(devicesForgetCommand, 'name exactly one device', io);
    const user = parsed.values.user ?? env.STATIONWATCH_USER;
    if (!user) return usageError(devicesForgetCommand, '--user (or STATIONWATCH_USER) is required: an administrator of the collector', io);
    const config = await loadCollectorConfig(parsed.values.config, env);
    try {
      return await forget(name, { base: collectorUrl(parsed.values.collector, env, config), user, password: env.STATIONWATCH_PASSWORD, stdin: process.stdin }, io);
    } catch (err) {
      io.err(`stationwatch collector devices forget: ${(err as Error).message}`);
      return 1;
    }
  }
  if (sub === 'devices') return groupHelp(COMMANDS, 'collector devices', rest, io);
  return groupHelp(COMMANDS, 'collector', args, io);
}
