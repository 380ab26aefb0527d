// The posture probes in the real pipeline: a real agent process (its slow probes every 2 s) runs the
// real nft/iptables, smartctl, timedatectl/chronyc, apt-get and reads a real auth log; the collector
// exposes what it reports; Prometheus, loaded with the generated rules, fires the failed-login burst
// alert when failures are appended to the log, and the counter survives an agent restart.
import { spawnSync } from 'node:child_process';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRules } from '../../alerts/generate-rules.js';
import { parseOverrides } from '../../alerts/overrides.js';
import { freePort, repoRoot, startCli, waitFor, type Proc } from './fixtures/processes.js';
import { configurePrometheus, query, suiteTimer, waitForSeries } from './fixtures/prometheus.js';

const DEVICE = 'posture-pc-01';
const TOKEN = 'posture-token-0123456789';
const sel = `device="${DEVICE}"`;
const failure = (n: number) => `${new Date().toISOString()} ${DEVICE} sshd[${4000 + n}]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=127.0.0.${n}  user=teller\n`;

describe('posture probes → collector → Prometheus', () => {
  let dir: string;
  let address: string;
  let collector: Proc;
  let agent: Proc | undefined;
  const done = suiteTimer('posture');

  const startAgent = async () => {
    agent = startCli(['agent', '--config', join(dir, 'agent.yaml')]);
    await waitFor('the agent to report', async () => ((await (await fetch(`http://${address}/api/devices/${DEVICE}`)).json()) as { reporting: boolean }).reporting || undefined).catch((e: Error) => {
      throw new Error(`${e.message}\nagent said:\n${agent?.output()}`);
    });
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stationwatch-posture-'));
    const port = await freePort();
    address = `127.0.0.1:${port}`;
    await writeFile(join(dir, 'auth.log'), failure(1)); // before the agent watched: history, not counted
    const off = ['displays', 'inventory', 'network', 'printers', 'scanners', 'usb', 'backup'].map((p) => `  ${p}: { enabled: false }`).join('\n');
    await writeFile(join(dir, 'collector.yaml'), `listen: { host: 127.0.0.1, port: ${port} }\nstaleAfterIntervals: 3\ndevices:\n  - { name: ${DEVICE}, token: ${TOKEN}, site: posture-site }\nlog: { level: warn }\n`);
    await writeFile(
      join(dir, 'agent.yaml'),
      [
        `device: ${DEVICE}`,
        'site: posture-site',
        `collector: { url: "http://${address}", token: ${TOKEN} }`,
        'intervals: { fastSeconds: 1, slowSeconds: 2 }',
        `stateDir: ${join(dir, 'agent-state')}`,
        'log: { level: warn }',
        'probes:',
        off,
        `  logins: { settings: { source: file, authLogPath: "${join(dir, 'auth.log')}" } }`,
        `  antivirus: { settings: { clamavDatabaseDir: "${join(repoRoot, 'test/fixtures/clamav/lib')}" } }`,
        '  updates: { intervalSeconds: 60 }',
        '',
      ].join('\n'),
    );
    collector = startCli(['collector', '--config', join(dir, 'collector.yaml')]);
    await waitFor('the collector', async () => ((await fetch(`http://${address}/healthz`)).ok ? true : undefined));
    await startAgent();
    const rules = generateRules(parseOverrides('thresholds:\n  security: { loginBurstWindow: 1m }\n', 'posture overrides'));
    await writeFile(join(dir, 'rules.yml'), rules);
    await configurePrometheus([{ job_name: 'stationwatch', honor_labels: true, static_configs: [{ targets: [address] }] }], [join(dir, 'rules.yml')]);
  });

  afterAll(async () => {
    await agent?.stop();
    await collector?.stop();
    await configurePrometheus([]);
    if (dir) await rm(dir, { recursive: true, force: true });
    done();
  });

  it('exposes each probe\'s values, and what this VM cannot measure as unavailable', async () => {
    await waitForSeries(`stationwatch_failed_logins_total{${sel}} == 0`);
    const fw = await waitForSeries(`stationwatch_firewall_enabled{${sel}}`);
    expect(fw.map((s) => [s.metric.profile, ['0', '1'].includes(s.value[1])])).toEqual([['all', true]]);
    await waitForSeries(`stationwatch_antivirus_signatures_updated_timestamp_seconds{${sel},product="clamav"} == 1699965661`);
    await waitForSeries(`stationwatch_metric_available{${sel},metric="stationwatch_antivirus_last_scan_timestamp_seconds"} == 0`);
    await waitForSeries(`stationwatch_os_updates_pending{${sel}} >= 0`, 40_000);
    const scan = spawnSync('smartctl', ['--scan', '--json'], { encoding: 'utf8' });
    if (scan.error) throw new Error('smartctl is not installed: apt-get install smartmontools');
    if (!scan.stdout.includes('"devices"')) await waitForSeries(`stationwatch_metric_available{${sel},metric="stationwatch_disk_smart_healthy"} == 0`);
    else await waitForSeries(`stationwatch_metric_available{${sel},metric="stationwatch_disk_smart_healthy"}`);
    await waitForSeries(`stationwatch_metric_available{${sel},metric="stationwatch_clock_synchronized"}`);
  }, 60_000);

  it('a burst of failed logins in the auth log fires the alert; the count survives an agent restart', async () => {
    await appendFile(join(dir, 'auth.log'), [2, 3, 4, 5, 6, 7].map(failure).join(''));
    await waitForSeries(`stationwatch_failed_logins_total{${sel}} == 6`);
    const firing = await waitForSeries(`ALERTS{alertname="StationwatchFailedLoginBurst",alertstate="firing",${sel}}`, 30_000);
    expect(firing[0]!.metric).toMatchObject({ indicator: 'security', severity: 'warning', site: 'posture-site' });

    await agent!.stop();
    await startAgent();
    await appendFile(join(dir, 'auth.log'), failure(8));
    await waitForSeries(`stationwatch_failed_logins_total{${sel}} == 7`);
    // Never counted twice: across the restart the counter only went 6 → 7.
    expect((await query(`max_over_time(stationwatch_failed_logins_total{${sel}}[5m])`))[0]!.value[1]).toBe('7');
  }, 90_000);
});
