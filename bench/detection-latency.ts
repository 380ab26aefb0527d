// Detection latency: from a fault injected at the workstation to the alert firing in a real
// Prometheus, with the default intervals (agent 15 s / 600 s, Prometheus scrape and evaluation 15 s
// as deploy/prometheus/prometheus.yml, the generated rules unchanged). Three faults at once on one
// real agent: a print queue stopped in a private cupsd, every echo request to the ping target
// dropped (iptables in a network namespace of our own), and a corrupted backup archive landing in a
// watched directory. Each fault's path is timed: collector shows it → Prometheus has it → alert
// pending → firing.
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { generateRules } from '../alerts/generate-rules.js';
import { createPrivateCups } from '../common/daemons/private-cups.js';
import { parseOverrides } from '../alerts/overrides.js';
import { benchDevices, startCollector } from './lib/collector.js';
import { createNamespace } from './lib/netns.js';
import { startPrometheus } from './lib/prometheus.js';
import { cliPath, sleep, waitFor, withScope } from './lib/processes.js';
import { fmt, type Section } from './lib/report.js';
import type { BenchOptions } from './options.js';

interface Fault {
  fault: string;
  alert: string;
  /** A line of the collector's /metrics that shows the fault. */
  inCollector: (metrics: string) => boolean;
  /** A PromQL expression that returns something once Prometheus has the fault. */
  inPrometheus: string;
  expected: string;
  times: Partial<Record<'collector' | 'prometheus' | 'pending' | 'firing', number>>;
}

const lineValue = (metrics: string, prefix: string, labels: string[]) => {
  const l = metrics.split('\n').find((x) => x.startsWith(prefix) && labels.every((s) => x.includes(s)));
  return l === undefined ? undefined : Number(l.slice(l.lastIndexOf(' ') + 1));
};

export async function detectionLatency(opts: BenchOptions): Promise<Section> {
  const smoke = opts.smoke;
  return withScope(async (scope) => {
    const [device] = benchDevices(1, 'detect');
    const cups = await createPrivateCups(await scope.tempDir('cups'));
    scope.onClose(() => cups.stop());
    await cups.start();
    await cups.addQueue('counter');
    const ns = createNamespace(scope, 'dl');
    const collector = await startCollector(scope, [device!], { name: 'detect-collector' });

    // A valid backup to start from, and a damaged copy of it (one byte flipped, same checksum file).
    const dir = await scope.tempDir('detect');
    execFileSync('sh', ['-c', 'head -c 4M /dev/urandom > data.bin && tar cf - data.bin | gzip -1 > good.tar.gz && rm data.bin'], { cwd: dir });
    await mkdir(join(dir, 'watched'));
    const sha = execFileSync('sha256sum', [join(dir, 'good.tar.gz')], { encoding: 'utf8' }).split(' ')[0];
    writeFileSync(join(dir, 'watched', 'backup-1.tar.gz.sha256'), `${sha}  backup-1.tar.gz\n`);
    copyFileSync(join(dir, 'good.tar.gz'), join(dir, 'watched', 'backup-1.tar.gz'));
    const bad = readFileSync(join(dir, 'good.tar.gz'));
    const middle = bad.length >> 1;
    bad[middle] = bad[middle]! ^ 0xff;
    writeFileSync(join(dir, 'backup-2.tar.gz'), bad);

    const agentConfig = {
      device: device!.name,
      site: 'bench',
      collector: { url: collector.url, token: device!.token },
      stateDir: join(dir, 'state'),
      ...(smoke ? { intervals: { fastSeconds: 1, slowSeconds: 2 } } : {}),
      probes: {
        printers: { settings: { server: cups.socket } },
        network: { settings: { targets: [{ host: ns.peer, label: 'bench-target' }], ...(smoke ? { burst: { count: 3, intervalSeconds: 0.2, timeoutSeconds: 0.5, pauseSeconds: 0.5 } } : {}) } },
        backup: { settings: { ...(smoke ? { settleSeconds: 1, rescanSeconds: 2 } : {}), jobs: [{ name: 'daily', path: join(dir, 'watched'), pattern: '*.tar.gz', kind: 'full' }] } },
      },
    };
    await writeFile(join(dir, 'agent.yaml'), stringify(agentConfig));
    scope.startNode(cliPath, ['agent', '--config', join(dir, 'agent.yaml')]);

    // The project's Prometheus configuration (deploy/prometheus/prometheus.yml), on loopback.
    const every = smoke ? '1s' : '15s';
    const overrides = smoke ? parseOverrides(JSON.stringify({ thresholds: { peripherals: { printerStoppedFor: '2s' }, network: { disconnectWindow: '10s', disconnectFor: '2s', lossWindow: '10s', lossFor: '2s' } } }), 'smoke overrides') : undefined;
    const host = new URL(collector.url).host;
    const prometheus = await startPrometheus(
      scope,
      {
        global: { scrape_interval: every, evaluation_interval: every },
        rule_files: ['stationwatch.rules.yml'],
        scrape_configs: [
          { job_name: 'stationwatch-collector', metrics_path: '/collector/metrics', static_configs: [{ targets: [host] }] },
          { job_name: 'stationwatch-devices', honor_labels: true, http_sd_configs: [{ url: `${collector.url}/sd`, refresh_interval: smoke ? '1s' : '30s' }] },
        ],
      },
      { name: 'detect-prometheus', ruleFiles: { 'stationwatch.rules.yml': generateRules(overrides) } },
    );

    const d = `device="${device!.name}"`;
    opts.log('detection: waiting for the healthy state (printer idle, backup verified, pings answered) in Prometheus');
    const healthy = async () => {
      const printer = await prometheus.scalar(`stationwatch_printer_state{${d},printer="counter",state="idle"}`);
      const backup = await prometheus.scalar(`stationwatch_backup_last_result{${d},result="ok"}`);
      const sent = await prometheus.scalar(`stationwatch_network_ping_sent_total{${d},target="bench-target"}`);
      return printer === 1 && backup === 1 && sent > 0 ? true : undefined;
    };
    await waitFor('the healthy state in Prometheus', healthy, smoke ? 90_000 : 900_000, 1000);
    const metricsNow = await (await fetch(`${collector.url}/metrics`)).text();
    const lostBefore = lineValue(metricsNow, 'stationwatch_network_ping_lost_total{', [d, 'target="bench-target"']) ?? 0;

    const faults: Fault[] = [
      {
        fault: 'print queue stopped (cupsdisable)',
        alert: 'StationwatchPrinterStopped',
        inCollector: (m) => lineValue(m, 'stationwatch_printer_state{', [d, 'printer="counter"', 'state="stopped"']) === 1,
        inPrometheus: `stationwatch_printer_state{${d},printer="counter",state="stopped"} == 1`,
        expected: smoke ? '' : 'printers probe every 60 s (CUPS) + report ≤ 15 s + scrape ≤ 15 s + evaluation ≤ 15 s + for 5 m: 5–6.8 min',
        times: {},
      },
      {
        fault: 'every echo request dropped (iptables DROP)',
        alert: 'StationwatchNetworkDisconnected',
        inCollector: (m) => (lineValue(m, 'stationwatch_network_ping_lost_total{', [d, 'target="bench-target"']) ?? 0) > lostBefore,
        inPrometheus: `increase(stationwatch_network_ping_lost_total{${d},target="bench-target"}[1m]) > 0`,
        expected: smoke ? '' : 'a request every 2 s (Linux: one long-running ping); all lost over the 2 m window + for 1 m + scrape and evaluation ≤ 30 s: 3–3.5 min',
        times: {},
      },
      {
        fault: 'every echo request dropped (iptables DROP)',
        alert: 'StationwatchNetworkPacketLoss',
        inCollector: (m) => (lineValue(m, 'stationwatch_network_ping_lost_total{', [d, 'target="bench-target"']) ?? 0) > lostBefore,
        inPrometheus: `increase(stationwatch_network_ping_lost_total{${d},target="bench-target"}[1m]) > 0`,
        expected: smoke ? '' : 'loss over 5 m above 5 % after a few requests + for 5 m + scrape and evaluation ≤ 30 s: 5–6 min',
        times: {},
      },
      {
        fault: 'corrupted backup archive lands (one byte flipped)',
        alert: 'StationwatchBackupCorrupt',
        inCollector: (m) => lineValue(m, 'stationwatch_backup_last_result{', [d, 'result="corrupt"']) === 1,
        inPrometheus: `stationwatch_backup_last_result{${d},result="corrupt"} == 1`,
        expected: smoke ? '' : 'file watcher + settle 30 s + verification + report ≤ 15 s + scrape ≤ 15 s + evaluation ≤ 15 s (no for): 30–75 s',
        times: {},
      },
    ];

    opts.log('detection: injecting the three faults');
    const t0 = Date.now();
    await cups.disable('counter', 'stopped by the benchmark');
    ns.dropAll(true);
    writeFileSync(join(dir, 'watched', 'backup-2.tar.gz.sha256'), `${sha}  backup-2.tar.gz\n`);
    await rename(join(dir, 'backup-2.tar.gz'), join(dir, 'watched', 'backup-2.tar.gz'));

    const deadline = t0 + (smoke ? 120_000 : 25 * 60_000);
    while (faults.some((f) => f.times.firing === undefined) && Date.now() < deadline) {
      const at = (Date.now() - t0) / 1000;
      const metrics = await (await fetch(`${collector.url}/metrics`)).text();
      const alerts = await prometheus.query(`ALERTS{${d}}`);
      for (const f of faults) {
        if (f.times.collector === undefined && f.inCollector(metrics)) f.times.collector = at;
        if (f.times.prometheus === undefined && (await prometheus.query(f.inPrometheus)).length > 0) f.times.prometheus = at;
        const states = alerts.filter((a) => a.metric.alertname === f.alert).map((a) => a.metric.alertstate);
        if (f.times.pending === undefined && states.length > 0) f.times.pending = at; // firing at once (no `for`) counts as pending too
        if (f.times.firing === undefined && states.includes('firing')) f.times.firing = at;
      }
      await sleep(smoke ? 250 : 1000);
    }
    ns.dropAll(false);
    const show = (t: number | undefined) => (t === undefined ? 'not within the run' : `${fmt(t)} s`);
    return {
      title: 'Detection latency',
      method: `One real agent (default intervals${smoke ? ' — smoke: shrunk to 1 s / 2 s, rules with short windows' : ': fast 15 s, slow 600 s; backup settle 30 s'}) reports to a real collector; a real Prometheus scrapes it as deploy/prometheus/prometheus.yml does (per-device targets from /sd, scrape and evaluation every ${every}) with the generated rules${smoke ? ' (durations shortened)' : ' unchanged'}. At t = 0 three faults are injected at once; the collector's /metrics and Prometheus are polled every ${smoke ? 0.25 : 1} s. Times are from the injection.`,
      headlines: faults.map((f) => ({ what: `${f.alert} (${f.fault})`, value: show(f.times.firing) })),
      tables: [
        {
          caption: '**From fault to firing alert** (seconds after the injection)',
          headers: ['fault', 'alert', 'collector shows it', 'in Prometheus', 'alert pending', 'alert firing', 'expected from the intervals'],
          rows: faults.map((f) => [f.fault, f.alert, show(f.times.collector), show(f.times.prometheus), show(f.times.pending), show(f.times.firing), f.expected || '—']),
        },
      ],
      notes: [
        'The printers probe asks CUPS every 60 s (one IPP request, no process; on Windows, where each run starts PowerShell, it keeps the slow interval), so a stopped printer is seen within a minute and the alert\'s own 5 min decide the rest.',
        'Every packet stays between this machine and a network namespace the benchmark made (veth pair, its own /24 with an unreachable route); namespace, link and route are removed afterwards.',
      ],
      reproduce: `npm run bench -- --only detection${smoke ? ' --smoke' : ''}`,
    };
  });
}
