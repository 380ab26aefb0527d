// scanners: "scanners respond slowly or don't work". Which scanners the scanner stack finds and how
// long finding them took (a wedged USB scanner makes enumeration crawl). SANE's scanimage on Linux
// and macOS, WIA through PowerShell on Windows. No scanner stack installed is "unavailable", not 0.
// A device that must have a scanner says so with `expected`; the alert compares the two.
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { m } from '../../protocol/metrics.js';
import { labelText, uniqueLabels } from '../peripherals/labels.js';
import { CommandNotFound, runCommand } from '../exec/run-command.js';

/** Network backends may probe for a minute; a local-only configuration answers in seconds. */
const SCANIMAGE_TIMEOUT_MS = 90_000;
import { sample, unavailable, type ProbeDefinition, type ProbeInstance, type ProbeSetup, type Reading } from './probe.js';
import { parseScanimage, parseWiaScanners, SCANIMAGE_FORMAT, type Scanner } from './scanners-parse.js';
import { writeLocalConfig } from './scanners-sane-config.js';
import { runPowerShell, PowerShellUnusable } from '../windows/powershell.js';

export const scannersSettings = Type.Object(
  {
    expected: Type.Integer({ minimum: 0, maximum: 16, default: 0, description: 'scanners this device must have (0: none required)' }),
    configDir: Type.String({ minLength: 1, default: '/etc/sane.d', description: 'the SANE configuration to start from (SANE_CONFIG_DIR)' }),
    network: Type.Boolean({ default: false, description: 'let SANE look for network scanners too (broadcasts on the LAN)' }),
    command: Type.String({ minLength: 1, default: 'scanimage' }),
    maxScanners: Type.Integer({ minimum: 1, maximum: 64, default: 16 }),
    windowsConsoleEncoding: Type.Union(['gbk', 'gb18030', 'big5', 'shift_jis', 'euc-kr', 'windows-1252', 'ibm866'].map((e) => Type.Literal(e)), { default: 'gbk' }),
  },
  { additionalProperties: false },
);
export type ScannersSettings = Static<typeof scannersSettings>;

/** WIA device type 1 is a scanner (WiaDeviceType.ScannerDeviceType). */
export const WIA_SCRIPT = `
$ErrorActionPreference = 'Stop'
$manager = New-Object -ComObject WIA.DeviceManager
$list = @(foreach ($d in $manager.DeviceInfos) { if ($d.Type -eq 1) { [pscustomobject]@{ Id = $d.DeviceID; Name = $d.Properties.Item('Name').Value; Manufacturer = $d.Properties.Item('Manufacturer').Value } } })
ConvertTo-Json -InputObject $list -Compress
`;

export type ScannerList = { kind: 'ok'; scanners: Scanner[]; seconds: number } | { kind: 'absent'; reason: string };

export function scannerReadings(list: ScannerList, expected: number, maxScanners: number): Reading[] {
  const out: Reading[] = [sample(m.scannersExpected, expected)];
  if (list.kind === 'absent') return [...out, ...[m.scannersDetected, m.scannerInfo, m.scannerEnumerationDuration].map((d) => unavailable(d, list.reason))];
  out.push(sample(m.scannersDetected, list.scanners.length), sample(m.scannerEnumerationDuration, list.seconds));
  const shown = list.scanners.slice(0, maxScanners);
  const names = uniqueLabels(shown.map((s) => s.device), (i) => `scanner ${i + 1}`, 96);
  shown.forEach((s, i) => out.push(sample(m.scannerInfo, 1, { scanner: names[i]!, model: labelText(s.model, '', 128) })));
  if (shown.length === 0) out.push(unavailable(m.scannerInfo, 'no scanner found'));
  return out;
}

export function createScanners(setup: ProbeSetup, env: NodeJS.ProcessEnv = process.env): ProbeInstance {
  const s = setup.settings as ScannersSettings;
  const localDir = join(setup.stateDir, 'sane-local');

  async function listSane(signal: AbortSignal): Promise<ScannerList> {
    const configDir = s.network ? s.configDir : localDir;
    if (!s.network) await writeLocalConfig(s.configDir, localDir);
    const t0 = performance.now();
    // No trailing ":" in SANE_CONFIG_DIR: only this directory is read, never the system one besides it.
    const res = await runCommand(s.command, ['-f', SCANIMAGE_FORMAT], { signal, timeoutMs: SCANIMAGE_TIMEOUT_MS, env: { ...env, SANE_CONFIG_DIR: configDir } });
    const seconds = (performance.now() - t0) / 1000;
    if (res.code !== 0) throw new Error(`${s.command} exited with ${res.code ?? 'a signal'}: ${res.stderr.toString('utf8').trim().slice(0, 300)}`);
    return { kind: 'ok', scanners: parseScanimage(res.stdout.toString('utf8')), seconds };
  }

  async function listWia(signal: AbortSignal): Promise<ScannerList> {
    const t0 = performance.now();
    const res = await runPowerShell(WIA_SCRIPT, { signal, consoleEncoding: s.windowsConsoleEncoding });
    const seconds = (performance.now() - t0) / 1000;
    // No WIA (a Server Core, a service without the COM class) or no usable output: unknown, not "0 scanners".
    if (res.code !== 0) return { kind: 'absent', reason: `the WIA query (PowerShell) exited with ${res.code ?? 'a signal'}${res.stderr ? `: ${res.stderr}` : ''}` };
    try {
      return { kind: 'ok', scanners: parseWiaScanners(res.stdout), seconds };
    } catch (err) {
      if (err instanceof PowerShellUnusable) return { kind: 'absent', reason: err.message };
      throw err;
    }
  }

  return {
    async collect(ctx): Promise<Reading[]> {
      let list: ScannerList;
      try {
        if (setup.platform === 'win32') list = await listWia(ctx.signal);
        else if (setup.platform === 'linux' || setup.platform === 'darwin') list = await listSane(ctx.signal);
        else list = { kind: 'absent', reason: `scanners are not read on ${setup.platform}` };
      } catch (err) {
        if (!(err instanceof CommandNotFound)) throw err;
        list = { kind: 'absent', reason: `no scanner stack: ${err.message}` };
      }
      return scannerReadings(list, s.expected, s.maxScanners);
    },
  };
}

export const scannersProbe: ProbeDefinition = {
  name: 'scanners',
  interval: 'slow',
  metrics: [m.scannersDetected, m.scannersExpected, m.scannerInfo, m.scannerEnumerationDuration],
  settingsSchema: scannersSettings,
  create: (setup) => createScanners(setup),
};
