// `stationwatch agent enrol` (on the workstation): trades a one-time code for the device token and
// stores it in the agent's state directory. Part of the agent executable: no collector code here.
import { readFile } from 'node:fs/promises';
import { loadAgentConfig } from '../agent/config.js';
import { enrol } from '../agent/enrol/enrol.js';
import { agentEnrolCommand } from './commands.js';
import { consoleIo, parseCommand, type LineIo } from './usage.js';

export async function runAgentEnrol(args: string[], env: NodeJS.ProcessEnv, io: LineIo = consoleIo): Promise<number> {
  const parsed = parseCommand(agentEnrolCommand, args, io);
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
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
