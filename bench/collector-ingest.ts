// Collector ingest: the real collector (built CLI) pinned to one core, driven by the reliability
// issue's load generator (tools/loadgen, pinned to the other core) with ~150-series reports; next to
// a bare fastify route that only parses the same JSON (the ceiling) and Debian's Pushgateway taking
// the same data as pushes — all in the same run.
import { join } from 'node:path';
import { loadgenDevices } from '../tools/loadgen/loadgen.js';
import { seriesPerReport, simulatedReport } from '../tools/loadgen/report-shape.js';
import type { BlasterArgs } from './blaster-worker.js';
import type { LoadgenArgs, LoadgenOutput } from './loadgen-worker.js';
import { startCollector } from './lib/collector.js';
import { cpuByBucket, type Bucket } from './lib/cpu-profile.js';
import { cpuSeconds, rssMiB } from './lib/proc-stats.js';
import { benchDist, freePort, httpOk, requireBinary, sleep, waitFor, withScope, type Scope } from './lib/processes.js';
import { fillGroups, pushBody, pushRate } from './lib/pushgateway.js';
import { fmt, ratio, type Section } from './lib/report.js';
import type { BenchOptions } from './options.js';

const PUSHGATEWAY = '/usr/bin/prometheus-pushgateway';

/** The collector's work per report, by the module that does it (deepest match on the stack wins). */
const INGEST_BUCKETS: Bucket[] = [
  { label: 'durable device state (SQLite upsert of the report text as received, commit)', matches: (u) => u.includes('collector/store/device-state') },
  { label: 'status page evaluation (every 15 s)', matches: (u) => u.includes('collector/status/') || u.includes('/alerts/evaluate') },
  { label: 'exposition text, rendered once per report', matches: (u) => u.includes('collector/device-exposition') },
  { label: 'device store: checking and indexing samples', matches: (u) => u.includes('collector/device-store') },
  { label: 'report schema validation (TypeBox, compiled)', matches: (u) => u.includes('protocol/report') },
  { label: 'JSON parse (fastify)', matches: (u, f) => u.includes('secure-json-parse') || f === 'defaultJsonParser' },
  { label: 'ingest route: token, rate limit, counters', matches: (u) => u.includes('collector/routes/ingest') || u.includes('collector/rate-limit') || u.includes('prom-client') },
];
const SERVER_CORE = 0;
const LOADGEN_CORE = 1;
const SEED = 'bench-ingest';

/** Reports the collector took (answered 2xx): accepted, late or outdated. */
async function reportsTaken(url: string): Promise<number> {
  const text = await (await fetch(url)).text();
  let n = 0;
  for (const l of text.split('\n')) if (/^stationwatch_collector_reports_received_total\{result="(accepted|late|outdated)"\}/.test(l)) n += Number(l.slice(l.lastIndexOf(' ') + 1));
  return n;
}

/**
 * Runs the load generator in its own pinned process while `measure` counts on the server side.
 * `stopAfter`: the generator is stopped once measured — at full load its agents' queues hold a
 * backlog that would take minutes to drain, and only the server-side rate is wanted then.
 */
async function withLoad<T>(scope: Scope, args: LoadgenArgs, measure: (generatorPid: number) => Promise<T>, stopAfter = false): Promise<{ load?: LoadgenOutput; measured: T }> {
  const proc = scope.startNode(join(benchDist, 'loadgen-worker.js'), [JSON.stringify(args)], { core: LOADGEN_CORE });
  const exited = new Promise<number | null>((resolve) => proc.child.once('exit', resolve));
  const measured = await measure(proc.pid);
  if (stopAfter) {
    await proc.stop('SIGKILL');
    return { measured };
  }
  const code = await exited;
  const line = proc.output().trim().split('\n').reverse().find((l) => l.startsWith('{'));
  if (code !== 0 || !line) throw new Error(`the load generator failed (exit ${code}):\n${proc.output().slice(-3000)}`);
  return { load: JSON.parse(line) as LoadgenOutput, measured };
}

/** The lean generator (blaster-worker.ts) in its own pinned process, stopped once `measure` is done. */
async function withBlaster<T>(scope: Scope, args: BlasterArgs, measure: (generatorPid: number) => Promise<T>): Promise<T> {
  const proc = scope.startNode(join(benchDist, 'blaster-worker.js'), [JSON.stringify(args)], { core: LOADGEN_CORE });
  const measured = await measure(proc.pid);
  await proc.stop('SIGKILL');
  return measured;
}

/** Server-side rate over the middle of a load run (skips `warmS`, counts over `windowS`), and both processes' CPU. */
async function serverRate(read: () => Promise<number>, pid: number, generatorPid: number, warmS: number, windowS: number) {
  await sleep(warmS * 1000);
  const [c0, cpu0, g0, t0] = [await read(), cpuSeconds(pid).own, cpuSeconds(generatorPid).own, performance.now()];
  await sleep(windowS * 1000);
  const [c1, cpu1, g1, t1] = [await read(), cpuSeconds(pid).own, cpuSeconds(generatorPid).own, performance.now()];
  const s = (t1 - t0) / 1000;
  return { perSecond: (c1 - c0) / s, cpuShare: (cpu1 - cpu0) / s, generatorCpuShare: (g1 - g0) / s };
}

export async function collectorIngest(opts: BenchOptions): Promise<Section> {
  requireBinary(PUSHGATEWAY, 'prometheus-pushgateway', 'collector ingest is measured next to Pushgateway');
  const devices = opts.smoke ? 20 : 1000;
  const warm = opts.smoke ? 1 : 5;
  const window = opts.smoke ? 2 : 20;
  const paced = { agents: devices, seconds: window, intervalSeconds: devices / 1000, concurrency: 64, tokenSeed: SEED, site: 'loadgen' };
  const blast = { seconds: warm + window + 5, connections: 32, devices, tokenSeed: SEED };
  const bodyBytes = Buffer.byteLength(JSON.stringify(simulatedReport('sim-00000', 'loadgen', Date.now(), 1, Date.now(), 15)));

  return withScope(async (scope) => {
    // 1. The collector: every simulated device configured; the per-device rate limit raised so that
    //    the offered load (several reports per device per second) measures capacity, not the limiter.
    //    The generator's report interval is also the interval its reports declare: a long staleness
    //    window keeps its sub-second intervals from making queued reports "late".
    const collector = await startCollector(scope, loadgenDevices(devices, SEED), { core: SERVER_CORE, name: 'ingest-collector', extra: { staleAfterIntervals: 1000, limits: { reportsPerSecond: 1000, reportBurst: 1000 } } });
    const accepted = () => reportsTaken(`${collector.url}/collector/metrics`);
    await sleep(2000);
    const rssEmpty = rssMiB(collector.proc.pid);
    opts.log(`ingest: collector at full load (${devices} devices)`);
    const sat = { measured: await withBlaster(scope, { ...blast, url: collector.url }, (gen) => serverRate(accepted, collector.proc.pid, gen, warm, window)) };
    opts.log(`ingest: collector at 1,000 reports/s`);
    const pacedRun = await withLoad(scope, { ...paced, url: collector.url }, (gen) => serverRate(accepted, collector.proc.pid, gen, Math.min(warm, 2), window - Math.min(warm, 2) - 1));
    const pacedLoad = pacedRun.load!;
    await sleep(1000);
    const rssLoaded = rssMiB(collector.proc.pid);
    await collector.proc.stop();

    // Where the collector's time goes at full load: the same run again under the V8 profiler.
    opts.log('ingest: collector at full load under the CPU profiler');
    const profileDir = await scope.tempDir('ingest-profile');
    const spawnedAt = performance.now();
    const profiled = await startCollector(scope, loadgenDevices(devices, SEED), { core: SERVER_CORE, name: 'ingest-collector-profiled', nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`], extra: { staleAfterIntervals: 1000, limits: { reportsPerSecond: 1000, reportBurst: 1000 } } });
    const loadFromMs = performance.now() - spawnedAt;
    await withBlaster(scope, { ...blast, url: profiled.url }, () => sleep((warm + window / 2) * 1000));
    await profiled.proc.stop('SIGINT');
    const byBucket = cpuByBucket(profileDir, INGEST_BUCKETS, loadFromMs);
    const profiledTotal = [...byBucket.values()].reduce((a, b) => a + b, 0);

    // 2. The ceiling: a bare fastify route parsing the same body, same generator, same cores.
    const barePort = await freePort();
    const bare = scope.startNode(join(benchDist, 'bare-ingest-server.js'), [String(barePort)], { core: SERVER_CORE });
    const bareUrl = `http://127.0.0.1:${barePort}`;
    await waitFor('the bare fastify route', () => httpOk(`${bareUrl}/healthz`));
    opts.log('ingest: bare fastify route at full load');
    const bareCount = async () => ((await (await fetch(`${bareUrl}/count`)).json()) as { count: number }).count;
    const ceiling = { measured: await withBlaster(scope, { ...blast, url: bareUrl }, (gen) => serverRate(bareCount, bare.pid, gen, warm, window)) };
    await bare.stop();

    // 3. Pushgateway, same data as text-format pushes, pinned to the same core: nearly empty, then holding one group per device.
    const pgPort = await freePort();
    const pg = scope.start(PUSHGATEWAY, [`--web.listen-address=127.0.0.1:${pgPort}`, '--log.level=warn'], { core: SERVER_CORE });
    const pgUrl = `http://127.0.0.1:${pgPort}`;
    await waitFor('Pushgateway', () => httpOk(`${pgUrl}/-/ready`));
    const names = loadgenDevices(devices, SEED).map((d) => d.name);
    opts.log('ingest: Pushgateway with one group');
    const pgEmpty = await pushRate(pgUrl, names.slice(0, 1), window, 4);
    opts.log(`ingest: filling Pushgateway with ${devices} groups`);
    const fillSeconds = await fillGroups(pgUrl, names, 4);
    opts.log(`ingest: Pushgateway holding ${devices} groups`);
    const pgFull = await pushRate(pgUrl, names, window, 4);
    const pgRss = rssMiB(pg.pid);

    const collectorRate = sat.measured.perSecond;
    return {
      title: 'Collector ingest',
      method: `Reports of ${seriesPerReport} series (${fmt(bodyBytes / 1024)} KiB of JSON, the load generator's report shape) for ${devices} configured devices. Server pinned to core ${SERVER_CORE} with taskset, generator to core ${LOADGEN_CORE}. Capacity: a lean closed-loop generator (bench/blaster-worker.ts: ${blast.connections} keep-alive connections, bodies prepared beforehand) saturates the server; accepted reports are counted on the server side over ${window} s after ${warm} s of warm-up — the same generator for the collector and the bare route, its own CPU share shown. Latency: the reliability issue's load generator (tools/loadgen: ${devices} simulated agents with the agent's real report queue and HTTP transport, ${paced.concurrency} requests in flight at most) offering 1,000 reports/s, request sent to answer received. Pushgateway (Debian, same core) gets the same samples as text-format PUTs, 4 in flight.`,
      headlines: [
        { what: 'collector sustained reports/s on one core vs bare fastify route', value: `${fmt(collectorRate)} vs ${fmt(ceiling.measured.perSecond)} (${fmt((collectorRate / ceiling.measured.perSecond) * 100)} %)`, target: '≥ 75 %', met: collectorRate >= 0.75 * ceiling.measured.perSecond },
        { what: `collector vs Pushgateway holding ${devices} groups`, value: `${fmt(collectorRate)} vs ${fmt(pgFull.perSecond, 2)} pushes/s (${ratio(collectorRate, pgFull.perSecond)})`, target: '≥ 50×', met: collectorRate >= 50 * pgFull.perSecond },
        { what: 'latency at 1,000 reports/s (p50 / p99)', value: `${fmt(pacedLoad.result.latencyMs.p50)} / ${fmt(pacedLoad.result.latencyMs.p99)} ms` },
      ],
      tables: [
        {
          caption: '**Throughput on one core**',
          headers: ['server', 'reports (pushes) / s', 'vs bare route', 'server CPU (share of its core)', 'generator CPU (share of its core)'],
          rows: [
            ['stationwatch collector (token check, schema validation, store, durable state)', fmt(collectorRate), ratio(collectorRate, ceiling.measured.perSecond), `${fmt(sat.measured.cpuShare * 100)} %`, `${fmt(sat.measured.generatorCpuShare * 100)} %`],
            ['bare fastify route (parse JSON, answer 202)', fmt(ceiling.measured.perSecond), '1×', `${fmt(ceiling.measured.cpuShare * 100)} %`, `${fmt(ceiling.measured.generatorCpuShare * 100)} %`],
            [`Pushgateway, 1 group held (${pgEmpty.failures} pushes failed)`, fmt(pgEmpty.perSecond, 3), ratio(pgEmpty.perSecond, ceiling.measured.perSecond), '', ''],
            [`Pushgateway, ${devices} groups held (${pgFull.failures} pushes failed)`, fmt(pgFull.perSecond, 3), ratio(pgFull.perSecond, ceiling.measured.perSecond), '', ''],
          ],
        },
        {
          caption: `**Where the collector's CPU goes at full load** (V8 CPU profile of a second ${fmt(warm + window / 2)} s run; share of the profiled CPU time)`,
          headers: ['work', 'share', 'µs per report'],
          rows: [...byBucket].sort((a, b) => b[1] - a[1]).map(([label, ms]) => [label, `${fmt((ms / profiledTotal) * 100)} %`, fmt(((ms / profiledTotal) * 1e6) / Math.max(1, collectorRate))]),
        },
        {
          caption: '**Latency and memory**',
          headers: ['figure', 'value'],
          rows: [
            ['offered / accepted at the paced run (reports/s)', `${fmt(devices / (devices / 1000))} / ${fmt(pacedRun.measured.perSecond)}`],
            ['latency p50 / p95 / p99 / max at 1,000 reports/s (ms)', `${fmt(pacedLoad.result.latencyMs.p50)} / ${fmt(pacedLoad.result.latencyMs.p95)} / ${fmt(pacedLoad.result.latencyMs.p99)} / ${fmt(pacedLoad.result.latencyMs.max)}`],
            ['reports refused / answered 5xx / lost at 1,000 reports/s', `${pacedLoad.result.refused} / ${pacedLoad.result.status5xx} / ${pacedLoad.result.lost}`],
            ['collector CPU at 1,000 reports/s (share of its core)', `${fmt(pacedRun.measured.cpuShare * 100)} %`],
            [`collector RSS: ${devices} devices configured, none reported → after the runs (heap grown by the load; memory per device: see scrape cost)`, `${fmt(rssEmpty)} → ${fmt(rssLoaded)} MiB`],
            [`Pushgateway: time to take ${devices} groups (4 in flight) / RSS holding them`, `${fmt(fillSeconds)} s / ${fmt(pgRss)} MiB`],
            ['Pushgateway body (text format) / collector body (JSON)', `${fmt(Buffer.byteLength(pushBody('sim-00000', 1)) / 1024)} / ${fmt(bodyBytes / 1024)} KiB`],
          ],
        },
      ],
      notes: [
        'The collector answers 202 only after the device state is committed to SQLite (WAL, synchronous=FULL, one transaction per event-loop turn), so the figure includes durable storage.',
        'The per-device rate limit (default 10 reports/s, burst 60) is raised for the run, and the staleness window (staleAfterIntervals) lengthened: the generator compresses the agents\' 15 s interval to a fraction of a second, and its reports declare that interval.',
        'Pushgateway re-checks the consistency of every group it holds on each push, so its rate falls with the number of groups held.',
      ],
      reproduce: `npm run bench -- --only ingest${opts.smoke ? ' --smoke' : ''}`,
      data: { reportsPerSecond: collectorRate, bareReportsPerSecond: ceiling.measured.perSecond, cpuShareAt1000: pacedRun.measured.cpuShare, pushgatewayFullPerSecond: pgFull.perSecond },
    };
  });
}
