// The scale-out path, exercised: devices split across two collectors; two Prometheus servers each
// discover every device of both collectors through /sd and keep only their share by `hashmod` of the
// device name; both remote-write to a third Prometheus with the remote-write receiver enabled (the
// stand-in for Mimir, Thanos Receive or a VictoriaMetrics cluster). Checked: every device in exactly
// one shard, all of them in the receiver. Measured: what each shard ingests and holds; then the
// arithmetic of docs/scale-out.md from this run's figures.
import { generateRules } from '../alerts/generate-rules.js';
import { loadgenDevices } from '../tools/loadgen/loadgen.js';
import { seriesPerReport } from '../tools/loadgen/report-shape.js';
import { startCollector } from './lib/collector.js';
import { feedReports } from './lib/feed.js';
import { rssMiB } from './lib/proc-stats.js';
import { startPrometheus, type Prometheus } from './lib/prometheus.js';
import { sleep, waitFor, withScope } from './lib/processes.js';
import { fmt, type Section } from './lib/report.js';
import type { BenchOptions } from './options.js';

const SHARDS = 2;

export async function scaleOut(opts: BenchOptions): Promise<Section> {
  const perCollector = opts.smoke ? 20 : 500;
  const every = opts.smoke ? 1 : 15;
  return withScope(async (scope) => {
    const fleets = [loadgenDevices(perCollector, 'scale-a', 'site-a'), loadgenDevices(perCollector, 'scale-b', 'site-b').map((d) => ({ ...d, name: d.name.replace('sim-', 'simb-') }))];
    const collectors = await Promise.all(fleets.map((f, i) => startCollector(scope, f, { name: `scale-collector-${i}` })));
    opts.log(`scale-out: ${SHARDS} collectors × ${perCollector} devices report`);
    await Promise.all(collectors.map((c, i) => feedReports(c.url, fleets[i]!, { intervalSeconds: 3600 })));
    const all = fleets.flat().map((d) => d.name);

    const receiver = await startPrometheus(scope, { global: { scrape_interval: '1m' }, scrape_configs: [] }, { name: 'scale-receiver', remoteWriteReceiver: true });
    const shard = (i: number) => ({
      global: { scrape_interval: `${every}s`, evaluation_interval: `${every}s`, external_labels: { prometheus_shard: String(i) } },
      rule_files: ['stationwatch.rules.yml'],
      scrape_configs: [
        {
          // Fleet state (device_reporting, inspections …) of every collector: each shard keeps the
          // series of its own devices, and those without a device (site_open, collector health).
          job_name: 'stationwatch-collector',
          metrics_path: '/collector/metrics',
          static_configs: [{ targets: collectors.map((c) => new URL(c.url).host) }],
          metric_relabel_configs: [
            { source_labels: ['device'], modulus: SHARDS, target_label: '__tmp_shard', action: 'hashmod' },
            { source_labels: ['device', '__tmp_shard'], regex: `;.*|.+;${i}`, action: 'keep' },
          ],
        },
        {
          job_name: 'stationwatch-devices',
          honor_labels: true,
          http_sd_configs: collectors.map((c) => ({ url: `${c.url}/sd`, refresh_interval: opts.smoke ? '1s' : '30s' })),
          // The shard keeps the devices whose name hashes to it: every Prometheus sees the same /sd
          // lists and they split them without talking to each other.
          relabel_configs: [
            { source_labels: ['device'], modulus: SHARDS, target_label: '__tmp_shard', action: 'hashmod' },
            { source_labels: ['__tmp_shard'], regex: String(i), action: 'keep' },
          ],
        },
      ],
      remote_write: [{ url: `${receiver.url}/api/v1/write`, queue_config: { batch_send_deadline: '1s' } }],
    });
    const shards: Prometheus[] = [];
    const rules = { 'stationwatch.rules.yml': generateRules() };
    for (let i = 0; i < SHARDS; i++) shards.push(await startPrometheus(scope, shard(i), { name: `scale-shard-${i}`, ruleFiles: rules }));

    opts.log('scale-out: waiting for every device in exactly one shard and in the receiver');
    const devicesIn = async (p: Prometheus, metric = 'up{job="stationwatch-devices"}') => (await p.query(`count by (device) (${metric})`)).map((r) => r.metric.device!);
    const t0 = Date.now();
    await waitFor('every device scraped by a shard', async () => ((await Promise.all(shards.map((s) => devicesIn(s)))).flat().length >= all.length ? true : undefined), 180_000, 1000);
    await waitFor('every device in the remote-write receiver', async () => ((await devicesIn(receiver, 'stationwatch_cpu_utilisation_ratio')).length >= all.length ? true : undefined), 180_000, 1000);
    const completeS = (Date.now() - t0) / 1000;
    const perShard = await Promise.all(shards.map((s) => devicesIn(s)));
    const seen = perShard.flat();
    const duplicates = seen.length - new Set(seen).size;
    const missing = all.filter((n) => !seen.includes(n));
    if (duplicates > 0 || missing.length > 0) throw new Error(`sharding is wrong: ${duplicates} devices in both shards, ${missing.length} in none (e.g. ${missing.slice(0, 3).join(', ')})`);
    const inReceiver = (await devicesIn(receiver, 'stationwatch_cpu_utilisation_ratio')).length;
    // The rules run per shard on disjoint devices: a site's device count is the sum over the shards,
    // computed in the receiver from the recording rule both shards remote-write.
    const fleetPerShard = await Promise.all(shards.map(async (s) => (await devicesIn(s, 'stationwatch_device_reporting')).length));
    const counted = await waitFor('the shards\' recording rules in the receiver', async () => {
      const v = await receiver.scalar('sum(stationwatch:site_devices:count)');
      return v === all.length ? v : undefined;
    }, 180_000, 1000).catch(async () => receiver.scalar('sum(stationwatch:site_devices:count)'));

    // A steady window to read ingestion rates from (Prometheus' own counters, read twice).
    const windowS = opts.smoke ? 5 : 60;
    const before = await Promise.all([...shards, receiver].map((p) => p.self()));
    await sleep(windowS * 1000);
    const after = await Promise.all([...shards, receiver].map((p) => p.self()));
    const stat = (i: number) => {
      const rate = (name: string) => ((after[i]!.get(name) ?? NaN) - (before[i]!.get(name) ?? NaN)) / windowS;
      return {
        series: after[i]!.get('prometheus_tsdb_head_series') ?? NaN,
        samplesPerSecond: rate('prometheus_tsdb_head_samples_appended_total'),
        sentPerSecond: rate('prometheus_remote_storage_samples_total'),
        failed: after[i]!.get('prometheus_remote_storage_samples_failed_total') ?? 0,
        rss: rssMiB([...shards, receiver][i]!.proc.pid),
      };
    };
    const shardStats = shards.map((_, i) => stat(i));
    const recv = stat(shards.length);

    // The arithmetic, from this run's figures (and the ingest and scrape benchmarks when they ran first).
    const ingest = opts.previous.ingest;
    const scrape = opts.previous.scrape;
    const seriesPerDevice = shardStats.reduce((s, x) => s + x.series, 0) / all.length;
    // Memory per series from the scrape benchmark's Prometheus (10,000 devices: a large head) when it
    // ran; else from these shards, whose small heads overstate it.
    const bytesPerSeries = scrape?.prometheusRssMiB
      ? (scrape.prometheusRssMiB * 2 ** 20) / (scrape.devices! * seriesPerDevice)
      : (shardStats.reduce((s, x) => s + x.rss, 0) * 2 ** 20) / shardStats.reduce((s, x) => s + x.series, 0);
    const reportsPerDeviceSecond = 1 / 15;
    // CPU seconds per device per second on the collector: its report (1/15 per s at 1/R each), the
    // scrape of its target (1/15 per s), and its share of the status page's evaluation.
    const cpuPerDevice = ingest && scrape ? reportsPerDeviceSecond / ingest.reportsPerSecond! + (reportsPerDeviceSecond * scrape.collectorCpuMsPerTargetScrape!) / 1000 : NaN;
    const collectorDevices = (0.7 / cpuPerDevice) | 0; // at 70 % of its one core: room for an outage's backlog
    const memoryDevices = scrape ? (4 * 2 ** 20) / scrape.memoryPerDeviceKiB! : NaN; // 4 GiB for the collector process
    const promSeriesBudget = 2_000_000; // a Prometheus with ~8-16 GiB kept comfortable; see docs/scale-out.md
    const promDevices = promSeriesBudget / seriesPerDevice;
    const rows: Array<[string, string]> = [
      ['series per device in a shard (incl. up, scrape_*)', fmt(seriesPerDevice)],
      [scrape?.prometheusRssMiB ? `Prometheus memory per active series (scrape benchmark: ${fmt(scrape.devices!)} devices in one Prometheus)` : 'Prometheus memory per active series (these shards; small heads overstate it)', `${fmt(bytesPerSeries / 1024)} KiB`],
      ['Prometheus memory for 2,000,000 active series at that rate', `${fmt((bytesPerSeries * 2_000_000) / 2 ** 30)} GiB`],
      ['samples per device per second at a 15 s scrape', fmt(seriesPerDevice / 15)],
      ['collector CPU per device (report every 15 s + target scrape every 15 s; the scrape figure includes the status evaluation)', ingest && scrape ? `${fmt(cpuPerDevice * 1000)} ms per second` : 'run with ingest and scrape first'],
      ['devices per collector process at 70 % of its one core', ingest && scrape ? fmt(collectorDevices) : '—'],
      ['devices per collector process in 4 GiB of memory', scrape ? fmt(memoryDevices) : '—'],
      [`devices per Prometheus at ${fmt(promSeriesBudget)} active series`, fmt(promDevices)],
      ['100,000 devices: collector processes (the smaller of the CPU and memory limits)', ingest && scrape ? fmt(Math.ceil(100_000 / Math.min(collectorDevices, memoryDevices))) : '—'],
      ['100,000 devices: Prometheus shards (hashmod)', fmt(Math.ceil(100_000 / promDevices))],
      ['100,000 devices: samples per second into the remote-write store', fmt((100_000 * seriesPerDevice) / 15)],
    ];
    return {
      title: 'Scale-out exercise',
      method: `${SHARDS} collectors with ${perCollector} devices each (${seriesPerReport}-series reports); ${SHARDS} Prometheus servers, each discovering the devices of both collectors from their /sd and keeping its share by \`hashmod\` of the \`device\` label (scrape and rule evaluation every ${every} s, the generated rules loaded; each also scrapes both collectors' /collector/metrics and keeps the fleet series of its own devices); both remote-write to a third Prometheus started with \`--web.enable-remote-write-receiver\`. All on loopback. See docs/scale-out.md.`,
      headlines: [
        { what: 'devices in exactly one shard / in none / in both', value: `${seen.length} / ${missing.length} / ${duplicates}`, target: `${all.length} / 0 / 0`, met: seen.length === all.length && duplicates === 0 },
        { what: 'devices in the remote-write receiver', value: `${inReceiver} of ${all.length} (complete ${fmt(completeS)} s after the shards started)`, target: `${all.length}`, met: inReceiver === all.length },
        { what: 'fleet series (device_reporting) per shard / devices counted by the shards\' rules, summed in the receiver', value: `${fleetPerShard.join(' + ')} / ${fmt(counted)}`, target: `${all.length}`, met: fleetPerShard.reduce((a, b) => a + b, 0) === all.length && counted === all.length },
      ],
      tables: [
        {
          caption: '**Shards and receiver**',
          headers: ['server', 'devices', 'head series', 'samples appended / s', 'remote-write samples sent / s', 'remote-write samples failed', 'RSS MiB'],
          rows: [
            ...shardStats.map((s, i) => [`shard ${i}`, perShard[i]!.length, fmt(s.series), fmt(s.samplesPerSecond), fmt(s.sentPerSecond), fmt(s.failed), fmt(s.rss)]),
            ['remote-write receiver', inReceiver, fmt(recv.series), fmt(recv.samplesPerSecond), '—', '—', fmt(recv.rss)],
          ],
        },
        { caption: '**Arithmetic** (from this run; docs/scale-out.md explains each line)', headers: ['figure', 'value'], rows },
      ],
      reproduce: `npm run bench -- --only ingest,scrape,scaleout${opts.smoke ? ' --smoke' : ''}`,
    };
  });
}
