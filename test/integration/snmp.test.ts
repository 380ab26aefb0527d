// The collector's SNMP poller against a real snmpd: v2c and v3 (authPriv), printer state, decoded
// error bits and supply levels; an snmpd that stops shows the device down within one poll, and an
// unreachable target never delays the others.
import { PRINTER_REASONS } from '../../protocol/printer-vocabulary.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startCli, waitFor, type Proc } from './fixtures/processes.js';
import { suiteTimer } from './fixtures/prometheus.js';
import { printerOids, startSnmpd, v3User, type Snmpd } from './fixtures/snmpd.js';

const healthy = printerOids({ descr: 'HP LaserJet M404', deviceStatus: 2, printerStatus: 3, errorOctets: '00 00', tonerLevel: 70, tonerMax: 100 });
// doorOpen (bit 4) + lowToner (bit 2) = 0x28; device down; toner at 7 %
const broken = printerOids({ descr: 'HP LaserJet M404', deviceStatus: 5, printerStatus: 1, errorOctets: '28 00', tonerLevel: 7, tonerMax: 100 });

describe('SNMP poller against a real snmpd', () => {
  let dir: string;
  let snmpd: Snmpd;
  let collector: Proc;
  let base: string;
  const done = suiteTimer('snmp');
  const metrics = async () => (await fetch(`${base}/metrics`)).text();
  const value = async (series: string) => {
    const line = (await metrics()).split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.split(' ').pop());
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stationwatch-snmp-'));
    snmpd = await startSnmpd(dir, healthy);
    const port = await freePort();
    const nobody = await freePort(); // nothing listens there: an unreachable printer
    base = `http://127.0.0.1:${port}`;
    const target = (name: string, extra: string) => `    - { name: ${name}, site: hall, host: 127.0.0.1, intervalSeconds: 1, timeoutSeconds: 0.5, retries: 0, ${extra} }`;
    await writeFile(
      join(dir, 'collector.yaml'),
      [
        `listen: { host: 127.0.0.1, port: ${port} }`,
        'log: { level: warn }',
        'snmp:',
        '  targets:',
        target('printer-v2c', `port: ${snmpd.port}, version: "2c", community: public`),
        target('printer-v3', `port: ${snmpd.port}, version: "3", user: { name: ${v3User.name}, authProtocol: sha, authKey: ${v3User.authKey}, privProtocol: aes, privKey: ${v3User.privKey} }`),
        target('printer-gone', `port: ${nobody}, version: "2c", community: public`),
        '',
      ].join('\n'),
    );
    collector = startCli(['collector', '--config', join(dir, 'collector.yaml')]);
    await waitFor('the collector', async () => ((await fetch(`${base}/healthz`)).ok ? true : undefined)).catch((e: Error) => {
      throw new Error(`${e.message}\n${collector.output()}`);
    });
  });

  afterAll(async () => {
    await collector?.stop();
    await snmpd?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    done();
  });

  it('reads state, errors and supplies over v2c and v3', async () => {
    for (const device of ['printer-v2c', 'printer-v3']) {
      const l = `device="${device}",site="hall"`;
      await waitFor(`${device} up`, async () => ((await value(`stationwatch_snmp_up{${l}}`)) === 1 ? true : undefined), 15_000);
      expect(await value(`stationwatch_printer_state{${l},printer="HP LaserJet M404",state="idle"}`)).toBe(1);
      expect(await value(`stationwatch_printer_state{${l},printer="HP LaserJet M404",state="stopped"}`)).toBe(0);
      expect(await value(`stationwatch_printer_supply_level_ratio{${l},printer="HP LaserJet M404",supply="Black Toner"}`)).toBe(0.7);
      expect(await value(`stationwatch_snmp_uptime_seconds{${l}}`)).toBeGreaterThanOrEqual(0);
      // The error state was read: every reason is there as 0, as the agent's printer sources show it.
      for (const reason of PRINTER_REASONS) expect(await value(`stationwatch_printer_error{${l},printer="HP LaserJet M404",reason="${reason}"}`), reason).toBe(0);
    }
  });

  it('an unreachable printer is down, and does not hold up the others', async () => {
    const gone = 'device="printer-gone",site="hall"';
    await waitFor('printer-gone down', async () => ((await value(`stationwatch_snmp_up{${gone}}`)) === 0 ? true : undefined), 10_000);
    // The healthy targets keep being polled every second while the dead one times out.
    const before = await value('stationwatch_device_last_report_timestamp_seconds{device="printer-v2c",site="hall"}');
    await new Promise((r) => setTimeout(r, 2500));
    const after = await value('stationwatch_device_last_report_timestamp_seconds{device="printer-v2c",site="hall"}');
    expect(after! - before!).toBeGreaterThanOrEqual(1.5);
    const sd = (await (await fetch(`${base}/sd`)).json()) as Array<{ labels: { device: string } }>;
    expect(sd.map((t) => t.labels.device).sort()).toEqual(['printer-gone', 'printer-v2c', 'printer-v3']);
  });

  it('decodes a stopped printer with its door open and toner low', async () => {
    await snmpd.setOids(broken);
    const l = 'device="printer-v2c",site="hall",printer="HP LaserJet M404"';
    await waitFor('the stopped state', async () => ((await value(`stationwatch_printer_state{${l},state="stopped"}`)) === 1 ? true : undefined), 10_000);
    expect(await value(`stationwatch_printer_error{${l},reason="door-open"}`)).toBe(1);
    expect(await value(`stationwatch_printer_error{${l},reason="toner-low"}`)).toBe(1);
    expect(await value(`stationwatch_printer_error{${l},reason="media-jam"}`)).toBe(0);
    expect(await value(`stationwatch_printer_supply_level_ratio{${l},supply="Black Toner"}`)).toBe(0.07);
  });

  it('four supplies at levels −3, −2, 7 and 100 of 100: four distinct outcomes, none of them a made-up level', async () => {
    const supply = (n: number, name: string, level: number): Record<string, ['string' | 'integer', string]> => ({
      [`.1.3.6.1.2.1.43.11.1.1.6.1.${n}`]: ['string', name],
      [`.1.3.6.1.2.1.43.11.1.1.8.1.${n}`]: ['integer', '100'],
      [`.1.3.6.1.2.1.43.11.1.1.9.1.${n}`]: ['integer', String(level)],
    });
    await snmpd.setOids({ ...healthy, ...supply(1, 'Black Toner', -3), ...supply(2, 'Cyan Toner', -2), ...supply(3, 'Magenta Toner', 7), ...supply(4, 'Drum', 100) });
    const l = 'device="printer-v2c",site="hall",printer="HP LaserJet M404"';
    await waitFor('the supply states', async () => ((await value(`stationwatch_printer_supply_state{${l},supply="Black Toner",state="some_remaining"}`)) === 1 ? true : undefined), 10_000);
    // −3: some left, amount unknown — a state, no level.
    expect(await value(`stationwatch_printer_supply_level_ratio{${l},supply="Black Toner"}`)).toBeUndefined();
    // −2: unknown — another state, no level.
    expect(await value(`stationwatch_printer_supply_state{${l},supply="Cyan Toner",state="unknown"}`)).toBe(1);
    expect(await value(`stationwatch_printer_supply_level_ratio{${l},supply="Cyan Toner"}`)).toBeUndefined();
    // 7 and 100 of 100: levels, no state.
    expect(await value(`stationwatch_printer_supply_level_ratio{${l},supply="Magenta Toner"}`)).toBe(0.07);
    expect(await value(`stationwatch_printer_supply_level_ratio{${l},supply="Drum"}`)).toBe(1);
    expect(await metrics()).not.toMatch(/stationwatch_printer_supply_state\{[^}]*supply="(Magenta Toner|Drum)"/);
    // A supply the printer does not list has neither.
    expect(await metrics()).not.toContain('supply="Yellow Toner"');
    await snmpd.setOids(healthy);
  });

  it('a stopped snmpd shows the devices down within one poll interval, and up again after', async () => {
    await snmpd.stop();
    const t0 = Date.now();
    await waitFor('printer-v3 down', async () => ((await value('stationwatch_snmp_up{device="printer-v3",site="hall"}')) === 0 ? true : undefined), 10_000);
    // one 1 s interval + the 0.5 s request timeout + scheduling slack
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(await metrics()).not.toContain('stationwatch_printer_state{device="printer-v3"');
    await snmpd.restart();
    await waitFor('printer-v3 up again', async () => ((await value('stationwatch_snmp_up{device="printer-v3",site="hall"}')) === 1 ? true : undefined), 15_000);
  });
});
