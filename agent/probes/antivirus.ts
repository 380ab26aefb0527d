// antivirus: is real-time protection on, are signatures fresh, when was the last scan ("computers
// and storage media: regular antivirus scans"). Windows: Defender and the Security Center
// (antivirus.win32.ts); Linux: ClamAV (antivirus.linux.ts). What a product does not tell is
// unavailable, not "off".
import { Type } from '@sinclair/typebox';
import { m } from '../../protocol/metrics.js';
import type { ProductState } from './antivirus-parse.js';
import { platformPart, type PlatformFiles } from './platform.js';
import { WindowsConsoleEncoding, consoleEncodingOf, defaultRunner, type CommandRunner } from './posture-command.js';
import { sample, unavailable, type ProbeDefinition, type ProbeInstance, type ProbeSetup, type Reading } from './probe.js';

export const AntivirusSettings = Type.Object(
  {
    clamavDatabaseDir: Type.String({ minLength: 1, default: '/var/lib/clamav', description: 'where freshclam keeps the ClamAV signature databases' }),
    windowsConsoleEncoding: WindowsConsoleEncoding,
  },
  { additionalProperties: false },
);

const ALL = [m.antivirusRunning, m.antivirusRealtime, m.antivirusSignaturesUpdated, m.antivirusSignaturesCurrent, m.antivirusLastScan];

/** Product states as readings; a metric no product reports is unavailable with `why`. */
export function antivirusReadings(products: readonly ProductState[], why: Partial<Record<string, string>>): Reading[] {
  const out: Reading[] = [];
  const seen = new Set<string>();
  const add = (metric: (typeof ALL)[number], value: number | boolean | undefined, labels: Record<string, string>) => {
    if (value === undefined) return;
    out.push(sample(metric, typeof value === 'boolean' ? (value ? 1 : 0) : value, labels));
    seen.add(metric.name);
  };
  for (const p of products) {
    const product = { product: p.product };
    add(m.antivirusRunning, p.running, product);
    add(m.antivirusRealtime, p.realtime, product);
    add(m.antivirusSignaturesUpdated, p.signaturesUpdated, product);
    add(m.antivirusSignaturesCurrent, p.signaturesCurrent, product);
    add(m.antivirusLastScan, p.lastQuickScan, { ...product, kind: 'quick' });
    add(m.antivirusLastScan, p.lastFullScan, { ...product, kind: 'full' });
  }
  for (const metric of ALL) if (!seen.has(metric.name)) out.push(unavailable(metric, why[metric.name] ?? why['*'] ?? 'not reported by the antivirus product'));
  return out;
}

/** What each platform's file provides: the readings of the products it finds. */
export interface AntivirusPart {
  read(ctx: { run: CommandRunner; encoding: string; dbDir: string; procRoot: string }, signal: AbortSignal): Promise<Reading[]>;
}

const files: PlatformFiles<AntivirusPart> = {
  linux: () => import('./antivirus.linux.js').then((f) => f.antivirus),
  win32: () => import('./antivirus.win32.js').then((f) => f.antivirus),
};

export function createAntivirus(setup: ProbeSetup, run: CommandRunner = defaultRunner): ProbeInstance {
  const dbDir = typeof setup.settings['clamavDatabaseDir'] === 'string' ? setup.settings['clamavDatabaseDir'] : '/var/lib/clamav';
  const ctx = { run, encoding: consoleEncodingOf(setup.settings), dbDir, procRoot: setup.procRoot };
  const part = platformPart(files, setup.platform);
  return {
    async collect({ signal }) {
      const p = await part();
      return p ? p.read(ctx, signal) : antivirusReadings([], { '*': `antivirus state is not read on ${setup.platform}` });
    },
  };
}

export const antivirusProbe: ProbeDefinition = {
  name: 'antivirus',
  interval: 'slow',
  metrics: ALL,
  settingsSchema: AntivirusSettings,
  create: (setup) => createAntivirus(setup),
};
