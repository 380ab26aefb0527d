// Runs in its own process (bench/probe-costs.ts starts it): every probe of the agent, one at a time,
// with the agent's default settings on this machine — the first (cold) run apart, then CPU per
// collect (own and of the child
// processes it waited for), wall time, the processes it spawned, and for probes with background
// work (start()) the CPU and spawns per minute while idle. Child processes are counted by wrapping
// node:child_process before any probe module is loaded (syncBuiltinESMExports makes the ESM named
// imports see the wrappers), so systeminformation's spawns count too. Prints one JSON line.
import cp from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ProbeCost {
  probe: string;
  interval: 'fast' | 'slow';
  /** Seconds between its runs at the agent's defaults (a probe may have its own: printers every 60 s). */
  intervalSeconds: number;
  runs: number;
  ok: boolean;
  error?: string;
  /** The first run (cold: module code not yet compiled, caches empty), own + children CPU. */
  firstRunCpuMs: number;
  firstRunCommands: string[];
  cpuMsPerCollect: number;
  childCpuMsPerCollect: number;
  wallMsPerCollect: number;
  spawnsPerCollect: number;
  commands: string[];
  background?: { cpuMsPerMinute: number; spawnsPerMinute: number; commands: string[] };
}

const spawned: string[] = [];
const c = cp as unknown as Record<string, (...args: unknown[]) => unknown>;
// Not exec: it calls module.exports.execFile, which is wrapped (and would count twice).
for (const fn of ['spawn', 'execFile', 'fork', 'spawnSync', 'execFileSync', 'execSync']) {
  const original = c[fn]!;
  c[fn] = function (this: unknown, ...args: unknown[]) {
    // execSync (and exec, through execFile) get a shell command line, the others a file: keep the program's name.
    const what = String(args[0]).trim().split(/\s+/)[0]!.split('/').pop()!;
    spawned.push(what);
    return original.apply(this, args);
  };
}
syncBuiltinESMExports();

const childCpuMs = () => {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) * 10; // cutime + cstime, 100 ticks per second
};
const ownCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const tally = (xs: string[]) => {
  const counts = new Map<string, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k}×${n}`);
};

const [fastRuns, slowRuns, backgroundSeconds] = process.argv.slice(2).map(Number) as [number, number, number];
const { resolveAgentConfig } = await import('../agent/config.js');
const { descendantsCpuBetween, liveDescendantsCpu } = await import('./lib/proc-stats.js');
const { probeDefinitions } = await import('../agent/probes/index.js');
const { probeIntervalSeconds } = await import('../agent/probes/probe.js');
const { systemClock } = await import('../agent/clock.js');
const { silentLogger } = await import('../common/logger.js');

/** CPU of this process doing nothing for `seconds`: V8's and libuv's own idle work, subtracted from each probe's background figure. */
async function idleCpuMs(seconds: number): Promise<number> {
  // Children still running count too: the network probe's long-running ping on Linux.
  const [o0, c0, l0] = [ownCpuMs(), childCpuMs(), liveDescendantsCpu(process.pid)];
  await new Promise((r) => setTimeout(r, seconds * 1000));
  return ownCpuMs() - o0 + childCpuMs() - c0 + descendantsCpuBetween(l0, liveDescendantsCpu(process.pid)) * 1000;
}

const stateDir = await mkdtemp(join(tmpdir(), 'sw-bench-probes-'));
// Measured again after the probes (below) and the smaller taken: right after the imports V8 is still
// compiling and collecting, which inflated a single early baseline until it hid the background work
// of the network and stability probes (0 ms per minute, BENCHMARKS.md before this).
let idleBaselineMs = backgroundSeconds > 0 ? await idleCpuMs(backgroundSeconds) : 0;
const backgroundCpuMs = new Map<ProbeCost, number>();
// The agent's defaults, with the collector on loopback: the network probe's default target is its host.
const config = resolveAgentConfig({ site: 'bench', collector: { url: 'http://127.0.0.1:9', token: 'bench-token-0123456789' }, stateDir }, {}, 'bench');
const results: ProbeCost[] = [];
try {
  for (const def of probeDefinitions) {
    const instance = def.create({
      log: silentLogger,
      clock: systemClock('/proc'),
      platform: process.platform,
      stateDir,
      procRoot: '/proc',
      sysRoot: '/sys',
      settings: config.probes[def.name]?.settings ?? {},
      collectorUrl: config.collector.url,
    });
    const runs = def.interval === 'fast' ? fastRuns : slowRuns;
    let error: string | undefined;
    await instance.start?.().catch((e: Error) => (error = `start: ${e.message}`));
    const collect = async () => {
      try {
        await instance.collect({ signal: AbortSignal.timeout(def.interval === 'fast' ? 10_000 : 120_000) });
      } catch (e) {
        error = (e as Error).message;
      }
    };
    const f0 = [ownCpuMs() + childCpuMs(), spawned.length] as const;
    await collect();
    const firstRunCpuMs = ownCpuMs() + childCpuMs() - f0[0];
    const firstRunCommands = tally(spawned.slice(f0[1]));
    const s0 = spawned.length;
    const [own0, child0, t0] = [ownCpuMs(), childCpuMs(), performance.now()];
    for (let i = 0; i < runs; i++) await collect();
    const [own1, child1, t1] = [ownCpuMs(), childCpuMs(), performance.now()];
    const collectSpawns = spawned.slice(s0);
    const cost: ProbeCost = {
      probe: def.name,
      interval: def.interval,
      intervalSeconds: probeIntervalSeconds(def, process.platform, config.intervals),
      runs,
      ok: error === undefined,
      ...(error ? { error: error.slice(0, 160) } : {}),
      firstRunCpuMs,
      firstRunCommands,
      cpuMsPerCollect: (own1 - own0) / runs,
      childCpuMsPerCollect: (child1 - child0) / runs,
      wallMsPerCollect: (t1 - t0) / runs,
      spawnsPerCollect: collectSpawns.length / runs,
      commands: tally(collectSpawns),
    };
    if (instance.start && backgroundSeconds > 0) {
      // Idle between collects: what its timers, watchers or loops cost on their own.
      const b0 = spawned.length;
      const cpu = await idleCpuMs(backgroundSeconds);
      const perMinute = 60 / backgroundSeconds;
      const bg = spawned.slice(b0);
      backgroundCpuMs.set(cost, cpu);
      cost.background = { cpuMsPerMinute: 0, spawnsPerMinute: bg.length * perMinute, commands: tally(bg) };
    }
    await instance.stop?.().catch(() => undefined);
    results.push(cost);
  }
  if (backgroundSeconds > 0) idleBaselineMs = Math.min(idleBaselineMs, await idleCpuMs(backgroundSeconds));
  for (const [cost, cpu] of backgroundCpuMs) cost.background!.cpuMsPerMinute = Math.max(0, cpu - idleBaselineMs) * (60 / backgroundSeconds);
} finally {
  await rm(stateDir, { recursive: true, force: true });
}
process.stdout.write(`${JSON.stringify(results)}\n`);
process.exit(0);
