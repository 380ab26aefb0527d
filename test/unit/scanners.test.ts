// The scanners probe's pure parts: scanimage's and WIA's lists, the local-only SANE configuration
// (no network discovery unless asked for), and "no scanner stack" being unknown rather than 0.
// Real SANE (the test backend) runs in test/integration/peripherals.test.ts.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import type { ProbeSetup, Reading } from '../../agent/probes/probe.js';
import { parseScanimage, parseWiaScanners, SCANIMAGE_FORMAT } from '../../agent/probes/scanners-parse.js';
import { backendsOf, localBackendConf, localDllConf, writeLocalConfig } from '../../agent/probes/scanners-sane-config.js';
import { createScanners, scannerReadings, scannersSettings } from '../../agent/probes/scanners.js';
import { createLogger } from '../../common/logger.js';

const fixtures = fileURLToPath(new URL('../fixtures/windows-scanners/', import.meta.url));
const series = (readings: Reading[], metric: string) =>
  readings.filter((r): r is Extract<Reading, { kind: 'sample' }> => r.kind === 'sample' && r.metric.name === metric).map((r) => ({ ...r.labels, value: r.value }));

describe('scanner lists', () => {
  it('parses scanimage output in the probe\'s format; no output is no scanner', () => {
    expect(SCANIMAGE_FORMAT).toBe('%d\u001f%v\u001f%m\u001f%t%n');
    const text = 'test:0\u001fNoname\u001ffrontend-tester\u001fvirtual device\npixma:04A91912_4E6F2B\u001fCANON\u001fCanoScan LiDE 300\u001fflatbed scanner\n';
    expect(parseScanimage(text)).toEqual([
      { device: 'test:0', model: 'Noname frontend-tester' },
      { device: 'pixma:04A91912_4E6F2B', model: 'CANON CanoScan LiDE 300' },
    ]);
    expect(parseScanimage('')).toEqual([]);
  });

  it('parses WIA\'s scanners (recorded, see test/fixtures/windows-scanners/README.md)', () => {
    expect(parseWiaScanners(readFileSync(join(fixtures, 'wia-two.utf8.json'), 'utf8'))).toEqual([
      { device: '{6BDD1FC6-810F-11D0-BEC7-08002BE2092F}\\0000', model: 'Canon CanoScan LiDE 300' },
      { device: '{6BDD1FC6-810F-11D0-BEC7-08002BE2092F}\\0001', model: 'EPSON DS-530' },
    ]);
    expect(parseWiaScanners(readFileSync(join(fixtures, 'wia-none.json'), 'utf8'))).toEqual([]);
    expect(() => parseWiaScanners('New-Object : Retrieving the COM class factory failed')).toThrow(/printed no JSON/);
    // Nothing printed is not "0 scanners" (the script prints [] for none): it is unknown.
    expect(() => parseWiaScanners(' \r\n')).toThrow('WIA scanner list: PowerShell printed nothing');
  });

  it('reports found scanners, the expectation, and how long listing took', () => {
    const r = scannerReadings({ kind: 'ok', scanners: [{ device: 'test:0', model: 'Noname frontend-tester' }], seconds: 0.25 }, 2, 16);
    expect(series(r, 'stationwatch_scanners_detected')).toEqual([{ value: 1 }]);
    expect(series(r, 'stationwatch_scanners_expected')).toEqual([{ value: 2 }]);
    expect(series(r, 'stationwatch_scanner_info')).toEqual([{ scanner: 'test:0', model: 'Noname frontend-tester', value: 1 }]);
    expect(series(r, 'stationwatch_scanner_enumeration_duration_seconds')).toEqual([{ value: 0.25 }]);
  });
});

describe('local-only SANE configuration', () => {
  it('drops network-only backends and network lines; pixma gets networking=no', () => {
    expect(backendsOf('# comment\nnet\n  pixma  # Canon\nepson2\n\n#test\nbad name\n')).toEqual(['net', 'pixma', 'epson2']);
    expect(localDllConf(['net', 'pixma', 'escl', 'epson2', 'pixma', 'airscan'])).toMatch(/\npixma\nepson2\n$/);
    expect(localBackendConf('epson2', 'scsi EPSON\nusb\nnet autodiscovery\n# net 192.168.1.5\n')).toBe('scsi EPSON\nusb\n# net 192.168.1.5\n');
    expect(localBackendConf('xerox_mfp', 'usb 0x04e8 0x341b\ntcp 10.0.0.7\n')).toBe('usb 0x04e8 0x341b\n');
    expect(localBackendConf('pixma', undefined)).toBe('networking=no\n');
    expect(localBackendConf('fujitsu', undefined)).toBeUndefined();
  });

  it('writes the filtered copy, including dll.d, and removes files of backends no longer listed', async () => {
    const src = mkdtempSync(join(tmpdir(), 'sw-sane-src-'));
    const dst = join(mkdtempSync(join(tmpdir(), 'sw-sane-dst-')), 'local');
    writeFileSync(join(src, 'dll.conf'), 'net\nepson2\ntest\n');
    mkdirSync(join(src, 'dll.d'));
    writeFileSync(join(src, 'dll.d', 'hplip'), 'hpaio\n');
    writeFileSync(join(src, 'epson2.conf'), 'usb\nnet autodiscovery\n');
    writeFileSync(join(src, 'test.conf'), 'number_of_devices 3\n');
    writeFileSync(join(src, 'net.conf'), 'saned.branch.lan\n');
    expect(await writeLocalConfig(src, dst)).toEqual(['epson2', 'test', 'hpaio']);
    expect(readFileSync(join(dst, 'epson2.conf'), 'utf8')).toBe('usb\n');
    expect(readFileSync(join(dst, 'test.conf'), 'utf8')).toBe('number_of_devices 3\n');
    expect(existsSync(join(dst, 'net.conf'))).toBe(false);
    writeFileSync(join(src, 'dll.conf'), 'epson2\n');
    await writeLocalConfig(src, dst);
    expect(existsSync(join(dst, 'test.conf'))).toBe(false);
  });
});

describe('scanners probe', () => {
  it('without a scanner stack every scanner metric is unknown, never 0', async () => {
    const setup: ProbeSetup = {
      log: createLogger('silent', 'test'),
      clock: { wallMs: () => Date.now(), monoMs: () => performance.now(), bootMs: async () => undefined },
      platform: 'linux',
      stateDir: mkdtempSync(join(tmpdir(), 'sw-scan-')),
      procRoot: '/proc',
      sysRoot: '/sys',
      settings: Value.Default(scannersSettings, { command: 'stationwatch-no-such-scanimage', configDir: mkdtempSync(join(tmpdir(), 'sw-sane-none-')) }) as Record<string, unknown>,
      collectorUrl: 'http://127.0.0.1:1',
    };
    const r = await createScanners(setup).collect({ signal: new AbortController().signal });
    expect(series(r, 'stationwatch_scanners_detected')).toEqual([]);
    expect(r.filter((x) => x.kind === 'unavailable').map((x) => [x.metric.name, (x as { reason: string }).reason])).toEqual([
      ['stationwatch_scanners_detected', 'no scanner stack: stationwatch-no-such-scanimage is not installed (not on PATH)'],
      ['stationwatch_scanner_info', 'no scanner stack: stationwatch-no-such-scanimage is not installed (not on PATH)'],
      ['stationwatch_scanner_enumeration_duration_seconds', 'no scanner stack: stationwatch-no-such-scanimage is not installed (not on PATH)'],
    ]);
  });
});
