// The antivirus probe: Windows answers (Defender, Security Center, in UTF-8 and in GBK) as fixtures,
// and ClamAV on a fixture tree (signature database headers, a /proc with and without clamd).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger.js';
import { clamavBuildTime, decodeProductState, parseWindowsAntivirus, productLabel } from '../../agent/probes/antivirus-parse.js';
import { createAntivirus } from '../../agent/probes/antivirus.js';
import { decodeConsole, type CommandRunner } from '../../agent/probes/posture-command.js';
import type { ProbeSetup, Reading } from '../../agent/probes/probe.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const bytes = (name: string) => readFileSync(`${fixtures}${name}`);
const ctx = { signal: new AbortController().signal };

function setup(over: Partial<ProbeSetup> = {}): ProbeSetup {
  const clock = { wallMs: () => 1_700_000_000_000, monoMs: () => 0, bootMs: async () => undefined };
  return { log: silentLogger, clock, platform: 'linux', stateDir: '/nonexistent', procRoot: `${fixtures}clamav/proc-running`, sysRoot: '/sys', settings: { clamavDatabaseDir: `${fixtures}clamav/lib` }, collectorUrl: 'http://127.0.0.1:9847', ...over };
}

function table(readings: Reading[]): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const r of readings) {
    const key = r.kind === 'sample' && r.labels ? `${r.metric.name}{${Object.values(r.labels).join(',')}}` : r.metric.name;
    out[key] = r.kind === 'sample' ? r.value : `unavailable: ${r.reason}`;
  }
  return out;
}

/** PowerShell as recorded: prints the fixture's bytes whatever script it was given. */
const powershell = (name: string): CommandRunner => async (command) => {
  expect(command).toBe('powershell.exe');
  return { stdout: bytes(name), stderr: Buffer.alloc(0), code: 0 };
};

describe('Windows antivirus answers', () => {
  it('decodes Security Center product states', () => {
    expect(decodeProductState(397568)).toEqual({ realtime: true, signaturesCurrent: true }); // 0x061100
    expect(decodeProductState(393472)).toEqual({ realtime: false, signaturesCurrent: true }); // 0x060100
    expect(decodeProductState(266256)).toEqual({ realtime: true, signaturesCurrent: false }); // 0x041010
  });

  it('reads Defender in normal mode; a scan that never ran is absent, not 0', () => {
    const av = parseWindowsAntivirus(bytes('windows-security/antivirus-defender.json').toString('utf8'));
    expect(av.products).toEqual([{ product: 'defender', running: true, realtime: true, signaturesUpdated: 1699920000, lastQuickScan: 1699833600 }]);
  });

  it('reads the same third-party answer from UTF-8 and from GBK bytes, leaving passive Defender\'s protection state out', () => {
    const utf8 = parseWindowsAntivirus(decodeConsole(bytes('windows-security/antivirus-third-party.utf8.json'), 'gbk'));
    const gbk = parseWindowsAntivirus(decodeConsole(bytes('windows-security/antivirus-third-party.cp936.json'), 'gbk'));
    expect(gbk).toEqual(utf8);
    expect(utf8.products).toEqual([
      { product: 'defender', signaturesUpdated: 1699920000 },
      { product: '火绒安全软件', realtime: true, signaturesCurrent: true },
      { product: '360杀毒', realtime: true, signaturesCurrent: false },
    ]);
  });

  it('keeps label values to one tidy line', () => {
    expect(productLabel('  Kaspersky\r\nEndpoint\tSecurity ')).toBe('Kaspersky Endpoint Security');
    expect(productLabel('\u0000')).toBe('unnamed');
  });

  it('reports every product, and says why when there is none', async () => {
    const t = table(await createAntivirus(setup({ platform: 'win32' }), powershell('windows-security/antivirus-defender-realtime-off.json')).collect(ctx));
    expect(t).toMatchObject({
      'stationwatch_antivirus_running{defender}': 1,
      'stationwatch_antivirus_realtime_protection_enabled{defender}': 0,
      'stationwatch_antivirus_signatures_updated_timestamp_seconds{defender}': 1699000000,
      'stationwatch_antivirus_last_scan_timestamp_seconds{defender,quick}': 1698000000,
      'stationwatch_antivirus_last_scan_timestamp_seconds{defender,full}': 1690000000,
    });
    const none = table(await createAntivirus(setup({ platform: 'win32' }), powershell('windows-security/antivirus-none.json')).collect(ctx));
    expect(none['stationwatch_antivirus_running']).toBe('unavailable: no antivirus product registered (Defender: 操作失败，错误为 0x800106ba。)');
  });

  it('refuses output that is not JSON', () => {
    expect(() => parseWindowsAntivirus('Get-MpComputerStatus : 找不到命令')).toThrow(/not JSON/);
  });
});

describe('ClamAV', () => {
  it('reads the build time from a database header', () => {
    expect(clamavBuildTime(bytes('clamav/lib/daily.cld'))).toBe(1699965661);
    expect(clamavBuildTime(bytes('clamav/lib/freshclam.dat'))).toBeUndefined();
  });

  it('reports the newest signature build and whether clamd runs; scans and real-time state are unavailable', async () => {
    const t = table(await createAntivirus(setup()).collect(ctx));
    expect(t).toEqual({
      'stationwatch_antivirus_running{clamav}': 1,
      'stationwatch_antivirus_signatures_updated_timestamp_seconds{clamav}': 1699965661,
      stationwatch_antivirus_realtime_protection_enabled: 'unavailable: ClamAV on-access scanning is not read; real-time protection is reported for Windows products',
      stationwatch_antivirus_signatures_current: 'unavailable: ClamAV reports its signature date instead',
      stationwatch_antivirus_last_scan_timestamp_seconds: 'unavailable: ClamAV keeps no record of scans',
    });
    const stopped = table(await createAntivirus(setup({ procRoot: `${fixtures}clamav/proc-stopped` })).collect(ctx));
    expect(stopped['stationwatch_antivirus_running{clamav}']).toBe(0);
  });

  it('is unavailable on a Linux machine without ClamAV', async () => {
    const t = table(await createAntivirus(setup({ settings: { clamavDatabaseDir: `${fixtures}clamav/absent` } })).collect(ctx));
    expect(Object.values(t).every((v) => v === `unavailable: no antivirus found (no ClamAV signature database in ${fixtures}clamav/absent)`)).toBe(true);
  });
});
