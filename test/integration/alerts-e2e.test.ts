// End to end: a real agent → a real collector → a real Prometheus loaded with the generated rules
// (durations shortened by the test site override file) → a real Alertmanager with the generated
// routing → a loopback webhook. Real faults go in; the matching alerts must arrive with the right
// labels, and resolve once the fault is removed.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRules } from '../../alerts/generate-rules.js';
import { parseOverrides } from '../../alerts/overrides.js';
import { freePort, repoRoot, startCli, waitFor, type Proc } from './fixtures/processes.js';
import { configurePrometheus, suiteTimer, waitForNotification } from './fixtures/prometheus.js';

const DEVICE = 'e2e-pc-01';
const TOKEN = 'e2e-token-0123456789abcdef';

/** The fast override file, plus extra threshold lines a scenario needs. */
async function rulesWith(extra: Record<string, Record<string, number | string>> = {}): Promise<string> {
  const base = parseOverrides(await readFile(join(repoRoot, 'test/fixtures/site-overrides/fast.yml'), 'utf8'), 'fast.yml');
  const thresholds: Record<string, Record<string, number | string>> = structuredClone(base.thresholds) as never;
  for (const [id, values] of Object.entries(extra)) thresholds[id] = { ...thresholds[id], ...values };
  return generateRules(parseOverrides(JSON.stringify({ thresholds }), 'e2e overrides'));
}

describe('alerts end to end through Alertmanager', () => {
  let dir: string;
  let collector: Proc;
  let agent: Proc | undefined;
  let address: string;
  const done = suiteTimer('alerts-e2e');

  const startAgent = () => {
    agent = startCli(['agent', '--config', join(dir, 'agent.yaml')]);
    return waitFor('the agent to report', async () => {
      const d = (await (await fetch(`http://${address}/api/devices/${DEVICE}`)).json()) as { reporting: boolean };
      return d.reporting ? true : undefined;
    });
  };
  const loadRules = async (rules: string) => {
    await writeFile(join(dir, 'rules.yml'), rules);
    await configurePrometheus([{ job_name: 'stationwatch', honor_labels: true, static_configs: [{ targets: [address] }] }], [join(dir, 'rules.yml')]);
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stationwatch-e2e-'));
    const port = await freePort();
    address = `127.0.0.1:${port}`;
    await writeFile(join(dir, 'collector.yaml'), `listen: { host: 127.0.0.1, port: ${port} }\nstaleAfterIntervals: 2\ndevices:\n  - { name: ${DEVICE}, token: ${TOKEN}, site: e2e-site }\nlog: { level: warn }\n`);
    await writeFile(join(dir, 'agent.yaml'), `device: ${DEVICE}\nsite: e2e-site\ncollector: { url: "http://${address}", token: ${TOKEN} }\nintervals: { fastSeconds: 1, slowSeconds: 60 }\nstateDir: ${join(dir, 'agent-state')}\nlog: { level: warn }\n`);
    collector = startCli(['collector', '--config', join(dir, 'collector.yaml')]);
    await waitFor('the collector', async () => ((await fetch(`http://${address}/healthz`)).ok ? true : undefined));
    await startAgent();
  });

  afterAll(async () => {
    await agent?.stop();
    await collector?.stop();
    await configurePrometheus([]);
    if (dir) await rm(dir, { recursive: true, force: true });
    done();
  });

  it('a device that stops reporting pages on-call (critical), and resolves when it is back', async () => {
    await loadRules(await rulesWith());
    const t0 = Date.now();
    await agent!.stop();
    const firing = await waitForNotification({ alertname: 'StationwatchDeviceNotReporting', device: DEVICE }, 'firing', 40_000, t0);
    expect(firing.labels).toMatchObject({ site: 'e2e-site', indicator: 'availability', severity: 'critical' });
    expect(firing.receiver).toBe('on-call');
    expect(firing.annotations.runbook_url).toBe('/docs/runbooks/availability.md#stationwatchdevicenotreporting');
    expect(firing.annotations.summary_zh).toBe(`${DEVICE} 已停止上报`);
    const t1 = Date.now();
    await startAgent();
    await waitForNotification({ alertname: 'StationwatchDeviceNotReporting', device: DEVICE }, 'resolved', 40_000, t1);
  });
});
