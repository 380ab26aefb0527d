// A short load test: 300 simulated agents (tools/loadgen: the agent's own queue, outbox and HTTP
// transport) report every 2 s for 20 s to a real collector process persisting to its store.
// Zero 5xx, zero lost reports. Speed and memory are the benchmark's business, not asserted here.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { silentLogger } from '../../common/logger.js';
import { loadgenDevices, runLoad } from '../../tools/loadgen/loadgen.js';
import { cliPath, freePort, startCli, waitFor, type Proc } from './fixtures/processes.js';
import { suiteTimer } from './fixtures/prometheus.js';

const AGENTS = 300;
const SEED = 'load-test';

describe('load: a few hundred simulated agents', () => {
  let dir: string;
  let base: string;
  let collector: Proc | undefined;
  const done = suiteTimer('load');

  beforeAll(async () => {
    if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: run "npm run build" first (npm test does)`);
    dir = await mkdtemp(join(tmpdir(), 'stationwatch-load-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const config = { listen: { host: '127.0.0.1', port }, stateDir: join(dir, 'state'), defaultSite: 'loadgen', devices: loadgenDevices(AGENTS, SEED), log: { level: 'warn' } };
    await writeFile(join(dir, 'collector.yaml'), stringify(config));
    collector = startCli(['collector', '--config', join(dir, 'collector.yaml')]);
    await waitFor('the collector to listen', async () => ((await fetch(`${base}/healthz`)).ok ? true : undefined));
  });

  afterAll(async () => {
    await collector?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    done();
  });

  it('answers every report without a 5xx and loses none', async () => {
    const result = await runLoad({ url: base, agents: AGENTS, seconds: 20, intervalSeconds: 2, concurrency: 64, tokenSeed: SEED, log: silentLogger });
    console.log(`[load] ${JSON.stringify(result)}`);
    expect(result.reportsMade).toBeGreaterThan(AGENTS * 5);
    expect(result.status5xx).toBe(0);
    expect(result.refused).toBe(0);
    expect(result.lost).toBe(0);
    const devices = (await (await fetch(`${base}/api/devices`)).json()) as { devices: Array<{ reporting: boolean; reportsAccepted: number }> };
    expect(devices.devices.filter((d) => d.reporting)).toHaveLength(AGENTS);
    // every report made was applied exactly once
    expect(devices.devices.reduce((n, d) => n + d.reportsAccepted, 0)).toBe(result.reportsMade);
    expect(collector!.child.exitCode).toBe(null);
  }, 90_000);
});
