// `stationwatch collector enrol-code|devices` (administrators, on the collector host: they open the
// collector's store directly, which is safe beside the running collector — SQLite WAL). The agent's
// side, `stationwatch agent enrol`, is cli/agent-enrol.ts (no native code: it is in the agent executable).
import { loadCollectorConfig } from '../collector/config.js';
import { openStore } from '../collector/store/db.js';
import { EnrolmentStore } from '../collector/store/enrolment.js';
import { COMMANDS, devicesListCommand, devicesRevokeCommand, enrolCodeCommand } from './commands.js';
import { consoleIo, groupHelp, parseCommand, usageError, type LineIo } from './usage.js';

/** Opens the collector's store for the length of `use`. */
async function withStore<T>(configFile: string | undefined, env: NodeJS.ProcessEnv, use: (store: EnrolmentStore, config: Awaited<ReturnType<typeof loadCollectorConfig>>) => T): Promise<T> {
  const config = await loadCollectorConfig(configFile, env);
  const db = openStore(config.stateDir);
  try {
    return use(new EnrolmentStore(db), config);
  } finally {
    db.close();
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
    return withStore(values.config, env, (store, config) => {
      const ttlHours = ttlText !== undefined ? Number(ttlText) : config.enrolment.codeTtlHours;
      const { code, expiresMs } = store.issueCode(values.site, Date.now(), ttlHours * 3_600_000);
      io.out(code);
      io.err(`one-time code for site ${values.site}, valid until ${new Date(expiresMs).toISOString()}: stationwatch agent enrol --collector URL --code ${code}`);
      return 0;
    });
  }
  const [action, ...options] = rest;
  if (sub === 'devices' && action === 'list') {
    const parsed = parseCommand(devicesListCommand, options, io);
    if (typeof parsed === 'number') return parsed;
    return withStore(parsed.values.config, env, (store, config) => {
      io.out(['device', 'site', 'enrolled', 'via', 'revoked'].join('\t'));
      for (const r of store.list()) io.out([r.device, r.site, new Date(r.enrolledMs).toISOString(), r.enrolledVia, r.revokedMs ? new Date(r.revokedMs).toISOString() : '-'].join('\t'));
      for (const d of config.devices) io.out([d.name, d.site ?? config.defaultSite, 'configuration file', 'token in config', '-'].join('\t'));
      return 0;
    });
  }
  if (sub === 'devices' && action === 'revoke') {
    const parsed = parseCommand(devicesRevokeCommand, options, io);
    if (typeof parsed === 'number') return parsed;
    const [name, ...extra] = parsed.positionals;
    if (!name || extra.length > 0) return usageError(devicesRevokeCommand, 'name exactly one device', io);
    return withStore(parsed.values.config, env, (store, config) => {
      if (store.revoke(name, Date.now())) {
        io.out(`revoked ${name}: its token is refused from now on`);
        return 0;
      }
      const inConfig = config.devices.some((d) => d.name === name);
      io.err(inConfig ? `${name} has its token in the configuration file: remove it there and restart the collector` : `no enrolled device named ${name} (or already revoked)`);
      return 1;
    });
  }
  if (sub === 'devices') return groupHelp(COMMANDS, 'collector devices', rest, io);
  return groupHelp(COMMANDS, 'collector', args, io);
}
