// `stationwatch collector enrol-code|devices` (administrators, on the collector host: they open the
// collector's store directly, which is safe beside the running collector — SQLite WAL). The agent's
// side, `stationwatch agent enrol`, is cli/agent-enrol.ts (no native code: it is in the agent executable).
import { parseArgs } from 'node:util';
import { loadCollectorConfig } from '../collector/config.js';
import { openStore } from '../collector/store/db.js';
import { EnrolmentStore } from '../collector/store/enrolment.js';

import { defaultIo, type Io } from './agent-enrol.js';

export const collectorAdminUsage = `usage:
  stationwatch collector enrol-code --site SITE [--ttl-hours H] [--config collector.yaml]
      print a one-time enrolment code for an agent of SITE (valid --ttl-hours, default enrolment.codeTtlHours)
  stationwatch collector devices list [--config collector.yaml]
  stationwatch collector devices revoke NAME [--config collector.yaml]
      list enrolled devices; revoke one's token (its reports are refused from the next one on)`;

export async function runCollectorAdmin(args: string[], env: NodeJS.ProcessEnv, io: Io = defaultIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { config: { type: 'string', short: 'c' }, site: { type: 'string' }, 'ttl-hours': { type: 'string' } } });
  const config = await loadCollectorConfig(values.config, env);
  const db = openStore(config.stateDir);
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
