// A real agent process pushes to a real collector process, which a real Prometheus scrapes both
// through /metrics and through HTTP service discovery (one target per device).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, freePort, startCli, waitFor, type Proc } from './fixtures/processes.js';
import { configurePrometheus, query, suiteTimer, targets, waitForSeries } from './fixtures/prometheus.js';

const DEVICE = 'it-pc-01';
const TOKEN = 'integration-token-0123456789';

describe('agent → collector → Prometheus', () => {
  let dir: string;
  let collector: Proc;
  let agent: Proc;
  let address: string;
  const done = suiteTimer('foundation');

  beforeAll(async () => {
    if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: run "npm run build" first (npm test does)`);
    dir = await mkdtemp(join(tmpdir(), 'stationwatch-it-'));
    const port = await freePort();
    address = `127.0.0.1:${port}`;
    await writeFile(join(dir, 'collector.yaml'), `listen: { host: 127.0.0.1, port: ${port} }\nstaleAfterIntervals: 3\ndevices:\n  - { name: ${DEVICE}, token: ${TOKEN}, site: test-site }\nlog: { level: warn }\n`);
    await writeFile(join(dir, 'agent.yaml'), `device: ${DEVICE}\nsite: test-site\ncollector: { url: "http://${address}", token: ${TOKEN} }\nintervals: { fastSeconds: 1, slowSeconds: 60 }\nstateDir: ${join(dir, 'agent-state')}\nlog: { level: warn }\n`);
    collector = startCli(['collector', '--config', join(dir, 'collector.yaml')]);
    await waitFor('the collector to listen', async () => ((await fetch(`http://${address}/healthz`)).ok ? true : undefined)).catch((e: Error) => {
      throw new Error(`${e.message}\n${collector.output()}`);
    });
    agent = startCli(['agent', '--config', join(dir, 'agent.yaml')]);
    await waitFor('the agent\'s first report', async () => {
      const body = (await (await fetch(`http://${address}/api/devices/${DEVICE}`)).json()) as { reporting: boolean };
      return body.reporting ? true : undefined;
    }).catch((e: Error) => {
      throw new Error(`${e.message}\nagent said:\n${agent.output()}`);
    });
    await configurePrometheus([
      { job_name: 'stationwatch', honor_labels: true, static_configs: [{ targets: [address] }] },
      { job_name: 'stationwatch-devices', honor_labels: true, http_sd_configs: [{ url: `http://${address}/sd`, refresh_interval: '2s' }] },
    ]);
  });

  afterAll(async () => {
    await agent?.stop();
    await collector?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    done();
  });

  it('Prometheus has the agent\'s CPU and memory with the device label, through /metrics and through HTTP SD', async () => {
    for (const job of ['stationwatch', 'stationwatch-devices']) {
      const cpu = await waitForSeries(`stationwatch_cpu_utilisation_ratio{job="${job}",device="${DEVICE}"}`);
      expect(cpu[0]!.metric.site).toBe('test-site');
      const v = Number(cpu[0]!.value[1]);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
      const mem = await waitForSeries(`stationwatch_memory_utilisation_ratio{job="${job}",device="${DEVICE}"}`);
      expect(Number(mem[0]!.value[1])).toBeGreaterThan(0);
    }
    const t = (await targets()).filter((x) => x.scrapePool === 'stationwatch-devices');
    expect(t.map((x) => [x.labels.device, x.labels.instance, x.health])).toEqual([[DEVICE, DEVICE, 'up']]);
  });

  it('the collector\'s /metrics passes promtool check metrics', async () => {
    const text = await (await fetch(`http://${address}/metrics`)).text();
    expect(text).toContain(`stationwatch_boots_total{device="${DEVICE}"`);
    const child = execFile('/usr/bin/promtool', ['check', 'metrics']);
    let out = '';
    child.stdout!.on('data', (b) => (out += b));
    child.stderr!.on('data', (b) => (out += b));
    child.stdin!.end(text);
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(out.trim()).toBe('');
    expect(code).toBe(0);
  });

  it('when the agent stops, its target goes down and the collector shows it not reporting', async () => {
    expect(await agent.stop('SIGTERM')).toBe(0);
    const t0 = Date.now();
    await waitForSeries(`up{job="stationwatch-devices",device="${DEVICE}"} == 0`, 20_000);
    await waitForSeries(`stationwatch_device_reporting{job="stationwatch",device="${DEVICE}"} == 0`, 20_000);
    // Staleness window is 3 × 1 s; allow for scrape and SD timing but not much more.
    expect(Date.now() - t0).toBeLessThan(15_000);
    // The stopped device's values are gone from the collector, not frozen.
    await waitFor('the CPU series to go stale', async () => ((await query(`stationwatch_cpu_utilisation_ratio{device="${DEVICE}"}`)).length === 0 ? true : undefined));
  });
});

