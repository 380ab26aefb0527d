// `stationwatch loadgen`: N simulated agents against a collector on this machine (tools/loadgen/).
// `--collector-config FILE` writes a collector configuration listing the simulated devices' tokens.
import { writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { createLogger } from '../common/logger.js';
import { loadgenDevices, runLoad } from '../tools/loadgen/loadgen.js';
import { seriesPerReport } from '../tools/loadgen/report-shape.js';
import { loadgenCommand } from './commands.js';
import { parseCommand, usageError } from './usage.js';

/**
 * The collector a written configuration describes keeps its database beside that file, not in the
 * machine's default (/var/lib/… as root): a load run must not touch a real collector's state.
 */
export function loadgenStateDir(configFile: string): string {
  const file = resolve(configFile);
  return join(dirname(file), `${basename(file, extname(file))}-state`);
}

export async function runLoadgen(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const parsed = parseCommand(loadgenCommand, args);
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const num = (v: string, name: string) => {
    const n = Number(v);
    if (!(n > 0) || n > 100_000) throw new Error(`--${name} must be a positive number (at most 100000), not "${v}"`);
    return n;
  };
  const agents = Math.floor(num(values.agents, 'agents'));
  const seed = values.seed;
  const configFile = values['collector-config'];
  if (configFile) {
    const port = Math.floor(num(values.port, 'port'));
    const stateDir = resolve(values['state-dir'] ?? loadgenStateDir(configFile));
    const cfg = { listen: { host: '127.0.0.1', port }, defaultSite: 'loadgen', stateDir, devices: loadgenDevices(agents, seed), limits: { maxDevices: agents + 10 }, log: { level: 'warn' } };
    await writeFile(configFile, stringify(cfg));
    console.log(`wrote ${configFile} with ${agents} simulated devices; the collector keeps its state in ${stateDir}`);
    return 0;
  }
  if (!values.url) return usageError(loadgenCommand, 'give --url URL to run, or --collector-config FILE to write a collector configuration');
  const result = await runLoad({
    url: values.url,
    agents,
    seconds: num(values.seconds, 'seconds'),
    intervalSeconds: num(values.interval, 'interval'),
    concurrency: Math.floor(num(values.concurrency, 'concurrency')),
    tokenSeed: seed,
    log: createLogger(env.STATIONWATCH_LOG_LEVEL ?? 'warn', 'stationwatch-loadgen'),
  });
  console.log(JSON.stringify({ ...result, seriesPerReport }, null, 2));
  return result.status5xx > 0 || result.lost > 0 ? 1 : 0;
}
