// The reliability issue's load generator (tools/loadgen) in its own process, so it can be pinned to
// its own core: simulated agents with the real report queue and HTTP transport. Prints one JSON line
// with its result and the CPU it used (to show whether the generator or the server was the limit).
import { runLoad, type LoadOptions, type LoadResult } from '../tools/loadgen/loadgen.js';
import { silentLogger } from '../common/logger.js';

/** The load generator's own options, without what only a process of its own can hold (its logger). */
export type LoadgenArgs = Omit<LoadOptions, 'log' | 'graceSeconds'>;

export interface LoadgenOutput {
  result: LoadResult;
  cpuSeconds: number;
  wallSeconds: number;
}

const args = JSON.parse(process.argv[2]!) as LoadgenArgs;
const t0 = performance.now();
const result = await runLoad({ ...args, graceSeconds: 5, log: silentLogger });
const cpu = process.cpuUsage();
const out: LoadgenOutput = { result, cpuSeconds: (cpu.user + cpu.system) / 1e6, wallSeconds: (performance.now() - t0) / 1000 };
process.stdout.write(`${JSON.stringify(out)}\n`);
process.exit(0);
