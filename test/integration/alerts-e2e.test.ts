// End to end: a real agent → a real collector → a real Prometheus loaded with the generated rules
// (durations shortened by the test site override file) → a real Alertmanager with the generated
// routing → a loopback webhook. Real faults go in — the agent stopped, packets dropped in a network
// namespace, a CUPS queue disabled, a corrupted backup archive — and the matching alerts must arrive
// through Alertmanager with the right labels and receiver, then resolve once the fault is removed.
// One fault at a time: a device's critical alert inhibits its warnings (as designed).
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRules } from '../../alerts/generate-rules.js';
import { parseOverrides } from '../../alerts/overrides.js';
import { flipByte, makeBackupTree } from '../fixtures/backup/make-backups.js';
import { createPrivateCups, type PrivateCups } from './fixtures/cups.js';
import { createLossyLink, requireNetworkTools, type LossyLink } from './fixtures/netns.js';
import { freePort, repoRoot, startCli, waitFor, type Proc } from './fixtures/processes.js';
import { configurePrometheus, suiteTimer, waitForNotification } from './fixtures/prometheus.js';

const DEVICE = 'e2e-pc-01';
const TOKEN = 'e2e-token-0123456789abcdef';

/** The fast override file plus this suite's windows, so each fault fires and clears in seconds. */
async function fastRules(): Promise<string> {
  const base = parseOverrides(await readFile(join(repoRoot, 'test/fixtures/site-overrides/fast.yml'), 'utf8'), 'fast.yml');
  const thresholds: Record<string, Record<string, number | string>> = structuredClone(base.thresholds) as never;
  thresholds.network = { ...thresholds.network, lossWindow: '10s', lossFor: '2s' };
  thresholds.peripherals = { ...thresholds.peripherals, printerStoppedFor: '2s' };
  return generateRules(parseOverrides(JSON.stringify({ thresholds }), 'e2e overrides'));
}

describe('alerts end to end through Alertmanager, with real faults', () => {
  let dir: string;
  let collector: Proc;
  let agent: Proc | undefined;
  let address: string;
  let link: LossyLink;
  let printServer: PrivateCups;
  const done = suiteTimer('alerts-e2e');
  const path = (...p: string[]) => join(dir, ...p);

  const startAgent = () => {
    agent = startCli(['agent', '--config', path('agent.yaml')]);
    return waitFor('the agent to report', async () => {
      const d = (await (await fetch(`http://${address}/api/devices/${DEVICE}`)).json()) as { reporting: boolean };
      return d.reporting ? true : undefined;
    });
  };
  /** A backup appears the way a careful script writes it: complete, then renamed into place. */
  const land = async (from: string, name: string) => {
    await copyFile(from, path('backups', `${name}.part`));
    await rename(path('backups', `${name}.part`), path('backups', name));
  };

  beforeAll(async () => {
    requireNetworkTools();
    dir = await mkdtemp(join(tmpdir(), 'stationwatch-e2e-'));
    link = createLossyLink(1, 0);
    printServer = await createPrivateCups(path('cups'));
    await printServer.start();
    await printServer.cups(printServer.bins.lpadmin, '-p', 'counter', '-E', '-v', 'file:///dev/null');
    await mkdir(path('backups'));
    await makeBackupTree(path('fixtures'));
    await land(path('fixtures', 'good.zip'), 'mon.zip');

    const port = await freePort();
    address = `127.0.0.1:${port}`;
    await writeFile(path('collector.yaml'), `listen: { host: 127.0.0.1, port: ${port} }\nstaleAfterIntervals: 2\ndevices:\n  - { name: ${DEVICE}, token: ${TOKEN}, site: e2e-site }\nlog: { level: warn }\n`);
    await writeFile(
      path('agent.yaml'),
      [
        `device: ${DEVICE}`,
        'site: e2e-site',
        `collector: { url: "http://${address}", token: ${TOKEN} }`,
        'intervals: { fastSeconds: 1, slowSeconds: 60 }',
        `stateDir: ${path('agent-state')}`,
        'log: { level: warn }',
        'probes:',
        '  network:',
        '    settings:',
        `      targets: [{ host: ${link.peerAddr}, label: ns-peer }]`,
        '      burst: { count: 20, intervalSeconds: 0.02, timeoutSeconds: 0.3, pauseSeconds: 0 }',
        '      windowSeconds: 5',
        `  printers: { intervalSeconds: 1, settings: { server: "${printServer.socket}" } }`,
        '  backup:',
        '    settings:',
        '      settleSeconds: 0.5',
        '      rescanSeconds: 1',
        `      jobs: [{ name: ledger, path: ${path('backups')}, pattern: "*.zip", kind: full, maxAgeSeconds: 3600 }]`,
        // Not under test, and on this VM some of them are abnormal (no firewall, pending updates): their
        // critical alerts would inhibit the warnings this suite waits for.
        ...['inventory', 'displays', 'scanners', 'usb', 'firewall', 'antivirus', 'logins', 'updates', 'storage', 'clock'].map((p) => `  ${p}: { enabled: false }`),
        '',
      ].join('\n'),
    );
    collector = startCli(['collector', '--config', path('collector.yaml')]);
    await waitFor('the collector', async () => ((await fetch(`http://${address}/healthz`)).ok ? true : undefined));
    await startAgent();
    await writeFile(path('rules.yml'), await fastRules());
    await configurePrometheus([{ job_name: 'stationwatch', honor_labels: true, static_configs: [{ targets: [address] }] }], [path('rules.yml')]);
  });

  afterAll(async () => {
    await agent?.stop();
    await collector?.stop();
    await printServer?.stop();
    link?.cleanup();
    await configurePrometheus([]);
    if (dir) await rm(dir, { recursive: true, force: true });
    done();
  });

  it('a device that stops reporting pages on-call (critical), and resolves when it is back', async () => {
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

  it('packets dropped in the namespace warn the IT team about that target, and resolve when the drops stop', async () => {
    const t0 = Date.now();
    link.setLoss(0.5);
    const firing = await waitForNotification({ alertname: 'StationwatchNetworkPacketLoss', device: DEVICE }, 'firing', 45_000, t0);
    expect(firing.labels).toMatchObject({ site: 'e2e-site', indicator: 'network', severity: 'warning', target: 'ns-peer' });
    expect(firing.receiver).toBe('it-team');
    const t1 = Date.now();
    link.setLoss(0);
    await waitForNotification({ alertname: 'StationwatchNetworkPacketLoss', device: DEVICE }, 'resolved', 45_000, t1);
  });

  it('a disabled CUPS queue pages on-call for that printer, and resolves when it is enabled again', async () => {
    const t0 = Date.now();
    await printServer.cups(printServer.bins.cupsdisable, '-r', 'paper jam', 'counter');
    const firing = await waitForNotification({ alertname: 'StationwatchPrinterStopped', device: DEVICE }, 'firing', 45_000, t0);
    expect(firing.labels).toMatchObject({ site: 'e2e-site', indicator: 'peripherals', severity: 'critical', printer: 'counter' });
    expect(firing.receiver).toBe('on-call');
    const t1 = Date.now();
    await printServer.cups(printServer.bins.cupsenable, 'counter');
    await waitForNotification({ alertname: 'StationwatchPrinterStopped', device: DEVICE }, 'resolved', 45_000, t1);
  });

  it('a corrupted backup archive pages on-call for that job, and resolves when a good backup lands', async () => {
    const t0 = Date.now();
    await copyFile(path('fixtures', 'good.zip'), path('fixtures', 'damaged.zip'));
    await flipByte(path('fixtures', 'damaged.zip'), 0.5);
    await land(path('fixtures', 'damaged.zip'), 'tue.zip');
    const firing = await waitForNotification({ alertname: 'StationwatchBackupCorrupt', device: DEVICE }, 'firing', 45_000, t0);
    expect(firing.labels).toMatchObject({ site: 'e2e-site', indicator: 'backup', severity: 'critical', backup_job: 'ledger' });
    expect(firing.receiver).toBe('on-call');
    const t1 = Date.now();
    await land(path('fixtures', 'good.zip'), 'wed.zip');
    await waitForNotification({ alertname: 'StationwatchBackupCorrupt', device: DEVICE }, 'resolved', 45_000, t1);
  });
});
