// Ingest CPU per report between builds, measured inside the collector's own process: each build's
// collector (its dist/collector/main.js, the CLI's start path and configuration) in its own process
// pinned to one core, fed the benchmark's reports through fastify's inject (32 in flight, the route,
// its content-type parser, validation, store, SQLite commit and rendering; no socket), in batches.
// Per batch: the main thread's CPU (process.threadCpuUsage) and the process' (GC helper threads,
// SQLite, the evaluation worker), and garbage collections (PerformanceObserver). CPU time is not
// wall time, and the lowest batches of a run are those least disturbed by other processes on a busy
// machine: the summary gives the median and the lower quartile. Builds alternate run by run.
// Usage: node dist/bench/ingest-ab-inproc.js --build base=/tmp/base --build new=. [--runs 4] [--batches 8] [--batch 1000] [--profile DIR]
// (with --profile, its JSON lines are ingest-ab-profiles.js' RUNS input: node dist/bench/ingest-ab-profiles.js DIR RUNS.jsonl)
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PerformanceObserver, constants as perf } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadgenDevices } from '../tools/loadgen/loadgen.js';
import { simulatedReport } from '../tools/loadgen/report-shape.js';

const SEED = 'bench-ingest';
const { values } = parseArgs({
  options: {
    build: { type: 'string', multiple: true },
    runs: { type: 'string', default: '4' },
    batches: { type: 'string', default: '8' },
    batch: { type: 'string', default: '1000' },
    devices: { type: 'string', default: '1000' },
    /** Internal: run one build's collector here and print its batches. */
    child: { type: 'string' },
    /** Profile the main thread over the batches (V8's profiler through node:inspector), one profile per run in DIR/<build>-<run>/, for ingest-ab-profiles.js. */
    profile: { type: 'string' },
  },
});
const devices = Number(values.devices);
const batches = Number(values.batches);
const batchSize = Number(values.batch);

interface Batch {
  mainUs: number;
  processUs: number;
  majorGcs: number;
  minorGcs: number;
  gcMs: number;
}

async function child(root: string): Promise<void> {
  const dist = pathToFileURL(join(resolve(root), 'dist') + '/').href;
  const { startCollector } = (await import(`${dist}collector/main.js`)) as typeof import('../collector/main.js');
  const { resolveCollectorConfig } = (await import(`${dist}collector/config.js`)) as typeof import('../collector/config.js');
  const { silentLogger } = (await import(`${dist}common/logger.js`)) as typeof import('../common/logger.js');
  const dir = await mkdtemp(join(tmpdir(), 'sw-ingest-ab-'));
  const fleet = loadgenDevices(devices, SEED);
  const config = resolveCollectorConfig({ listen: { host: '127.0.0.1', port: 0 }, defaultSite: 'bench', stateDir: join(dir, 'state'), log: { level: 'warn' }, devices: fleet.map((d) => ({ name: d.name, token: d.token, site: d.site })), staleAfterIntervals: 1000, limits: { reportsPerSecond: 1000, reportBurst: 1000 } }, {}, 'ingest A/B');
  const c = await startCollector(config, silentLogger);
  // The blaster's reports: each device's with markers where seq and the timestamps go.
  const startedAt = Date.now() - 60_000;
  const templates = fleet.map((d) => {
    const text = JSON.stringify(simulatedReport(d.name, d.site, startedAt, 987_654_321, 1_111_111_111_111, 15)).replace(/1111111111111/g, '\u0000').replace('987654321', '\u0001');
    return { auth: `Bearer ${d.token}`, parts: text.split(/[\u0000\u0001]/), seq: 1 };
  });
  let next = 0;
  let failed = 0;
  const send = async () => {
    const t = templates[next++ % templates.length]!;
    const now = String(Date.now());
    const payload = `${t.parts[0]}${t.seq++}${t.parts.slice(1).join(now)}`;
    const res = await c.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { 'content-type': 'application/json', authorization: t.auth }, payload });
    if (res.statusCode !== 202) failed++;
  };
  const run = async (n: number) => {
    let left = n;
    await Promise.all(Array.from({ length: 32 }, async () => {
      while (left-- > 0) await send();
    }));
  };
  const gcs = { major: 0, minor: 0, ms: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
      if (kind === perf.NODE_PERFORMANCE_GC_MAJOR) gcs.major++;
      else if (kind === perf.NODE_PERFORMANCE_GC_MINOR) gcs.minor++;
      gcs.ms += e.duration;
    }
  }).observe({ entryTypes: ['gc'] });
  // Warm-up: every device has a report, the code is optimised.
  await run(Math.max(3 * devices, 3000));
  const out: Batch[] = [];
  const session = values.profile ? new Session() : undefined;
  if (session) {
    session.connect();
    await post(session, 'Profiler.enable');
    await post(session, 'Profiler.start');
  }
  for (let b = 0; b < batches; b++) {
    const [m0, p0, g0] = [process.threadCpuUsage(), process.cpuUsage(), { ...gcs }];
    await run(batchSize);
    // Observer entries arrive on a later turn.
    await new Promise((r) => setImmediate(r));
    const [m1, p1] = [process.threadCpuUsage(m0), process.cpuUsage(p0)];
    out.push({ mainUs: (m1.user + m1.system) / batchSize, processUs: (p1.user + p1.system) / batchSize, majorGcs: gcs.major - g0.major, minorGcs: gcs.minor - g0.minor, gcMs: gcs.ms - g0.ms });
  }
  if (session) {
    const { profile } = (await post(session, 'Profiler.stop')) as { profile: unknown };
    await mkdir(values.profile!, { recursive: true });
    // Named like --cpu-prof's main-thread files (thread id 0), which ingest-ab-profiles.js looks for.
    await writeFile(join(values.profile!, 'CPU.0.0.0.0.0.cpuprofile'), JSON.stringify(profile));
    session.disconnect();
  }
  await c.app.close();
  await rm(dir, { recursive: true, force: true });
  process.stdout.write(`${JSON.stringify({ failed, batches: out })}\n`);
  process.exit(0);
}

function post(session: Session, method: string): Promise<unknown> {
  return new Promise((resolvePost, reject) => session.post(method, (err, res) => (err ? reject(err) : resolvePost(res))));
}

function runChild(root: string, profileDir?: string): Promise<{ failed: number; batches: Batch[] }> {
  return new Promise((resolveRun, reject) => {
    // Pinned to one core (no ingest workers then: collector/ingest-pool.ts), the same core for every build.
    const p = spawn('taskset', ['-c', '0', process.execPath, process.argv[1]!, '--child', root, '--batches', String(batches), '--batch', String(batchSize), '--devices', String(devices), ...(profileDir ? ['--profile', profileDir] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const deadline = setTimeout(() => p.kill('SIGKILL'), 600_000);
    p.on('exit', (code) => {
      clearTimeout(deadline);
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) reject(new Error(`the ${root} run failed (exit ${code}): ${out.slice(-2000)}`));
      else resolveRun(JSON.parse(line) as { failed: number; batches: Batch[] });
    });
  });
}

if (values.child) {
  await child(values.child);
} else {
  const builds = (values.build ?? []).map((b) => ({ name: b.slice(0, b.indexOf('=')), root: b.slice(b.indexOf('=') + 1) }));
  if (builds.length === 0 || builds.some((b) => !b.name)) throw new Error('give --build NAME=REPO_ROOT (built with npm run build), at least once');
  const all = new Map<string, Batch[]>(builds.map((b) => [b.name, []]));
  for (let r = 0; r < Number(values.runs); r++) {
    for (const b of r % 2 === 0 ? builds : [...builds].reverse()) {
      const res = await runChild(b.root, values.profile ? join(resolve(values.profile), `${b.name}-${r}`) : undefined);
      all.get(b.name)!.push(...res.batches);
      const med = (k: keyof Batch) => quantile(res.batches.map((x) => x[k]), 0.5).toFixed(1);
      console.log(JSON.stringify({ build: b.name, run: r, failed: res.failed, mainUs: med('mainUs'), processUs: med('processUs'), majorGcs: res.batches.reduce((a, x) => a + x.majorGcs, 0), minorGcs: res.batches.reduce((a, x) => a + x.minorGcs, 0), load1: (await import('node:os')).loadavg()[0], round: r, total: batches * batchSize, loadFromMs: 0 }));
    }
  }
  console.log(`\n| build | batches of ${batchSize} | main thread µs/report (median / lower quartile) | process µs/report (median / lower quartile) | major / minor GCs per 1,000 reports | GC pause µs/report (median) |`);
  console.log('|---|---|---|---|---|---|');
  for (const [name, bs] of all) {
    const per1000 = (k: 'majorGcs' | 'minorGcs') => ((bs.reduce((a, x) => a + x[k], 0) * 1000) / (bs.length * batchSize)).toFixed(2);
    console.log(`| ${name} | ${bs.length} | ${quantile(bs.map((x) => x.mainUs), 0.5).toFixed(0)} / ${quantile(bs.map((x) => x.mainUs), 0.25).toFixed(0)} | ${quantile(bs.map((x) => x.processUs), 0.5).toFixed(0)} / ${quantile(bs.map((x) => x.processUs), 0.25).toFixed(0)} | ${per1000('majorGcs')} / ${per1000('minorGcs')} | ${quantile(bs.map((x) => (x.gcMs * 1000) / batchSize), 0.5).toFixed(1)} |`);
  }
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (at - lo);
}
