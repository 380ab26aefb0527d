// `stationwatch loadgen`: N simulated agents against a collector on this machine (tools/loadgen/).
// `--collector-config FILE` writes a collector configuration listing the simulated devices' tokens.
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { createLogger } from '../common/logger.js';
import { loadgenDevices, runLoad } from '../tools/loadgen/loadgen.js';
import { seriesPerReport } from '../tools/loadgen/report-shape.js';

export const loadgenUsage = `usage:
  stationwatch loadgen --collector-config FILE [--agents N] [--seed S] [--port P]
      write a collector configuration with the simulated devices and their tokens
  stationwatch loadgen --url http://127.0.0.1:PORT [--agents 300] [--seconds 20] [--interval 5]
                       [--concurrency 64] [--seed S]
      run: prints JSON (sent, accepted, retried, refused, 5xx, lost, latency percentiles);
      exit 1 when any 5xx or lost report. Loopback collectors only.`;

export async function runLoadgen(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({ args, options: { url: { type: 'string' }, agents: { type: 'string' }, seconds: { type: 'string' }, interval: { type: 'string' }, concurrency: { type: 'string' }, seed: { type: 'string' }, 'collector-config': { type: 'string' }, port: { type: 'string' } } });
  const num = (v: string | undefined, d: number, name: string) => {
    const n = v === undefined ? d : Number(v);
    if (!(n > 0) || n > 100_000) throw new Error(`--${name} must be a positive number (at most 100000), not "${v}"`);
    return n;
  };
  const agents = Math.floor(num(values.agents, 300, 'agents'));
  const seed = values.seed ?? 'stationwatch-loadgen';
  if (values['collector-config']) {
    const port = Math.floor(num(values.port, 9847, 'port'));
    const cfg = { listen: { host: '127.0.0.1', port }, defaultSite: 'loadgen', devices: loadgenDevices(agents, seed), limits: { maxDevices: agents + 10 }, log: { level: 'warn' } };
    await writeFile(values['collector-config'], stringify(cfg));
    console.log(`wrote ${values['collector-config']} with ${agents} simulated devices`);
    return 0;
  }
  if (!values.url) {
    console.error(loadgenUsage);
    return 2;
  }
  const result = await runLoad({
    url: values.url,
    agents,
    seconds: num(values.seconds, 20, 'seconds'),
    intervalSeconds: num(values.interval, 5, 'interval'),
    concurrency: Math.floor(num(values.concurrency, 64, 'concurrency')),
    tokenSeed: seed,
    log: createLogger(env.STATIONWATCH_LOG_LEVEL ?? 'warn', 'stationwatch-loadgen'),
  });
  console.log(JSON.stringify({ ...result, seriesPerReport }, null, 2));
  return result.status5xx > 0 || result.lost > 0 ? 1 : 0;
}
