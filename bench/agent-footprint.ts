// Agent footprint: the real agent (built CLI) at its default intervals pushing to a local collector,
// next to Debian's node_exporter scraped by a real Prometheus at the same interval, and a bare
// Node.js process (the floor) — all three measured in the same window from /proc.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { benchDevices, startCollector } from './lib/collector.js';
import { cpuSeconds, descendantsCpuBetween, liveDescendantsCpu, peakRssMiB, sampleRss, type Sampler } from './lib/proc-stats.js';
import { startPrometheus } from './lib/prometheus.js';
import { cliPath, freePort, httpOk, requireBinary, sleep, waitFor, withScope, type Proc } from './lib/processes.js';
import { fmt, median, ratio, type Section } from './lib/report.js';
import { FAST_SECONDS, measureProbeCosts } from './probe-costs.js';
import type { BenchOptions } from './options.js';

const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';

interface Measured {
  name: string;
  proc: Proc;
  cpu0: { own: number; children: number };
  /** Its live descendants' CPU at the start (the agent's long-running ping). */
  live0: Map<number, number>;
  sampler?: Sampler;
}

async function acceptedReports(collectorUrl: string): Promise<number> {
  const text = await (await fetch(`${collectorUrl}/collector/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('stationwatch_collector_reports_received_total{result="accepted"}'));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

export async function agentFootprint(opts: BenchOptions): Promise<Section> {
  requireBinary(NODE_EXPORTER, 'prometheus-node-exporter', 'the agent footprint is measured next to node_exporter');
  const windowSeconds = opts.smoke ? 6 : 300;
  // The smoke run only proves the benchmark works: it shrinks the interval so it takes seconds.
  const fast = opts.smoke ? 2 : FAST_SECONDS;
  return withScope(async (scope) => {
    const [device] = benchDevices(1, 'agent');
    const collector = await startCollector(scope, [device!], { name: 'footprint-collector' });
    const dir = await scope.tempDir('footprint-agent');
    // Default intervals and probe settings; only where to report and where to keep state are set.
    // The network probe's default target is the collector's host: 127.0.0.1, so nothing leaves loopback.
    await writeFile(join(dir, 'agent.yaml'), stringify({ device: device!.name, site: 'bench', collector: { url: collector.url, token: device!.token }, stateDir: join(dir, 'state'), ...(opts.smoke ? { intervals: { fastSeconds: fast } } : {}) }));
    const agent = scope.startNode(cliPath, ['agent', '--config', join(dir, 'agent.yaml')]);

    const nePort = await freePort();
    const nodeExporter = scope.start(NODE_EXPORTER, [`--web.listen-address=127.0.0.1:${nePort}`]);
    await waitFor('node_exporter to answer', () => httpOk(`http://127.0.0.1:${nePort}/`));
    const prometheus = await startPrometheus(scope, { global: { scrape_interval: `${fast}s`, scrape_timeout: `${Math.min(10, fast)}s` }, scrape_configs: [{ job_name: 'node', static_configs: [{ targets: [`127.0.0.1:${nePort}`] }] }] }, { name: 'footprint-prometheus' });
    const bare = scope.start(process.execPath, ['-e', 'setInterval(()=>{},1e3)']);

    // Warm up: the agent's first cycle runs every slow probe once (inventory, updates …); node_exporter
    // has been scraped twice. The window measures the steady state after that.
    opts.log(`agent footprint: warming up, then measuring ${windowSeconds} s`);
    await waitFor('the agent\'s second report', async () => ((await acceptedReports(collector.url)) >= 2 ? true : undefined), 120_000, 1000);
    await waitFor('two scrapes of node_exporter', async () => ((await prometheus.scalar('count_over_time(up{job="node"}[5m])')) >= 2 ? true : undefined), 120_000, 1000);
    const startupCpu = cpuSeconds(agent.pid);
    const startupPeak = peakRssMiB(agent.pid);

    const subjects: Measured[] = [
      { name: 'stationwatch agent (all probes, default intervals)', proc: agent, cpu0: cpuSeconds(agent.pid), live0: liveDescendantsCpu(agent.pid) },
      { name: 'prometheus-node-exporter (default collectors)', proc: nodeExporter, cpu0: cpuSeconds(nodeExporter.pid), live0: liveDescendantsCpu(nodeExporter.pid) },
      { name: 'bare Node.js `setInterval(()=>{},1e3)`', proc: bare, cpu0: cpuSeconds(bare.pid), live0: liveDescendantsCpu(bare.pid) },
      { name: 'Prometheus scraping node_exporter (for reference)', proc: prometheus.proc, cpu0: cpuSeconds(prometheus.proc.pid), live0: liveDescendantsCpu(prometheus.proc.pid) },
    ];
    for (const s of subjects) s.sampler = sampleRss(s.proc.pid, 1000);
    const reports0 = await acceptedReports(collector.url);
    const t0 = Date.now();
    await sleep(windowSeconds * 1000);
    const seconds = (Date.now() - t0) / 1000;
    const reports = (await acceptedReports(collector.url)) - reports0;
    const scrapes = await prometheus.scalar(`count_over_time(up{job="node"}[${Math.round(seconds)}s])`);
    const scrapeLines = await prometheus.scalar('scrape_samples_scraped{job="node"}');
    const scrapeDuration = await prometheus.scalar(`quantile_over_time(0.5, scrape_duration_seconds{job="node"}[${Math.round(seconds)}s])`);
    const rows = subjects.map((s) => {
      s.sampler!.stop();
      const c = cpuSeconds(s.proc.pid);
      // Children: those reaped in the window (cutime/cstime) and those still running (the agent's
      // long-running ping per target), so nothing a process makes others do is left out.
      const children = c.children - s.cpu0.children + descendantsCpuBetween(s.live0, liveDescendantsCpu(s.proc.pid));
      const cpu = c.own - s.cpu0.own + children;
      return { s, cpu, children, steady: median(s.sampler!.rss), peak: peakRssMiB(s.proc.pid) };
    });
    const [a, ne, floor, prom] = rows as [typeof rows[0], typeof rows[0], typeof rows[0], typeof rows[0]];
    const perHour = (cpu: number) => (cpu / seconds) * 3600;
    const agentPerCycle = (a.cpu / Math.max(1, reports)) * 1000;
    const nePerScrape = (ne.cpu / Math.max(1, scrapes)) * 1000;

    opts.log('agent footprint: measuring each probe on its own');
    const probes = await measureProbeCosts(scope, opts.smoke);
    // The window holds no slow-probe run (every 600 s): add their share per hour from the per-probe table.
    const agentHourly = perHour(a.cpu) + probes.slowCpuSecondsPerHour;

    return {
      title: 'Agent footprint',
      method: `The agent (built CLI, ${opts.smoke ? `smoke run: fast interval shrunk to ${fast} s` : `default intervals: fast ${FAST_SECONDS} s, slow 600 s`}, every probe enabled with default settings, pushing to a collector on loopback) runs beside Debian's \`prometheus-node-exporter\` (default collectors) scraped every ${fast} s by a real Prometheus, and a bare Node.js process. After a warm-up (the agent's first cycle runs every slow probe), all are measured over the same ${fmt(seconds)} s window: CPU from \`/proc/<pid>/stat\` (utime+stime, plus its children's: reaped ones from cutime+cstime, running ones — the agent's \`ping\` — from their own stat), RSS sampled every second from \`/proc/<pid>/status\` (steady = median), peak = VmHWM since start.`,
      headlines: [
        { what: 'agent steady RSS above bare Node.js', value: `${fmt(a.steady - floor.steady)} MiB (${fmt(a.steady)} vs ${fmt(floor.steady)} MiB)`, target: '≤ 10 MiB', met: a.steady - floor.steady <= 10 },
        { what: 'agent CPU, share of one core (steady window)', value: `${fmt((a.cpu / seconds) * 100, 2)} %`, target: '≤ 0.2 %', met: (a.cpu / seconds) * 100 <= 0.2 },
        { what: 'agent CPU per hour incl. slow probes (amortised)', value: `${fmt(agentHourly)} s = ${fmt((agentHourly / 3600) * 100, 2)} % of a core`, target: '≤ 7.2 s (0.2 %)', met: agentHourly <= 7.2 },
        { what: 'agent CPU per collection cycle vs node_exporter per scrape', value: `${fmt(agentPerCycle)} ms vs ${fmt(nePerScrape)} ms (${ratio(agentPerCycle, nePerScrape)})`, target: '≤ 1×', met: agentPerCycle <= nePerScrape },
      ],
      tables: [
        {
          caption: `**Same window, same machine** (${fmt(seconds)} s; agent cycles = reports the collector accepted: ${reports}; node_exporter scrapes = Prometheus' \`up\` samples: ${scrapes}, ${fmt(scrapeLines)} samples each, median \`scrape_duration_seconds\` ${fmt(scrapeDuration * 1000)} ms)`,
          headers: ['process', 'CPU s / hour', '% of one core', 'of which children', 'CPU ms per cycle / scrape', 'steady RSS MiB', 'peak RSS MiB'],
          rows: [
            [a.s.name, fmt(perHour(a.cpu)), fmt((a.cpu / seconds) * 100, 2), fmt(perHour(a.children)), fmt(agentPerCycle), fmt(a.steady), fmt(a.peak)],
            ['… plus slow probes amortised (per-probe table)', fmt(agentHourly), fmt((agentHourly / 3600) * 100, 2), '', '', '', ''],
            [ne.s.name, fmt(perHour(ne.cpu)), fmt((ne.cpu / seconds) * 100, 2), fmt(perHour(ne.children)), fmt(nePerScrape), fmt(ne.steady), fmt(ne.peak)],
            [floor.s.name, fmt(perHour(floor.cpu)), fmt((floor.cpu / seconds) * 100, 2), '0', '—', fmt(floor.steady), fmt(floor.peak)],
            [prom.s.name, fmt(perHour(prom.cpu)), fmt((prom.cpu / seconds) * 100, 2), fmt(perHour(prom.children)), fmt((prom.cpu / Math.max(1, scrapes)) * 1000), fmt(prom.steady), fmt(prom.peak)],
          ],
        },
        probes.table,
      ],
      notes: [
        `Agent start-up (process start to the second report, first run of every slow probe included): ${fmt(startupCpu.own + startupCpu.children)} s CPU, peak RSS ${fmt(startupPeak)} MiB.`,
        'The per-probe table runs each probe in one process with node:child_process wrapped to count spawns; "background" is CPU and spawns while idle for probes with their own loop or watcher (on Linux the network probe keeps one `ping` per target running, a request every 2 s, and reads its lines; Windows and macOS ping in bursts).',
        'CPU of a process includes its children: those it reaped during the window and those still running (read from /proc/<pid>/task/*/children), so the agent\'s long-running ping counts.',
        'Probes that fail here (no CUPS, no smartctl, not root …) cost what their failing costs on this machine; on a counter PC with a printer their cost is that of a real query.',
      ],
      reproduce: `npm run bench -- --only agent${opts.smoke ? ' --smoke' : ''}`,
    };
  });
}
