// The cost of each probe on its own (bench/probe-costs-worker.ts does the measuring in a separate
// process): CPU per run, child processes per run and in the background, and what that adds up to
// per hour at the default intervals.
import { join } from 'node:path';
import { AGENT_V8_FLAGS } from '../agent/lean-v8.js';
import type { ProbeCost } from './probe-costs-worker.js';
import { fmt, type Table } from './lib/report.js';
import { benchDist, type Scope } from './lib/processes.js';

export const FAST_SECONDS = 15;
export const SLOW_SECONDS = 600;

export interface ProbeCosts {
  costs: ProbeCost[];
  /** CPU seconds per hour of all probes at the default intervals (collects plus background work). */
  cpuSecondsPerHour: number;
  slowCpuSecondsPerHour: number;
  table: Table;
}

const perHour = (c: ProbeCost) => {
  const runsPerHour = 3600 / c.intervalSeconds;
  const collect = ((c.cpuMsPerCollect + c.childCpuMsPerCollect) * runsPerHour) / 1000;
  const background = c.background ? (c.background.cpuMsPerMinute * 60) / 1000 : 0;
  return { runsPerHour, collect, background, total: collect + background, spawnsPerHour: c.spawnsPerCollect * runsPerHour + (c.background?.spawnsPerMinute ?? 0) * 60 };
};

export async function measureProbeCosts(scope: Scope, smoke: boolean): Promise<ProbeCosts> {
  // With the V8 flags the agent runs with (agent/lean-v8.ts), so a probe costs here what it costs there.
  const worker = scope.startNode(join(benchDist, 'probe-costs-worker.js'), smoke ? ['1', '1', '1'] : ['10', '3', '30'], { nodeArgs: [...AGENT_V8_FLAGS] });
  const code = await new Promise<number | null>((resolve) => worker.child.once('exit', resolve));
  const line = worker.output().trim().split('\n').reverse().find((l) => l.startsWith('['));
  if (code !== 0 || !line) throw new Error(`the probe cost worker failed (exit ${code}):\n${worker.output().slice(-3000)}`);
  const costs = JSON.parse(line) as ProbeCost[];
  const rows = costs.map((c) => {
    const h = perHour(c);
    return [
      c.probe,
      `${c.interval} (${c.intervalSeconds} s)`,
      c.ok ? 'ok' : `failed: ${c.error ?? ''}`,
      `${fmt(c.firstRunCpuMs)}${c.firstRunCommands.length ? ` (${c.firstRunCommands.join(', ')})` : ''}`,
      fmt(c.cpuMsPerCollect),
      fmt(c.childCpuMsPerCollect),
      fmt(c.wallMsPerCollect),
      c.spawnsPerCollect === 0 ? '0' : `${fmt(c.spawnsPerCollect)} (${c.commands.join(', ')})`,
      c.background ? `${fmt(c.background.cpuMsPerMinute)} ms CPU, ${fmt(c.background.spawnsPerMinute)} spawns (${c.background.commands.join(', ') || '—'})` : '—',
      fmt(h.spawnsPerHour),
      fmt(h.total, 3),
    ];
  });
  const total = costs.reduce((s, c) => s + perHour(c).total, 0);
  // Only the probes that do not run inside the footprint window (5 min): one every 60 s already does.
  const slow = costs.filter((c) => c.intervalSeconds >= SLOW_SECONDS).reduce((s, c) => s + perHour(c).total, 0);
  const spawns = costs.reduce((s, c) => s + perHour(c).spawnsPerHour, 0);
  rows.push(['**all probes**', '', '', '', '', '', '', '', '', fmt(spawns), fmt(total, 3)]);
  return {
    costs,
    cpuSecondsPerHour: total,
    slowCpuSecondsPerHour: slow,
    table: {
      caption: `**Each probe on its own** (in one process, one probe at a time, default settings; background CPU is net of the same process' idle CPU over as long; ${smoke ? 'smoke: 1 run each' : 'after a first run, 10 runs of each fast probe, 3 of each slow one, 30 s of background per probe that has any; the hourly figure uses the runs after the first'})`,
      headers: ['probe', 'interval', 'outcome here', 'first run: CPU ms (processes)', 'CPU ms / run (own)', 'CPU ms / run (children)', 'wall ms / run', 'processes spawned / run', 'background (per minute)', 'processes / hour', 'CPU s / hour at defaults'],
      rows,
    },
  };
}
