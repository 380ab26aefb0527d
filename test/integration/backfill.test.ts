// Backfill through remote-write into a real Prometheus of its own (remote-write receiver on, an
// out-of-order window of 1 h; the shared fixture is for scraping): a real agent reports every 0.5 s,
// this Prometheus scrapes the collector every 1 s through HTTP SD, the collector is stopped for
// ~12 s and restarted. Afterwards Prometheus holds the device's samples for the outage — at the
// agent's 0.5 s cadence, which only the backfill can have produced — and none doubled.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeDefinitions } from '../../agent/probes/index.js';
import { checkPrometheusConfig, writeChecked } from '../../common/daemons/config-check.js';
import { whenReady } from '../../common/daemons/daemon.js';
import { cliPath, freePort, start, startCli, waitFor, type Proc } from './fixtures/processes.js';
import { suiteTimer } from './fixtures/prometheus.js';

const PROMETHEUS = '/usr/bin/prometheus';
const DEVICE = 'backfill-pc-01';
const TOKEN = 'backfill-token-0123456789';

describe('remote-write backfill of an outage', () => {
  let dir: string;
  let base: string;
  let promUrl: string;
  let prometheus: Proc | undefined;
  let collector: Proc | undefined;
  let agent: Proc | undefined;
  const done = suiteTimer('backfill');

  const startCollector = async () => {
    collector = startCli(['collector', '--config', join(dir, 'collector.yaml')]);
    await waitFor('the collector to listen', async () => ((await fetch(`${base}/healthz`)).ok ? true : undefined)).catch((e: Error) => {
      throw new Error(`${e.message}\n${collector?.output()}`);
    });
  };
  /** Raw samples of a series in Prometheus over the last `range`, as [seconds, value]. */
  const raw = async (expr: string): Promise<Array<[number, number]>> => {
    const body = (await (await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`)).json()) as { data: { result: Array<{ values: Array<[number, string]> }> } };
    return (body.data.result[0]?.values ?? []).map(([t, v]) => [t, Number(v)]);
  };

  beforeAll(async () => {
    if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: run "npm run build" first (npm test does)`);
    if (!existsSync(PROMETHEUS)) throw new Error(`${PROMETHEUS} not found: install it with apt-get install -y --no-install-recommends prometheus`);
    dir = await mkdtemp(join(tmpdir(), 'stationwatch-backfill-'));
    const promPort = await freePort();
    promUrl = `http://127.0.0.1:${promPort}`;
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;

    await writeChecked(
      join(dir, 'prometheus.yml'),
      `global: { scrape_interval: 1s }\nstorage: { tsdb: { out_of_order_time_window: 1h } }\nscrape_configs:\n  - job_name: stationwatch-devices\n    honor_labels: true\n    http_sd_configs: [{ url: "${base}/sd", refresh_interval: 1s }]\n`,
      checkPrometheusConfig,
    );
    const prom = start(PROMETHEUS, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'prom-data')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--web.enable-remote-write-receiver', '--log.level=warn'], {}, 'the backfill Prometheus');
    prometheus = prom;
    await whenReady(prom, `${promUrl}/-/ready`, async () => ((await fetch(`${promUrl}/-/ready`)).ok ? true : undefined), { timeoutMs: 30_000, everyMs: 250 });

    await writeFile(
      join(dir, 'collector.yaml'),
      `listen: { host: 127.0.0.1, port: ${port} }\nstateDir: ${join(dir, 'collector-state')}\nstaleAfterIntervals: 3\ndevices: [{ name: ${DEVICE}, token: ${TOKEN}, site: backfill-site }]\nremoteWrite: { url: "${promUrl}/api/v1/write" }\nlog: { level: warn }\n`,
    );
    const probes = probeDefinitions.map((p) => `  ${p.name}: { enabled: ${p.name === 'resources'} }`).join('\n');
    await writeFile(join(dir, 'agent.yaml'), `device: ${DEVICE}\nsite: backfill-site\ncollector: { url: "${base}", token: ${TOKEN} }\nintervals: { fastSeconds: 0.5, slowSeconds: 60 }\nstateDir: ${join(dir, 'agent-state')}\noutbox: { drainPerSecond: 20, maxRetrySeconds: 4 }\nprobes:\n${probes}\nlog: { level: warn }\n`);
    await startCollector();
    agent = startCli(['agent', '--config', join(dir, 'agent.yaml')]);
  }, 60_000);

  afterAll(async () => {
    await agent?.stop();
    await collector?.stop();
    await prometheus?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    done();
  });

  it('after the collector comes back, Prometheus holds the samples of the outage with their original times', async () => {
    const series = `stationwatch_cpu_utilisation_ratio{device="${DEVICE}",job="stationwatch-devices"}`;
    await waitFor('Prometheus to scrape the device', async () => ((await raw(`${series}[30s]`)).length >= 3 ? true : undefined), 30_000);
    const killedAt = Date.now() / 1000;
    await collector!.stop('SIGKILL');
    await new Promise((r) => setTimeout(r, 12_000));
    const restartedAt = Date.now() / 1000;
    await startCollector();

    const inOutage = (s: Array<[number, number]>) => s.filter(([t]) => t > killedAt + 2 && t < restartedAt - 1);
    const samples = await waitFor(
      'the outage to be backfilled',
      async () => {
        const s = await raw(`${series}[2m]`);
        return inOutage(s).length >= 12 ? s : undefined;
      },
      45_000,
    ).catch(async (e: Error) => {
      throw new Error(`${e.message}\nsamples: ${JSON.stringify(await raw(`${series}[2m]`))}\ncollector: ${collector?.output()}\n${await (await fetch(`${base}/collector/metrics`)).text().then((t) => t.split('\n').filter((l) => l.includes('backfill')).join('\n'))}`);
    });
    const outage = inOutage(samples);
    // The agent's cadence (0.5 s), not the scrape's (1 s): these came through remote-write.
    const gaps = outage.slice(1).map(([t], i) => t - outage[i]![0]);
    expect(Math.min(...gaps)).toBeLessThan(0.8);
    // Each moment once: backfilled and scraped samples never overlap.
    const times = samples.map(([t]) => t);
    expect(new Set(times).size).toBe(times.length);
    const metrics = await (await fetch(`${base}/collector/metrics`)).text();
    expect(metrics).toMatch(/stationwatch_collector_backfill_samples_total\{result="sent"\} [1-9]/);
  }, 120_000);
});
