// Status evaluation under load: the collector with N devices reporting every 15 s (the load
// generator on its own core) while the status page's catalog evaluation runs in its worker thread;
// a per-device target from /sd and /healthz are requested every 50 ms throughout, so any stall of the
// event loop shows as latency and as a gap without answers. Then the evaluator's counter histories
// after 24 simulated hours of reports (a fake clock: 5,760 evaluations 15 s apart), compact and
// tiered, against what the former object-per-sample lists kept for the same series.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { getPriority, setPriority } from 'node:os';
import { join } from 'node:path';
import { catalog } from '../alerts/catalog/index.js';
import { CatalogEvaluator, type Series } from '../alerts/evaluate.js';
import { resolveThresholds } from '../alerts/thresholds.js';
import { conditionInputs } from '../alerts/evaluate-conditions.js';
import { loadgenDevices } from '../tools/loadgen/loadgen.js';
import { simulatedReport } from '../tools/loadgen/report-shape.js';
import type { LoadgenArgs } from './loadgen-worker.js';
import { startCollector } from './lib/collector.js';
import { probe, probeInThread } from './lib/probe.js';
import { rssMiB } from './lib/proc-stats.js';
import { setThisThreadRealtime, threadScheduling } from '../collector/thread-priority.js';
import { benchDist, sleep, withScope } from './lib/processes.js';
import { fmt, percentile, type Section } from './lib/report.js';
import type { BenchOptions } from './options.js';

const SEED = 'bench-status-eval';

/**
 * What the machine gives any thread at all: a bare 50 ms timer in a Node.js process of its own (started
 * by this thread, so at its nice value; real-time SCHED_FIFO 1 with `realtime`), for `forMs`; its
 * lateness per tick in ms. Run beside the probes, it is the floor under their latencies: a request
 * needs the server and the client woken.
 */
function timerFloor(forMs: number, realtime: boolean): Promise<number[]> {
  const script = `const late = []; let last = performance.now();
    const t = setInterval(() => { const n = performance.now(); late.push(n - last - 50); last = n; }, 50);
    setTimeout(() => { clearInterval(t); process.stdout.write(JSON.stringify(late)); }, ${forMs});`;
  return new Promise((resolve, reject) => {
    const [cmd, args] = realtime ? ['chrt', ['--fifo', '1', process.execPath, '-e', script]] : [process.execPath, ['-e', script]];
    execFile(cmd, args, { timeout: forMs + 30_000, maxBuffer: 16 * 2 ** 20 }, (err, stdout) => {
      if (err) reject(new Error(`status-eval: the timer floor process failed: ${err.message}`));
      else resolve(JSON.parse(stdout) as number[]);
    });
  });
}

/** 24 h of 15 s evaluations of `devices` simulated devices' counters on a fake clock; what the histories hold then. */
function memoryAfterADay(devices: number) {
  const thresholds = resolveThresholds();
  const evaluator = new CatalogEvaluator(catalog, thresholds);
  const counters = new Set(catalog.flatMap((i) => i.alerts.flatMap((a) => conditionInputs(a.condition).counters)));
  const t0 = Date.UTC(2026, 11, 1);
  const names = Array.from({ length: devices }, (_, i) => `sim-${String(i).padStart(5, '0')}`);
  const labels = new Map<string, Series['labels']>();
  const passes = 86_400 / 15;
  const started = performance.now();
  for (let p = 0; p <= passes; p++) {
    const now = t0 + p * 15_000;
    const snapshot: Series[] = [];
    for (const name of names) {
      for (const s of simulatedReport(name, 'bench', t0, p + 1, now, 15).samples) {
        if (!counters.has(s.metric)) continue;
        const key = `${name}\u0000${s.metric}\u0000${JSON.stringify(s.labels ?? {})}`;
        let l = labels.get(key);
        if (!l) labels.set(key, (l = { device: name, site: 'bench', ...s.labels }));
        snapshot.push({ metric: s.metric, labels: l, value: s.value });
      }
    }
    evaluator.evaluate(snapshot, now);
  }
  const stats = evaluator.counterStats();
  // The former lists: per metric, every sample at least (shortest window / 400) apart within the longest window.
  let formerSamples = 0;
  const windows = new Map<string, number[]>();
  for (const i of catalog)
    for (const a of i.alerts) {
      const c = a.condition;
      if (c.kind !== 'increase' && c.kind !== 'counterRatio') continue;
      for (const m of conditionInputs(c).counters) windows.set(m, [...(windows.get(m) ?? []), (thresholds[i.id]?.[c.window] ?? 0) * 1000]);
    }
  const seriesPerMetric = new Map<string, number>();
  for (const s of simulatedReport('x', 'bench', t0, 1, t0, 15).samples) if (counters.has(s.metric)) seriesPerMetric.set(s.metric, (seriesPerMetric.get(s.metric) ?? 0) + 1);
  for (const [m, ws] of windows) formerSamples += (seriesPerMetric.get(m) ?? 0) * devices * (Math.floor(Math.max(...ws) / Math.max(15_000, Math.min(...ws) / 400)) + 1);
  return { devices, series: stats.series, samples: stats.samples, bytes: stats.bytes, formerSamples, seconds: (performance.now() - started) / 1000 };
}

export async function statusEvaluation(opts: BenchOptions): Promise<Section> {
  const override = Number(process.env.STATIONWATCH_BENCH_EVAL_DEVICES);
  const n = opts.smoke ? 40 : Number.isFinite(override) && override > 0 ? override : 10_000;
  // Smoke: a 3 s report interval and an evaluation every 2 s, so a few seconds see every device and a pass.
  const warmS = opts.smoke ? 5 : 40;
  const every = opts.smoke ? { report: 3, evaluate: 2 } : { report: 15, evaluate: 15 };
  const measureS = opts.smoke ? 6 : 90;
  const live = await withScope(async (scope) => {
    const devices = loadgenDevices(n, SEED);
    // Not pinned: the evaluation worker is a thread of the collector's process, and pinning the process
    // to one core would make it take turns with the event loop there instead of using the other core.
    // Diagnosis: STATIONWATCH_BENCH_EVAL_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p --trace-gc") runs
    // the collector with these Node.js flags; STATIONWATCH_BENCH_EVAL_LOG saves what it printed.
    const nodeArgs = (process.env.STATIONWATCH_BENCH_EVAL_NODE_ARGS ?? '').split(' ').filter(Boolean);
    // Per-device targets on their own listener and thread (scrapeListen, collector/scrape/), as the
    // scale-out guide recommends at this size; /sd hands out its address, as Prometheus would use it.
    const collector = await startCollector(scope, devices, { name: 'status-eval', extra: { statusPage: { evaluateEverySeconds: every.evaluate }, scrapeListen: { port: 0 } }, nodeArgs });
    const args: LoadgenArgs = { url: collector.url, agents: n, seconds: warmS + measureS + 5, intervalSeconds: every.report, concurrency: 64, tokenSeed: SEED, site: 'loadgen' };
    const gen = scope.startNode(join(benchDist, 'loadgen-worker.js'), [JSON.stringify(args)], { core: 1 });
    opts.log(`status-eval: ${n} devices reporting every ${every.report} s; warming up ${warmS} s`);
    await sleep(warmS * 1000);
    const sd = (await (await fetch(`${collector.url}/sd`)).json()) as Array<{ targets: string[]; labels: Record<string, string> }>;
    const chosen = sd[Math.floor(sd.length / 2)];
    if (!chosen) throw new Error('status-eval: /sd listed no targets');
    const path = chosen.labels.__metrics_path__!;
    const targetUrl = `http://${chosen.targets[0]}${path}`;
    // The measuring client runs ahead of the load it measures when it may (as the collector's scrape
    // thread does): on two busy cores a client at the default priority waited up to ~20 ms for a core
    // itself (a bare timer in another process was 4–23 ms late every second), which is the client's
    // delay, not the collector's. Prometheus runs on a machine of its own.
    // Real-time (SCHED_FIFO 1, as the collector's scrape thread) when it may, else nice −5: at nice −5
    // the client itself was still woken up to ~7 ms late at p99 (the floor below). Set after the
    // collector and the load generator started, and reset on fork: nothing it starts is real-time
    // (the floor process asks for its own policy through chrt).
    const before = getPriority();
    let clientNice = before;
    try {
      setPriority(-5);
      clientNice = -5;
    } catch (err) {
      opts.log(`status-eval: the measuring client keeps nice ${before} (${(err as Error).message}); its own scheduling delays count in the latencies`);
    }
    const notRealtime = await setThisThreadRealtime(1);
    if (notRealtime) opts.log(`status-eval: the measuring client is not real-time (${notRealtime}); its own scheduling delays count in the latencies`);
    const client = notRealtime ? `nice ${clientNice}` : 'SCHED_FIFO 1';
    const taken0 = await acceptedReports(collector.url);
    const t0 = performance.now();
    opts.log(`status-eval: probing ${targetUrl} (and the same path on the main listener) and /healthz every 50 ms for ${measureS} s`);
    const [target, onMain, health, floor, fairFloor] = await Promise.all([
      probeInThread(targetUrl, 50, measureS * 1000),
      probe(`${collector.url}${path}`, 50, measureS * 1000),
      probe(`${collector.url}/healthz`, 50, measureS * 1000),
      timerFloor(measureS * 1000, !notRealtime),
      // The same timer under the fair scheduler at nice 0, as a thread that asks for nothing waits.
      timerFloor(measureS * 1000, false),
    ]);
    const slowest = target.times.indexOf(Math.max(...target.times));
    opts.log(`status-eval: the target's slowest answer was answer ${slowest + 1} of ${target.times.length} (${fmt(target.times[slowest] ?? NaN)} ms); the next slowest ${fmt([...target.times].sort((a, b) => b - a)[1] ?? NaN)} ms`);
    const rate = ((await acceptedReports(collector.url)) - taken0) / ((performance.now() - t0) / 1000);
    if (!notRealtime) await setThisThreadRealtime(0);
    if (clientNice !== before) setPriority(before);
    const scrapeScheduling = threadSchedulingOf(collector.proc.pid, 'scrape');
    const rss = rssMiB(collector.proc.pid);
    const memory = await memoryParts(collector.url);
    const status = (await (await fetch(`${collector.url}/api/v1/status`)).json()) as { evaluatedAt: string; degraded: unknown; devices: unknown[] };
    await gen.stop('SIGKILL');
    // A profiled collector writes its profile as it exits: give its clean stop time (history flush).
    if (nodeArgs.length > 0) {
      collector.proc.child.kill('SIGTERM');
      await Promise.race([collector.proc.exited, sleep(180_000)]);
    }
    await collector.proc.stop();
    if (process.env.STATIONWATCH_BENCH_EVAL_LOG) await writeFile(process.env.STATIONWATCH_BENCH_EVAL_LOG, collector.proc.output());
    return { target, onMain, health, floor, rate, rss, memory, evaluatedDevices: status.devices.length, degraded: status.degraded !== null, client, scrapeScheduling, fairFloor };
  });
  // STATIONWATCH_BENCH_EVAL_DAY_DEVICES: fewer devices for the 24-hour simulation (a quicker run when only the live figures matter).
  const dayOverride = Number(process.env.STATIONWATCH_BENCH_EVAL_DAY_DEVICES);
  const memDevices = opts.smoke ? 3 : Number.isFinite(dayOverride) && dayOverride > 0 ? dayOverride : 200;
  opts.log(`status-eval: 24 simulated hours of counters for ${memDevices} devices`);
  const mem = memoryAfterADay(memDevices);
  const perDevice = mem.bytes / mem.devices;
  const p99 = percentile(live.target.times, 0.99);
  return {
    title: 'Status evaluation under load',
    method: `The collector (built CLI, not pinned: its evaluation worker is a thread of the same process) with ${n} configured devices, each reporting every ${every.report} s through the load generator (tools/loadgen on core 1, ~130 series per report); the status page's catalog evaluation runs every ${every.evaluate} s in its worker thread. Per-device targets have their own listener and thread (\`scrapeListen\`, collector/scrape/), whose address /sd hands out; that thread ran at ${live.scrapeScheduling} at the end of the run (it asks for real-time SCHED_FIFO 1 within a CPU budget, \`scrapeListen.realtime\`) and the measuring client at ${live.client} (the per-device target's probe in a thread of its own, at ${live.target.scheduling}, as Prometheus scrapes each target from a goroutine of its own; the collector's other threads: nice 0, its evaluation and zlib threads 10; the load generator 0). After ${warmS} s of warm-up, a per-device target at /sd's address, the same path on the main listener, and /healthz are each requested every 50 ms for ${measureS} s without waiting for answers: latency is request to last byte, the longest gap the longest time without any answer. In the same window a bare 50 ms timer in a Node.js process of its own, at the client's scheduling, measures how late the machine wakes such a thread at all: the floor under every latency here; a second one at nice 0 shows what a thread that asks for nothing waits. Then, in the benchmark's own process, the catalog evaluator takes ${mem.devices} simulated devices' counters (the load generator's shape) every 15 s for 24 simulated hours (a fake clock, 5,761 evaluations); the figures per device scale linearly (each series' history is its own). Full run: \`STATIONWATCH_BENCH_EVAL_DEVICES\` sets the fleet (default 10,000).`,
    headlines: [
      { what: `per-device target while ${n} devices report and the evaluation runs (p50 / p99 / max)`, value: `${fmt(percentile(live.target.times, 0.5))} / ${fmt(p99)} / ${fmt(Math.max(...live.target.times))} ms`, target: '≤ 5 ms p99', met: p99 <= 5 },
      { what: `the floor: a bare 50 ms timer's lateness in a process of its own at the client's scheduling (${live.client}), same window (p50 / p99 / max)`, value: `${fmt(percentile(live.floor, 0.5))} / ${fmt(percentile(live.floor, 0.99))} / ${fmt(Math.max(...live.floor))} ms` },
      { what: `the same timer at nice 0 (p50 / p99 / max)`, value: `${fmt(percentile(live.fairFloor, 0.5))} / ${fmt(percentile(live.fairFloor, 0.99))} / ${fmt(Math.max(...live.fairFloor))} ms` },
      { what: `the same target on the main listener (p50 / p99 / max)`, value: `${fmt(percentile(live.onMain.times, 0.5))} / ${fmt(percentile(live.onMain.times, 0.99))} / ${fmt(Math.max(...live.onMain.times))} ms` },
      { what: `/healthz at ${n} devices (p50 / p99), longest gap without an answer on the main listener`, value: `${fmt(percentile(live.health.times, 0.5))} / ${fmt(percentile(live.health.times, 0.99))} ms, ${fmt(Math.max(live.health.longestGapMs, live.onMain.longestGapMs))} ms` },
      { what: `evaluator counter histories after 24 simulated hours, per device (→ at 10,000 devices)`, value: `${fmt(perDevice / 1024)} KiB (→ ${fmt((perDevice * 10_000) / 2 ** 20)} MiB)` },
    ],
    tables: [
      {
        caption: `**Answers while ${n} devices report every ${every.report} s and the evaluation runs** (${measureS} s, a request every 50 ms each)`,
        headers: ['endpoint', 'answers', 'failed', 'p50 ms', 'p99 ms', 'max ms', 'longest gap ms'],
        rows: [
          ['per-device target (scrape listener: /sd\'s address)', live.target.times.length, live.target.failed, fmt(percentile(live.target.times, 0.5)), fmt(p99), fmt(Math.max(...live.target.times)), fmt(live.target.longestGapMs)],
          ['the same target on the main listener', live.onMain.times.length, live.onMain.failed, fmt(percentile(live.onMain.times, 0.5)), fmt(percentile(live.onMain.times, 0.99)), fmt(Math.max(...live.onMain.times)), fmt(live.onMain.longestGapMs)],
          ['/healthz', live.health.times.length, live.health.failed, fmt(percentile(live.health.times, 0.5)), fmt(percentile(live.health.times, 0.99)), fmt(Math.max(...live.health.times)), fmt(live.health.longestGapMs)],
          [`the floor: how late a bare 50 ms timer fired in a process of its own at the client's scheduling (${live.client})`, live.floor.length, '—', fmt(percentile(live.floor, 0.5)), fmt(percentile(live.floor, 0.99)), fmt(Math.max(...live.floor)), '—'],
          ['the same timer at nice 0', live.fairFloor.length, '—', fmt(percentile(live.fairFloor, 0.5)), fmt(percentile(live.fairFloor, 0.99)), fmt(Math.max(...live.fairFloor)), '—'],
        ],
      },
      {
        caption: '**Collector during the run**',
        headers: ['figure', 'value'],
        rows: [
          [`reports taken per second (offered: devices / ${every.report} s)`, `${fmt(live.rate)} (${fmt(n / every.report)})`],
          ['devices on the status page / evaluation degraded', `${live.evaluatedDevices} / ${live.degraded ? 'yes' : 'no'}`],
          ['collector RSS at the end (MiB; main thread and worker)', fmt(live.rss)],
        ],
      },
      {
        caption: '**Where the collector\'s memory is at the end** (MiB, from its own series on /collector/metrics)',
        headers: ['part', 'MiB'],
        rows: [
          ['resident (RSS)', fmt(live.rss)],
          ['main thread: JavaScript heap used (of allocated)', `${fmt(live.memory.heapUsed)} (${fmt(live.memory.heapTotal)})`],
          ['main thread: memory outside the heap (buffers: rendered exposition text, history arrays)', fmt(live.memory.external)],
          ['— of which the history held until written (open and closed minutes, roll-ups)', fmt(live.memory.history)],
          ['evaluation worker: heap used after its last pass', fmt(live.memory.workerHeap)],
          ['— counter histories of its increase() windows (buffers)', fmt(live.memory.counters)],
          ['scrape thread: heap used / every target\'s bytes (its arena)', `${fmt(live.memory.scrapeHeap)} / ${fmt(live.memory.scrapeTargets)}`],
          ['the rest (code, stacks, allocator and V8 reserve, SQLite cache, freed but not returned)', fmt(live.rss - live.memory.heapTotal - live.memory.external - live.memory.workerHeap - live.memory.scrapeHeap - live.memory.scrapeTargets)],
        ],
      },
      {
        caption: `**Counter histories after 24 simulated hours** (${mem.devices} devices, fake clock, ${fmt(mem.seconds)} s to simulate)`,
        headers: ['figure', 'now (typed arrays, tiered)', 'former ({t, v} objects)'],
        rows: [
          ['counter series', mem.series, mem.series],
          ['samples kept', mem.samples, `${mem.formerSamples} (computed from its rule)`],
          ['bytes per device (buffers)', fmt(perDevice), `~${fmt((mem.formerSamples / mem.devices) * 40)} (≈40 bytes a sample object)`],
          ['projected for 10,000 devices (MiB)', fmt((perDevice * 10_000) / 2 ** 20), fmt((mem.formerSamples / mem.devices) * 40 * 10_000 / 2 ** 20)],
        ],
      },
    ],
    notes: [
      'Ingest capacity (reports/s on one core) is the "Collector ingest" section; the evaluation no longer runs on the thread that serves ingest.',
      'A metric read over two windows (hangs: 1 h and 1 day) used to keep every 15 s sample for the whole day; now samples older than the short window are thinned to the long window\'s spacing.',
    ],
    reproduce: `npm run bench -- --only statuseval${opts.smoke ? ' --smoke' : ''}`,
    data: { targetP99Ms: p99, devices: n, counterBytesPerDevice: perDevice },
  };
}

/** Where the collector's memory is, from its own series (collector/memory-metrics.ts and prom-client's process metrics), in MiB. */
async function memoryParts(url: string): Promise<{ heapUsed: number; heapTotal: number; external: number; history: number; workerHeap: number; counters: number; scrapeHeap: number; scrapeTargets: number }> {
  const text = await (await fetch(`${url}/collector/metrics`)).text();
  const read = (name: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`stationwatch_collector_${name} `));
    return line === undefined ? NaN : Number(line.slice(line.lastIndexOf(' ') + 1)) / 2 ** 20;
  };
  return {
    heapUsed: read('nodejs_heap_size_used_bytes'),
    heapTotal: read('nodejs_heap_size_total_bytes'),
    external: read('nodejs_external_memory_bytes'),
    history: read('history_held_bytes'),
    workerHeap: read('evaluation_heap_used_bytes'),
    counters: read('evaluation_increase_history_bytes'),
    scrapeHeap: read('scrape_heap_used_bytes'),
    scrapeTargets: read('scrape_target_bytes'),
  };
}

/** How the thread named `name` in process `pid` is scheduled ("SCHED_FIFO 1", "nice -5"; Linux /proc), or "unknown". */
function threadSchedulingOf(pid: number, name: string): string {
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      if (readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim() !== name) continue;
      const s = threadScheduling(`/proc/${pid}/task/${t}/stat`);
      return s.policy === 'fifo' || s.policy === 'rr' ? `SCHED_${s.policy.toUpperCase()} ${s.rtPriority}` : `nice ${s.nice}`;
    }
  } catch {
    // not Linux, or the process is gone
  }
  return 'unknown';
}

async function acceptedReports(url: string): Promise<number> {
  const text = await (await fetch(`${url}/collector/metrics`)).text();
  let n = 0;
  for (const l of text.split('\n')) if (/^stationwatch_collector_reports_received_total\{result="(accepted|late|outdated)"\}/.test(l)) n += Number(l.slice(l.lastIndexOf(' ') + 1));
  return n;
}
