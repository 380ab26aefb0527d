// `stationwatch collector enrol-code|devices` (administrators, on the collector host). enrol-code,
// list and revoke open the collector's store directly beside the running collector: each write is
// one short statement, and both sides wait only briefly for SQLite's write lock (collector/store/db.ts),
// so the CLI can neither stall the collector nor change its schema. `devices forget` goes through the
// collector's API as an admin, because the running collector holds the device in memory too.
// The agent's side, `stationwatch agent enrol`, is cli/agent-enrol.ts (no native code: it is in the agent executable).
import { parseArgs } from 'node:util';
import { loadCollectorConfig, type CollectorConfig } from '../collector/config.js';
import { openStore } from '../collector/store/db.js';
import { EnrolmentStore } from '../collector/store/enrolment.js';

import { defaultIo, type Io } from './agent-enrol.js';
import { api, firstLine } from './inspect.js';

export const collectorAdminUsage = `usage:
  stationwatch collector enrol-code --site SITE [--ttl-hours H] [--config collector.yaml]
      print a one-time enrolment code for an agent of SITE (valid --ttl-hours, default enrolment.codeTtlHours)
  stationwatch collector devices list [--config collector.yaml]
  stationwatch collector devices revoke NAME [--config collector.yaml]
      list enrolled devices; revoke one's token (its reports are refused from the next one on)
  stationwatch collector devices forget NAME --user ADMIN [--collector URL] [--config collector.yaml]
      remove a decommissioned device: its token, state and series (history stays); through the running
      collector's API as an admin (password from STATIONWATCH_PASSWORD or standard input)`;

/** The running collector's URL: --collector, STATIONWATCH_COLLECTOR_URL, else its listen address. */
function collectorUrl(explicit: string | undefined, env: NodeJS.ProcessEnv, config: CollectorConfig): string {
  const given = explicit ?? env.STATIONWATCH_COLLECTOR_URL;
  if (given) return given.replace(/\/+$/, '');
  const h = config.listen.host;
  const host = h === '0.0.0.0' || h === '::' ? '127.0.0.1' : h.includes(':') ? `[${h}]` : h;
  return `${config.listen.tls ? 'https' : 'http'}://${host}:${config.listen.port}`;
}

async function forget(name: string, o: { base: string; user: string | undefined; password: string | undefined; stdin: NodeJS.ReadableStream }, io: Io): Promise<number> {
  if (!o.user) return usage(io, 'forget needs --user (or STATIONWATCH_USER): an administrator of the collector');
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

export async function runCollectorAdmin(args: string[], env: NodeJS.ProcessEnv, io: Io = defaultIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { config: { type: 'string', short: 'c' }, site: { type: 'string' }, 'ttl-hours': { type: 'string' }, collector: { type: 'string' }, user: { type: 'string' } } });
  const config = await loadCollectorConfig(values.config, env);
  if (positionals[0] === 'devices' && positionals[1] === 'forget') {
    if (!positionals[2]) return usage(io, 'forget needs the device name');
    try {
      return await forget(positionals[2], { base: collectorUrl(values.collector, env, config), user: values.user ?? env.STATIONWATCH_USER, password: env.STATIONWATCH_PASSWORD, stdin: process.stdin }, io);
    } catch (err) {
      io.err(`stationwatch collector devices forget: ${(err as Error).message}`);
      return 1;
    }
  }
  const db = openStore(config.stateDir, { client: true });
  try {
    const store = new EnrolmentStore(db);
    const [sub, action, name] = positionals;
    if (sub === 'enrol-code') {
      const ttlHours = values['ttl-hours'] !== undefined ? Number(values['ttl-hours']) : config.enrolment.codeTtlHours;
      if (!values.site) return usage(io, '--site SITE is required');
      if (!(ttlHours > 0)) return usage(io, `--ttl-hours must be a positive number, not "${values['ttl-hours']}"`);
      const { code, expiresMs } = store.issueCode(values.site, Date.now(), ttlHours * 3_600_000);
      io.out(code);
      io.err(`one-time code for site ${values.site}, valid until ${new Date(expiresMs).toISOString()}: stationwatch agent enrol --collector URL --code ${code}`);
      return 0;
    }
    if (sub === 'devices' && action === 'list') {
      const rows = store.list();
      io.out(['device', 'site', 'enrolled', 'via', 'revoked'].join('\t'));
      for (const r of rows) io.out([r.device, r.site, new Date(r.enrolledMs).toISOString(), r.enrolledVia, r.revokedMs ? new Date(r.revokedMs).toISOString() : '-'].join('\t'));
      for (const d of config.devices) io.out([d.name, d.site ?? config.defaultSite, 'configuration file', 'token in config', '-'].join('\t'));
      return 0;
    }
    if (sub === 'devices' && action === 'revoke') {
      if (!name) return usage(io, 'revoke needs the device name');
      if (store.revoke(name, Date.now())) {
        io.out(`revoked ${name}: its token is refused from now on`);
        return 0;
      }
      const inConfig = config.devices.some((d) => d.name === name);
      io.err(inConfig ? `${name} has its token in the configuration file: remove it there and restart the collector` : `no enrolled device named ${name} (or already revoked)`);
      return 1;
    }
    return usage(io, `unknown command "${positionals.join(' ')}"`);
  } finally {
    db.close();
  }
}

function usage(io: Io, problem: string): number {
  io.err(`${problem}\n\n${collectorAdminUsage}`);
  return 2;
}
