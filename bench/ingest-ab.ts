// A/B of the collector's ingest cost between builds (bench/notes/collector-ingest.md): each build's
// collector (its own built CLI) pinned to core 0 with the "Collector ingest" benchmark's settings, the
// same lean generator (this tree's blaster-worker) on core 1, builds alternated round by round. Per
// accepted report it reports CPU time, not only the rate: the main thread's own CPU (from
// /proc/PID/task/PID/stat) and the whole process', so time the OS gave to other processes on a busy
// machine is not counted as the collector's work. `--profile DIR` runs every collector under
// --cpu-prof (profiles in DIR/<build>-<round>/).
// Usage: node dist/bench/ingest-ab.js --build base=/tmp/base --build new=. [--rounds 3] [--seconds 15] [--warm 5] [--devices 1000] [--rate N] [--profile DIR]
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadgenDevices } from '../tools/loadgen/loadgen.js';
import { startCollector } from './lib/collector.js';
import { cpuSeconds } from './lib/proc-stats.js';
import { benchDist, sleep, withScope } from './lib/processes.js';

const SEED = 'bench-ingest';
const { values } = parseArgs({
  options: {
    build: { type: 'string', multiple: true },
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '15' },
    warm: { type: 'string', default: '5' },
    devices: { type: 'string', default: '1000' },
    profile: { type: 'string' },
    /** Offered reports a second (every build gets the same rate, so per-report CPU is compared at equal batching); saturating when unset. */
    rate: { type: 'string' },
    /** Count the collector's garbage collections in the window (--trace-gc): full ones (Mark-Compact) and young ones, per 1,000 reports. */
    gc: { type: 'boolean', default: false },
  },
});
const builds = (values.build ?? []).map((b) => {
  const at = b.indexOf('=');
  if (at < 1) throw new Error(`--build NAME=REPO_ROOT, not ${b}`);
  return { name: b.slice(0, at), cli: join(resolve(b.slice(at + 1)), 'dist', 'cli', 'stationwatch.js') };
});
if (builds.length === 0) throw new Error('give at least one --build NAME=REPO_ROOT (built with npm run build)');
const rounds = Number(values.rounds);
const windowS = Number(values.seconds);
const warmS = Number(values.warm);
const devices = Number(values.devices);

/** Seconds of CPU one thread used (user + system): the main thread's tid is the pid. */
function threadCpuSeconds(pid: number, tid: number): number {
  const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

async function reportsTaken(url: string): Promise<number> {
  const text = await (await fetch(url)).text();
  let n = 0;
  for (const l of text.split('\n')) if (/^stationwatch_collector_reports_received_total\{result="(accepted|late|outdated)"\}/.test(l)) n += Number(l.slice(l.lastIndexOf(' ') + 1));
  return n;
}

interface Run {
  build: string;
  round: number;
  reports: number;
  perSecond: number;
  mainUsPerReport: number;
  processUsPerReport: number;
  mainShare: number;
  load1: number;
  /** Reports taken from the start of the load to the stop (what a CPU profile's load part covers). */
  total: number;
  loadFromMs: number;
  fullGcPer1000: number;
  youngGcPer1000: number;
  fullGcPauseUsPerReport: number;
  /** Samples of the main thread's scheduler state (R, S, D) over the window. */
  states: Record<string, number>;
  youngGcPauseUsPerReport: number;
}

async function once(build: (typeof builds)[number], round: number): Promise<Run> {
  return withScope(async (scope) => {
    const nodeArgs: string[] = [];
    if (values.profile) {
      const dir = join(resolve(values.profile), `${build.name}-${round}`);
      await mkdir(dir, { recursive: true });
      nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${dir}`);
    }
    if (values.gc) nodeArgs.push('--trace-gc');
    const spawnedAt = performance.now();
    const c = await startCollector(scope, loadgenDevices(devices, SEED), { cli: build.cli, core: 0, name: `ab-${build.name}`, nodeArgs, extra: { staleAfterIntervals: 1000, limits: { reportsPerSecond: 1000, reportBurst: 1000 } } });
    // --trace-gc prints one line per collection: counted as they come (the kept output is only a tail).
    const gcs = { full: 0, young: 0, fullMs: 0, youngMs: 0 };
    let partial = '';
    c.proc.child.stdout?.on('data', (b: Buffer) => {
      const lines = (partial + b.toString()).split('\n');
      partial = lines.pop()!;
      for (const l of lines) {
        // "…, 12.3 / 0.0 ms …": the pause on the main thread (concurrent marking on helper threads is not in it).
        const ms = Number(/ ([\d.]+) \/ [\d.]+ ms/.exec(l)?.[1] ?? 0);
        if (/Mark-Compact/.test(l)) {
          gcs.full++;
          gcs.fullMs += ms;
        } else if (/Scavenge|Minor Mark/.test(l)) {
          gcs.young++;
          gcs.youngMs += ms;
        }
      }
    });
    await sleep(2000);
    const pid = c.proc.pid;
    // Where the load starts in the collector's CPU profile (start-up is not ingest work), and the reports since.
    const loadFromMs = performance.now() - spawnedAt;
    const gen = scope.startNode(join(benchDist, 'blaster-worker.js'), [JSON.stringify({ url: c.url, seconds: warmS + windowS + 5, connections: 32, devices, tokenSeed: SEED, ...(values.rate ? { perSecond: Number(values.rate) } : {}) })], { core: 1 });
    await sleep(warmS * 1000);
    const url = `${c.url}/collector/metrics`;
    const [n0, m0, p0, t0] = [await reportsTaken(url), threadCpuSeconds(pid, pid), cpuSeconds(pid).own, performance.now()];
    const gc0 = { ...gcs };
    // What the main thread is doing, sampled every 5 ms: running or waiting for the core (R), waiting
    // for work (S: epoll), or in the kernel on I/O (D: SQLite's fsync at each commit).
    const states: Record<string, number> = {};
    const sampler = setInterval(() => {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
        const st = stat[stat.lastIndexOf(')') + 2]!;
        states[st] = (states[st] ?? 0) + 1;
      } catch {
        // exited: the run fails below
      }
    }, 5);
    await sleep(windowS * 1000);
    clearInterval(sampler);
    const [n1, m1, p1, t1] = [await reportsTaken(url), threadCpuSeconds(pid, pid), cpuSeconds(pid).own, performance.now()];
    const gc1 = { ...gcs };
    await gen.stop('SIGKILL');
    const total = await reportsTaken(url);
    await c.proc.stop('SIGINT');
    const reports = n1 - n0;
    const s = (t1 - t0) / 1000;
    const load1 = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
    return { build: build.name, round, reports, perSecond: reports / s, mainUsPerReport: ((m1 - m0) * 1e6) / reports, processUsPerReport: ((p1 - p0) * 1e6) / reports, mainShare: (m1 - m0) / s, load1, total, loadFromMs, fullGcPer1000: ((gc1.full - gc0.full) * 1000) / reports, youngGcPer1000: ((gc1.young - gc0.young) * 1000) / reports, fullGcPauseUsPerReport: ((gc1.fullMs - gc0.fullMs) * 1000) / reports, states, youngGcPauseUsPerReport: ((gc1.youngMs - gc0.youngMs) * 1000) / reports };
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const runs: Run[] = [];
for (let r = 0; r < rounds; r++) {
  const order = r % 2 === 0 ? builds : [...builds].reverse();
  for (const b of order) {
    const run = await once(b, r);
    runs.push(run);
    console.log(JSON.stringify(run));
  }
}
console.log('\nbuild | runs | reports/s (median) | main-thread µs/report (median, min–max) | process µs/report (median, min–max) | main thread share of core | full / young GCs per 1,000 reports, their pauses in µs per report (median; --gc)');
for (const b of builds) {
  const mine = runs.filter((x) => x.build === b.name);
  const main = mine.map((x) => x.mainUsPerReport);
  const proc = mine.map((x) => x.processUsPerReport);
  console.log(`${b.name} | ${mine.length} | ${median(mine.map((x) => x.perSecond)).toFixed(0)} | ${median(main).toFixed(0)} (${Math.min(...main).toFixed(0)}–${Math.max(...main).toFixed(0)}) | ${median(proc).toFixed(0)} (${Math.min(...proc).toFixed(0)}–${Math.max(...proc).toFixed(0)}) | ${(median(mine.map((x) => x.mainShare)) * 100).toFixed(1)} % | ${median(mine.map((x) => x.fullGcPer1000)).toFixed(2)} / ${median(mine.map((x) => x.youngGcPer1000)).toFixed(1)}, ${median(mine.map((x) => x.fullGcPauseUsPerReport)).toFixed(1)} / ${median(mine.map((x) => x.youngGcPauseUsPerReport)).toFixed(1)} µs`);
}
