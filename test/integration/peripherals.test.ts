// Printers and scanners end to end against the real stacks: a private cupsd (its own config, spool and
// domain socket in a temp dir — never the system's, no TCP port) with file:///dev/null queues, and
// SANE's `test` backend through a private SANE_CONFIG_DIR. A real agent reports to a real collector,
// the shared Prometheus scrapes it with the generated rules (durations shortened), and the test
// stops a queue, holds a job, removes the scanners, stops CUPS — and watches each show and recover.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRules } from '../../alerts/generate-rules.js';
import { parseOverrides } from '../../alerts/overrides.js';
import { writeLocalConfig } from '../../agent/probes/scanners-sane-config.js';
import { SCANIMAGE_FORMAT } from '../../agent/probes/scanners-parse.js';
import { createPrivateCups, cupsBins, need, type PrivateCups } from './fixtures/cups.js';
import { cliPath, freePort, startCli, waitFor, type Proc } from './fixtures/processes.js';
import { configurePrometheus, prometheusUrl, query, suiteTimer, waitForSeries } from './fixtures/prometheus.js';

const DEVICE = 'it-counter-01';
const TOKEN = 'peripherals-token-0123456789';

describe('peripherals: real CUPS and SANE → agent → collector → Prometheus', () => {
  const bins = { ...cupsBins(), scanimage: need('scanimage', 'sane-utils') };
  let dir: string;
  let socket: string;
  let printServer: PrivateCups;
  let collector: Proc;
  let agent: Proc;
  let saneDir: string;
  let address: string;
  const done = suiteTimer('peripherals');
  const cups = (cmd: string, ...args: string[]) => printServer.cups(cmd, ...args);

  beforeAll(async () => {
    if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: run "npm run build" first (npm test does)`);
    dir = await mkdtemp(join(tmpdir(), 'stationwatch-periph-'));
    printServer = await createPrivateCups(dir);
    socket = printServer.socket;
    await printServer.start();
    for (const name of ['counter', 'backoffice']) await cups(bins.lpadmin, '-p', name, '-E', '-v', 'file:///dev/null');

    saneDir = join(dir, 'sane');
    await mkdir(saneDir);
    await writeFile(join(saneDir, 'dll.conf'), 'test\n');
    await writeFile(join(saneDir, 'test.conf'), 'number_of_devices 2\n');

    const port = await freePort();
    address = `127.0.0.1:${port}`;
    await writeFile(join(dir, 'collector.yaml'), `listen: { host: 127.0.0.1, port: ${port} }\nstaleAfterIntervals: 3\ndevices:\n  - { name: ${DEVICE}, token: ${TOKEN}, site: test-site }\nlog: { level: warn }\n`);
    await writeFile(
      join(dir, 'agent.yaml'),
      [
        `device: ${DEVICE}`,
        'site: test-site',
        `collector: { url: "http://${address}", token: ${TOKEN} }`,
        'intervals: { fastSeconds: 1, slowSeconds: 60 }',
        `stateDir: ${join(dir, 'agent-state')}`,
        'log: { level: warn }',
        'probes:',
        `  printers: { intervalSeconds: 1, settings: { server: "${socket}" } }`,
        `  scanners: { intervalSeconds: 1, settings: { configDir: "${saneDir}", expected: 2 } }`,
        // Not under test here, and the only ones that would spawn programs or send packets.
        '  network: { enabled: false }',
        '  inventory: { enabled: false }',
      ].join('\n') + '\n',
    );
    collector = startCli(['collector', '--config', join(dir, 'collector.yaml')]);
    await waitFor('the collector to listen', async () => ((await fetch(`http://${address}/healthz`)).ok ? true : undefined));
    agent = startCli(['agent', '--config', join(dir, 'agent.yaml')]);

    const rules = generateRules(parseOverrides(JSON.stringify({ thresholds: { peripherals: { printerStoppedFor: '2s', stuckJobAge: '3s' } } }), 'peripherals overrides'));
    await writeFile(join(dir, 'rules.yml'), rules);
    await configurePrometheus([{ job_name: 'stationwatch', honor_labels: true, static_configs: [{ targets: [address] }] }], [join(dir, 'rules.yml')]);
  });

  afterAll(async () => {
    await agent?.stop();
    await collector?.stop();
    await printServer?.stop();
    await configurePrometheus([]);
    if (dir) await rm(dir, { recursive: true, force: true });
    done();
  });

  const sel = (metric: string, labels = '') => `${metric}{device="${DEVICE}"${labels ? `,${labels}` : ''}}`;

  it('reports both queues idle, accepting and empty, and the print service up', async () => {
    await waitForSeries(`${sel('stationwatch_print_service_up')} == 1`);
    for (const printer of ['counter', 'backoffice']) {
      await waitForSeries(`${sel('stationwatch_printer_state', `printer="${printer}",state="idle"`)} == 1`);
      await waitForSeries(`${sel('stationwatch_printer_accepting_jobs', `printer="${printer}"`)} == 1`);
      await waitForSeries(`${sel('stationwatch_printer_queue_jobs', `printer="${printer}"`)} == 0`);
    }
    expect((await query(sel('stationwatch_printer_error', 'printer="counter"'))).map((s) => [s.metric.reason, s.value[1]]).sort()).toEqual(
      ['door-open', 'media-empty', 'media-jam', 'offline', 'other', 'toner-empty', 'toner-low'].map((r) => [r, '0']),
    );
    const took = Number((await query(sel('stationwatch_printer_query_duration_seconds', 'printer="counter"')))[0]!.value[1]);
    expect(took).toBeGreaterThan(0);
    // Raw queues report no marker levels: the supply series is absent and marked unavailable, never 0.
    expect(await query(sel('stationwatch_printer_supply_level_ratio'))).toEqual([]);
    await waitForSeries(`stationwatch_metric_available{device="${DEVICE}",metric="stationwatch_printer_supply_level_ratio"} == 0`);
  });

  it('a disabled queue shows as stopped with the operator\'s reason (metrics, alert text, device page) and alerts; re-enabled both go', async () => {
    const reason = 'paper jam — 卡纸, call IT';
    await cups(bins.cupsdisable, '-r', reason, 'backoffice');
    await waitForSeries(`${sel('stationwatch_printer_state', 'printer="backoffice",state="stopped"')} == 1`);
    // The reason, as printer-state-message, in the collector's /metrics and in Prometheus…
    await waitForSeries(`${sel('stationwatch_printer_state_message_info', `printer="backoffice",message="${reason}"`)} == 1`);
    expect(await (await fetch(`http://${address}/metrics`)).text()).toContain(`message="${reason}"`);
    await waitForSeries(`ALERTS{alertname="StationwatchPrinterStopped",alertstate="firing",device="${DEVICE}",printer="backoffice"}`);
    expect(await query(`${sel('stationwatch_printer_state', 'printer="counter",state="stopped"')} == 1`)).toEqual([]);
    // …in the firing alert's description, which Prometheus fills in from the message series…
    const alerts = (await (await fetch(`${prometheusUrl()}/api/v1/alerts`)).json()) as { data: { alerts: Array<{ labels: Record<string, string>; state: string; annotations: Record<string, string> }> } };
    const stopped = alerts.data.alerts.find((a) => a.labels.alertname === 'StationwatchPrinterStopped' && a.labels.printer === 'backoffice' && a.state === 'firing');
    expect(Object.values(stopped?.annotations ?? {}).join('\n')).toContain(`Message: "${reason}"`);
    // …and on the device page.
    expect(await (await fetch(`http://${address}/devices/${DEVICE}`)).text()).toContain(reason);
    await cups(bins.cupsenable, 'backoffice');
    await waitForSeries(`${sel('stationwatch_printer_state', 'printer="backoffice",state="idle"')} == 1`);
    await waitFor('the message series to go', async () => ((await query(sel('stationwatch_printer_state_message_info'))).length === 0 ? true : undefined));
    expect(await (await fetch(`http://${address}/devices/${DEVICE}`)).text()).not.toContain(reason);
    await waitFor('the stopped alert to resolve', async () => ((await query(`ALERTS{alertname="StationwatchPrinterStopped",device="${DEVICE}"}`)).length === 0 ? true : undefined));
  });

  it('a held job ages in the queue until the queue counts as stuck; released, the queue empties', async () => {
    const { stdout } = await cups(bins.lp, '-d', 'counter', '-H', 'hold', '-t', 'held receipt', '/etc/hostname');
    const job = /request id is (\S+)/.exec(stdout)?.[1];
    expect(job).toBeDefined();
    await waitForSeries(`${sel('stationwatch_printer_queue_jobs', 'printer="counter"')} == 1`);
    await waitForSeries(`${sel('stationwatch_printer_oldest_job_age_seconds', 'printer="counter"')} > 3`);
    await waitForSeries(`ALERTS{alertname="StationwatchPrinterQueueStuck",alertstate="firing",device="${DEVICE}",printer="counter"}`);
    // Released, it prints to /dev/null and leaves the queue.
    await cups(bins.lp, '-i', job!, '-H', 'resume');
    await waitForSeries(`${sel('stationwatch_printer_queue_jobs', 'printer="counter"')} == 0`);
    await waitForSeries(`${sel('stationwatch_printer_oldest_job_age_seconds', 'printer="counter"')} == 0`);
  });

  it('finds the SANE test scanners; with the backend disabled they disappear', async () => {
    await waitForSeries(`${sel('stationwatch_scanners_detected')} == 2`);
    await waitForSeries(`${sel('stationwatch_scanners_expected')} == 2`);
    expect((await query(sel('stationwatch_scanner_info'))).map((s) => [s.metric.scanner, s.metric.model]).sort()).toEqual([
      ['test:0', 'Noname frontend-tester'],
      ['test:1', 'Noname frontend-tester'],
    ]);
    expect(Number((await query(sel('stationwatch_scanner_enumeration_duration_seconds')))[0]!.value[1])).toBeGreaterThan(0);
    await writeFile(join(saneDir, 'dll.conf'), '# test disabled\n');
    await waitForSeries(`${sel('stationwatch_scanners_detected')} == 0`);
    expect(await query(sel('stationwatch_scanner_info'))).toEqual([]);
    await writeFile(join(saneDir, 'dll.conf'), 'test\n');
    await waitForSeries(`${sel('stationwatch_scanners_detected')} == 2`);
  });

  it('a stopped CUPS is a print service down, and printer values become unknown rather than stale', async () => {
    await printServer.stop();
    await waitForSeries(`${sel('stationwatch_print_service_up')} == 0`);
    await waitForSeries(`stationwatch_metric_available{device="${DEVICE}",metric="stationwatch_printer_state"} == 0`);
    await waitFor('the printer state series to go', async () => ((await query(sel('stationwatch_printer_state'))).length === 0 ? true : undefined));
    await printServer.start();
    await waitForSeries(`${sel('stationwatch_print_service_up')} == 1`);
    await waitForSeries(`${sel('stationwatch_printer_state', 'printer="counter",state="idle"')} == 1`);
  });

  it('the default local-only SANE configuration opens no network socket (stock Debian config does)', async () => {
    const strace = need('strace', 'strace');
    const unshare = need('unshare', 'util-linux');
    const local = join(dir, 'sane-local-system');
    await writeLocalConfig('/etc/sane.d', local);
    // In an empty network namespace, so even a regression sends nothing anywhere.
    const trace = (configDir: string) =>
      spawnSync(unshare, ['-n', strace, '-f', '-qq', '-e', 'trace=socket', bins.scanimage, '-f', SCANIMAGE_FORMAT], { env: { ...process.env, SANE_CONFIG_DIR: configDir }, encoding: 'utf8', timeout: 60_000 });
    const filtered = trace(local);
    if (filtered.status !== 0) throw new Error(`unshare/strace failed (needs root, as CI runs): ${filtered.stderr.slice(0, 500)}`);
    expect(filtered.stderr.match(/socket\(AF_INET6?,[^\n]*/g) ?? []).toEqual([]);
    // The comparison shows the check can fail: the stock configuration broadcasts discovery packets.
    expect(trace('/etc/sane.d').stderr).toMatch(/socket\(AF_INET6?,/);
  });
});
