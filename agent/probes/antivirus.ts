// antivirus: is real-time protection on, are signatures fresh, when was the last scan ("computers
// and storage media: regular antivirus scans"). Windows asks Defender (Get-MpComputerStatus) and the
// Security Center, which lists third-party products a counter PC may run instead. Linux looks for
// ClamAV: the build time in its database headers and whether clamd runs. What a product does not
// tell (ClamAV keeps no record of scans) is unavailable, not "off".
import { Type } from '@sinclair/typebox';
import { open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { m } from '../../protocol/metrics.js';
import { clamavBuildTime, parseWindowsAntivirus, type ProductState } from './antivirus-parse.js';
import { WindowsConsoleEncoding, consoleEncodingOf, defaultRunner, runPowerShell, type CommandRunner } from './posture-command.js';
import { sample, unavailable, type ProbeDefinition, type ProbeInstance, type ProbeSetup, type Reading } from './probe.js';

export const WINDOWS_ANTIVIRUS_SCRIPT = `
$ErrorActionPreference = 'Stop'
function Epoch($d) { if ($d) { ([DateTimeOffset]$d).ToUnixTimeSeconds() } else { $null } }
$defender = $null
$defenderError = $null
try {
  $s = Get-MpComputerStatus
  $defender = [pscustomobject]@{
    AMServiceEnabled = $s.AMServiceEnabled; AntivirusEnabled = $s.AntivirusEnabled
    RealTimeProtectionEnabled = $s.RealTimeProtectionEnabled; AMRunningMode = [string]$s.AMRunningMode
    SignatureUpdated = Epoch $s.AntivirusSignatureLastUpdated; QuickScanEnd = Epoch $s.QuickScanEndTime; FullScanEnd = Epoch $s.FullScanEndTime
  }
} catch { $defenderError = $_.Exception.Message }
$products = @()
try { $products = @(Get-CimInstance -Namespace root/SecurityCenter2 -ClassName AntiVirusProduct | Select-Object displayName, productState) } catch { }
[pscustomobject]@{ Defender = $defender; DefenderError = $defenderError; Products = $products } | ConvertTo-Json -Depth 3 -Compress
`;

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

async function newestClamavBuild(dir: string): Promise<number | undefined> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`list ${dir}`, { cause: err });
  }
  let newest: number | undefined;
  for (const name of names.filter((n) => /\.(cvd|cld)$/.test(n))) {
    const handle = await open(join(dir, name), 'r');
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(512), 0, 512, 0);
      const t = clamavBuildTime(buffer.subarray(0, bytesRead));
      if (t !== undefined && (newest === undefined || t > newest)) newest = t;
    } finally {
      await handle.close();
    }
  }
  return newest;
}

/** Is a process with this exact name running? /proc/<pid>/comm, no child process needed. */
export async function processRunning(procRoot: string, comm: string): Promise<boolean> {
  for (const pid of (await readdir(procRoot)).filter((d) => /^\d+$/.test(d))) {
    try {
      if ((await readFile(`${procRoot}/${pid}/comm`, 'utf8')).trim() === comm) return true;
    } catch {
      // The process ended while we looked.
    }
  }
  return false;
}

export function createAntivirus(setup: ProbeSetup, run: CommandRunner = defaultRunner): ProbeInstance {
  const dbDir = typeof setup.settings['clamavDatabaseDir'] === 'string' ? setup.settings['clamavDatabaseDir'] : '/var/lib/clamav';

  async function linux(): Promise<Reading[]> {
    const built = await newestClamavBuild(dbDir);
    if (built === undefined) return antivirusReadings([], { '*': `no antivirus found (no ClamAV signature database in ${dbDir})` });
    const running = await processRunning(setup.procRoot, 'clamd');
    return antivirusReadings([{ product: 'clamav', running, signaturesUpdated: built }], {
      [m.antivirusRealtime.name]: 'ClamAV on-access scanning is not read; real-time protection is reported for Windows products',
      [m.antivirusSignaturesCurrent.name]: 'ClamAV reports its signature date instead',
      [m.antivirusLastScan.name]: 'ClamAV keeps no record of scans',
    });
  }

  async function windows(signal: AbortSignal): Promise<Reading[]> {
    const res = await runPowerShell(WINDOWS_ANTIVIRUS_SCRIPT, { run, signal, consoleEncoding: consoleEncodingOf(setup.settings) });
    if (res.code !== 0) throw new Error(`the antivirus query exited with ${res.code ?? 'a signal'}: ${res.stderr}`);
    const av = parseWindowsAntivirus(res.stdout);
    const none = av.products.length === 0 ? `no antivirus product registered${av.defenderError ? ` (Defender: ${av.defenderError})` : ''}` : undefined;
    return antivirusReadings(av.products, { '*': none ?? 'not reported by the antivirus product' });
  }

  return {
    async collect({ signal }) {
      if (setup.platform === 'linux') return linux();
      if (setup.platform === 'win32') return windows(signal);
      return antivirusReadings([], { '*': `antivirus state is not read on ${setup.platform}` });
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
