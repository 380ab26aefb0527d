// scanners: "scanners respond slowly or don't work". Which scanners the scanner stack finds and how
// long finding them took (a wedged USB scanner makes enumeration crawl). SANE's scanimage on Linux
// and macOS, WIA through PowerShell on Windows. No scanner stack installed is "unavailable", not 0.
// A device that must have a scanner says so with `expected`; the alert compares the two.
import { Type, type Static } from '@sinclair/typebox';
import { m } from '../../protocol/metrics.js';
import { labelText, uniqueLabels } from '../peripherals/labels.js';
import { CommandNotFound } from '../exec/run-command.js';
import { platformPart, type PlatformFiles } from './platform.js';
import { sample, unavailable, type ProbeDefinition, type ProbeInstance, type ProbeSetup, type Reading } from './probe.js';
import type { Scanner } from './scanners-parse.js';

/** What each platform's file provides: the scanners its scanner stack finds, and how long that took. */
export interface ScannersPart {
  list(ctx: { settings: ScannersSettings; stateDir: string; env: NodeJS.ProcessEnv }, signal: AbortSignal): Promise<ScannerList>;
}

const files: PlatformFiles<ScannersPart> = {
  linux: () => import('./scanners.linux.js').then((f) => f.scanners),
  darwin: () => import('./scanners.darwin.js').then((f) => f.scanners),
  win32: () => import('./scanners.win32.js').then((f) => f.scanners),
};

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
  const part = platformPart(files, setup.platform);

  return {
    async collect(ctx): Promise<Reading[]> {
      let list: ScannerList;
      try {
        const p = await part();
        list = p ? await p.list({ settings: s, stateDir: setup.stateDir, env }, ctx.signal) : { kind: 'absent', reason: `scanners are not read on ${setup.platform}` };
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
