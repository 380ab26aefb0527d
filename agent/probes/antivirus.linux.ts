// Antivirus on Linux: ClamAV — the build time in its database headers and whether clamd runs. What
// ClamAV does not tell (it keeps no record of scans) is unavailable, not "off".
import { open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { m } from '../../protocol/metrics.js';
import { antivirusReadings, type AntivirusPart } from './antivirus.js';
import { clamavBuildTime } from './antivirus-parse.js';

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

export const antivirus: AntivirusPart = {
  async read(ctx) {
    const built = await newestClamavBuild(ctx.dbDir);
    if (built === undefined) return antivirusReadings([], { '*': `no antivirus found (no ClamAV signature database in ${ctx.dbDir})` });
    const running = await processRunning(ctx.procRoot, 'clamd');
    return antivirusReadings([{ product: 'clamav', running, signaturesUpdated: built }], {
      [m.antivirusRealtime.name]: 'ClamAV on-access scanning is not read; real-time protection is reported for Windows products',
      [m.antivirusSignaturesCurrent.name]: 'ClamAV reports its signature date instead',
      [m.antivirusLastScan.name]: 'ClamAV keeps no record of scans',
    });
  },
};
