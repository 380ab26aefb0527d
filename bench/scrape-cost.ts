// Scrape cost: what serving the device series costs the collector (time, bytes, memory) for 1,000 and
// 10,000 reporting devices — /metrics whole, each per-device target, /collector/metrics and /sd —
// what a real Prometheus records as scrape_duration_seconds for both ways of scraping, and the same
// devices in a prom-client registry computed at scrape time (the collector's former approach).
import { join } from 'node:path';
import { loadgenDevices } from '../tools/loadgen/loadgen.js';
import { seriesPerReport } from '../tools/loadgen/report-shape.js';
import { startCollector } from './lib/collector.js';
import { feedReports } from './lib/feed.js';
import { curlGet, timedGet } from './lib/http-time.js';
import { cpuSeconds, peakRssMiB, resetPeak, rssMiB } from './lib/proc-stats.js';
import { startPrometheus } from './lib/prometheus.js';
import { benchDist, sleep, waitFor, withScope, type Scope } from './lib/processes.js';
import { fmt, median, percentile, ratio, type Section } from './lib/report.js';
import type { BenchOptions } from './options.js';

const SEED = 'bench-scrape';

interface SizeResult {
  devices: number;
  metrics: { ms: number; bytes: number; extraMiB: number; cpuMs: number };
  target: { p50: number; p99: number; bytes: number };
  collectorMetrics: { ms: number; bytes: number };
  sd: { ms: number; bytes: number };
  rssMiB: number;
  idleCpuShare: number;
  promWhole: number;
  promTargets: { p50: number; p99: number; scraped: number; collectorCpuMsPerScrape: number };
  promRssMiB: number;
  baseline: { ms: number; bytes: number; extraMiB: number };
}

async function baseline(scope: Scope, devices: number, runs: number) {
  const w = scope.startNode(join(benchDist, 'prom-client-baseline-worker.js'), [String(devices), String(runs)], { core: 0, nodeArgs: ['--expose-gc'] });
  const code = await new Promise<number | null>((r) => w.child.once('exit', r));
  const line = w.output().trim().split('\n').reverse().find((l) => l.startsWith('{'));
  if (code !== 0 || !line) throw new Error(`the prom-client baseline failed (exit ${code}):\n${w.output().slice(-2000)}`);
  const r = JSON.parse(line) as { times: number[]; bytes: number; rssBeforeMiB: number; peakMiB: number };
  return { ms: median(r.times), bytes: r.bytes, extraMiB: r.peakMiB - r.rssBeforeMiB };
}

async function measureSize(scope: Scope, n: number, opts: BenchOptions): Promise<SizeResult> {
  const devices = loadgenDevices(n, SEED);
  const collector = await startCollector(scope, devices, { core: 0, name: `scrape-${n}` });
  opts.log(`scrape: ${n} devices report once (interval 3600 s, so they stay reporting)`);
  await feedReports(collector.url, devices, { intervalSeconds: 3600 });
  await sleep(opts.smoke ? 1000 : 5000);
  const pid = collector.proc.pid;
  // What the collector does with these devices while nobody scrapes (the status page's evaluation runs every 15 s).
  const idle0 = cpuSeconds(pid).own;
  const idleT0 = performance.now();
  await sleep(opts.smoke ? 2000 : 30_000);
  const idleCpuShare = (cpuSeconds(pid).own - idle0) / ((performance.now() - idleT0) / 1000);
  const rss = rssMiB(pid);

  const runs = opts.smoke ? 1 : 3;
  const whole: Array<{ ms: number; bytes: number; extraMiB: number; cpuMs: number }> = [];
  for (let i = 0; i < runs; i++) {
    const before = rssMiB(pid);
    resetPeak(pid);
    const cpu0 = cpuSeconds(pid).own;
    const r = await curlGet(`${collector.url}/metrics`);
    if (r.status !== 200) throw new Error(`/metrics answered ${r.status}`);
    whole.push({ ms: r.ms, bytes: r.bytes, extraMiB: peakRssMiB(pid) - before, cpuMs: (cpuSeconds(pid).own - cpu0) * 1000 });
  }
  const targetTimes: number[] = [];
  let targetBytes = 0;
  for (let i = 0; i < (opts.smoke ? 20 : 500); i++) {
    const d = devices[(i * 7919) % n]!;
    const r = await timedGet(`${collector.url}/devices/${d.name}/metrics`);
    if (r.status !== 200) throw new Error(`/devices/${d.name}/metrics answered ${r.status}`);
    targetTimes.push(r.ms);
    targetBytes = r.bytes;
  }
  const cm = await timedGet(`${collector.url}/collector/metrics`);
  const sd = await timedGet(`${collector.url}/sd`);

  // A real Prometheus: first the one /metrics target, then one target per device through /sd.
  const interval = opts.smoke ? 1 : 15;
  opts.log(`scrape: a real Prometheus scrapes /metrics of ${n} devices`);
  const whole1 = await startPrometheus(scope, { global: { scrape_interval: `${interval}s`, scrape_timeout: `${Math.max(1, interval - 1)}s` }, scrape_configs: [{ job_name: 'whole', honor_labels: true, static_configs: [{ targets: [new URL(collector.url).host] }] }] }, { name: `scrape-prom-whole-${n}` });
  await waitFor('two scrapes of /metrics', async () => ((await whole1.scalar('count_over_time(scrape_duration_seconds{job="whole"}[10m])')) >= 2 ? true : undefined), 120_000, 1000);
  const promWhole = await whole1.scalar('max_over_time(scrape_duration_seconds{job="whole"}[10m])');
  const up = await whole1.scalar('min_over_time(up{job="whole"}[10m])');
  if (up !== 1) throw new Error(`Prometheus could not scrape /metrics of ${n} devices: ${(await whole1.targets())[0]?.lastError}`);
  await whole1.proc.stop();

  opts.log(`scrape: a real Prometheus scrapes ${n} per-device targets from /sd`);
  const cpu0 = cpuSeconds(pid).own;
  const perDevice = await startPrometheus(scope, { global: { scrape_interval: `${interval}s`, scrape_timeout: `${Math.min(10, interval)}s` }, scrape_configs: [{ job_name: 'devices', honor_labels: true, http_sd_configs: [{ url: `${collector.url}/sd`, refresh_interval: opts.smoke ? '1s' : '5s' }] }] }, { name: `scrape-prom-targets-${n}` });
  await waitFor(`every one of ${n} targets scraped twice`, async () => ((await perDevice.scalar('count(count_over_time(up{job="devices"}[10m]) >= 2)')) >= n ? true : undefined), 240_000, 2000);
  const cpu1 = cpuSeconds(pid).own;
  const scrapes = await perDevice.scalar('sum(count_over_time(up{job="devices"}[10m]))');
  const q = (p: number) => perDevice.scalar(`quantile(${p}, scrape_duration_seconds{job="devices"})`);
  const promTargets = { p50: await q(0.5), p99: await q(0.99), scraped: await perDevice.scalar('count(up{job="devices"} == 1)'), collectorCpuMsPerScrape: ((cpu1 - cpu0) / scrapes) * 1000 };
  const promRssMiB = rssMiB(perDevice.proc.pid);
  await perDevice.proc.stop();
  await collector.proc.stop();

  opts.log(`scrape: prom-client registry with ${n} devices (the former approach)`);
  const base = await baseline(scope, n, runs);
  return {
    devices: n,
    metrics: { ms: median(whole.map((w) => w.ms)), bytes: whole[0]!.bytes, extraMiB: Math.max(...whole.map((w) => w.extraMiB)), cpuMs: median(whole.map((w) => w.cpuMs)) },
    target: { p50: median(targetTimes), p99: percentile(targetTimes, 0.99), bytes: targetBytes },
    collectorMetrics: { ms: cm.ms, bytes: cm.bytes },
    sd: { ms: sd.ms, bytes: sd.bytes },
    rssMiB: rss,
    idleCpuShare,
    promWhole,
    promTargets,
    promRssMiB,
    baseline: base,
  };
}

export async function scrapeCost(opts: BenchOptions): Promise<Section> {
  const sizes = opts.smoke ? [20, 100] : [1000, 10_000];
  const results: SizeResult[] = [];
  for (const n of sizes) results.push(await withScope((scope) => measureSize(scope, n, opts)));
  const big = results.at(-1)!;
  const small = results[0]!;
  // Memory per device from the difference between the two fleet sizes: the collector's fixed cost cancels out.
  const perDeviceKiB = ((big.rssMiB - small.rssMiB) * 1024) / (big.devices - small.devices);
  const MiB = (b: number) => fmt(b / 2 ** 20);
  return {
    title: 'Scrape cost',
    method: `The collector (built CLI, pinned to core 0) holds N devices that each reported once (${seriesPerReport} series per report, the load generator's shape; report interval 3600 s so none goes stale). Times are from request to last byte over loopback (median of ${opts.smoke ? 1 : 3} for /metrics, read by curl — Node.js' own HTTP client would spend as much CPU reading 200 MiB as the collector spends serving it, on the same two cores; median and p99 of ${opts.smoke ? 20 : 500} per-device targets); "extra memory" is the collector's peak RSS during the request (VmHWM, reset before) minus its RSS before. Then a real Prometheus scrapes the same collector every 15 s, first the one /metrics target, then one target per device from /sd, and its \`scrape_duration_seconds\` is read. Last, the same N reports in a prom-client registry computed at scrape time (registerDeviceSeries — how the collector served them before per-device text), in its own process.`,
    headlines: [
      { what: `per-device target at ${big.devices} devices (p50 / p99, collector, request to last byte)`, value: `${fmt(big.target.p50)} / ${fmt(big.target.p99)} ms`, target: '≤ 1 ms', met: big.target.p50 <= 1 },
      { what: `full /metrics at ${big.devices} devices`, value: `${fmt(big.metrics.ms / 1000)} s for ${MiB(big.metrics.bytes)} MiB`, target: '≤ 1 s', met: big.metrics.ms <= 1000 },
      { what: `collector memory per reporting device (RSS at ${big.devices} minus at ${small.devices}, per device)`, value: `${fmt(perDeviceKiB)} KiB` },
      { what: `full /metrics vs prom-client registry at ${big.devices} devices`, value: `${fmt(big.metrics.ms / 1000)} s vs ${fmt(big.baseline.ms / 1000)} s (${ratio(big.baseline.ms, big.metrics.ms)} faster)`, target: '≥ 6×', met: big.baseline.ms >= 6 * big.metrics.ms },
    ],
    tables: [
      {
        caption: '**Collector, request to last byte**',
        headers: ['devices', 'collector RSS MiB', 'idle CPU (share of a core)', '/metrics s', '/metrics collector CPU s', '/metrics MiB', '/metrics extra memory MiB', 'device target p50 / p99 ms', 'device target KiB', '/collector/metrics ms (KiB)', '/sd ms (KiB)'],
        rows: results.map((r) => [r.devices, fmt(r.rssMiB), `${fmt(r.idleCpuShare * 100)} %`, fmt(r.metrics.ms / 1000), fmt(r.metrics.cpuMs / 1000), MiB(r.metrics.bytes), fmt(r.metrics.extraMiB), `${fmt(r.target.p50)} / ${fmt(r.target.p99)}`, fmt(r.target.bytes / 1024), `${fmt(r.collectorMetrics.ms)} (${fmt(r.collectorMetrics.bytes / 1024)})`, `${fmt(r.sd.ms)} (${fmt(r.sd.bytes / 1024)})`]),
      },
      {
        caption: `**What a real Prometheus records** (\`scrape_duration_seconds\`, scrape interval ${opts.smoke ? 1 : 15} s)`,
        headers: ['devices', 'one /metrics target: s (longest)', 'per-device targets: p50 / p99 s', 'targets up', 'collector CPU ms per target scrape (incl. its idle work)', 'Prometheus RSS MiB holding the device series'],
        rows: results.map((r) => [r.devices, fmt(r.promWhole), `${fmt(r.promTargets.p50)} / ${fmt(r.promTargets.p99)}`, `${r.promTargets.scraped} / ${r.devices}`, fmt(r.promTargets.collectorCpuMsPerScrape), fmt(r.promRssMiB)]),
      },
      {
        caption: '**prom-client registry computed at scrape time** (the former approach, same devices, same core)',
        headers: ['devices', 'serialise s', 'MiB', 'extra memory MiB', 'per-device text (now) is faster by'],
        rows: results.map((r) => [r.devices, fmt(r.baseline.ms / 1000), MiB(r.baseline.bytes), fmt(r.baseline.extraMiB), ratio(r.baseline.ms, r.metrics.ms)]),
      },
    ],
    notes: [
      'Each device\'s exposition text is rendered when its report is accepted and kept until the next one (collector/device-exposition.ts); a scrape copies it through four reused 256 KiB buffers in 3 ms slices (collector/pooled-body.ts). The collector\'s own and fleet series (one or two per device: reporting, last report, inspections) stay in prom-client and are what /collector/metrics costs.',
      '"idle CPU" is the collector with N devices and nobody scraping: the status page\'s catalog evaluation every 15 s.',
    ],
    reproduce: `npm run bench -- --only scrape${opts.smoke ? ' --smoke' : ''}`,
    data: { memoryPerDeviceKiB: perDeviceKiB, devices: big.devices, targetP50Ms: big.target.p50, collectorCpuMsPerTargetScrape: big.promTargets.collectorCpuMsPerScrape, metricsSeconds: big.metrics.ms / 1000, collectorRssMiB: big.rssMiB, idleCpuShare: big.idleCpuShare, prometheusRssMiB: big.promRssMiB },
  };
}
