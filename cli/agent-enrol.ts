// `stationwatch agent enrol` (on the workstation): trades a one-time code for the device token and
// stores it in the agent's state directory. Part of the agent executable: no collector code here.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadAgentConfig } from '../agent/config.js';
import { enrol } from '../agent/enrol/enrol.js';

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}
export const defaultIo: Io = { out: (l) => console.log(l), err: (l) => console.error(l) };

export const agentEnrolUsage = `usage:
  stationwatch agent enrol --code CODE [--collector URL] [--config agent.yaml] [--device NAME] [--site SITE]
      trade a one-time code for this device's token, stored (mode 0600) in the agent's state directory`;

export async function runAgentEnrol(args: string[], env: NodeJS.ProcessEnv, io: Io = defaultIo): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' }, code: { type: 'string' }, collector: { type: 'string' }, device: { type: 'string' }, site: { type: 'string' } } });
  if (!values.code) {
    io.err(`--code CODE is required\n\n${agentEnrolUsage}`);
    return 2;
  }
  // The configuration may not validate yet (no token): enrolment only needs its other fields.
  const cfgEnv = { ...env, STATIONWATCH_TOKEN: env.STATIONWATCH_TOKEN ?? 'enrolling', ...(values.collector ? { STATIONWATCH_COLLECTOR_URL: values.collector } : {}), ...(values.device ? { STATIONWATCH_DEVICE: values.device } : {}), ...(values.site ? { STATIONWATCH_SITE: values.site } : {}) };
  const config = await loadAgentConfig(values.config, cfgEnv);
  const opts = { timeoutMs: config.collector.timeoutSeconds * 1000, ...(config.collector.caFile ? { ca: await readFile(config.collector.caFile) } : {}) };
  const outcome = await enrol({ collectorUrl: config.collector.url, device: config.device, site: config.site, code: values.code }, config.stateDir, opts);
  if (outcome.kind === 'enrolled') {
    io.out(`enrolled ${outcome.token.device}; token stored in ${outcome.file}`);
    return 0;
  }
  io.err(`enrolment ${outcome.kind === 'retry' ? 'failed (try again)' : 'refused'}: ${outcome.reason}`);
  return 1;
}
