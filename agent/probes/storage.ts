// storage: disk health through smartctl (Debian smartmontools; the same tool exists for Windows and
// macOS): the disk's own SMART verdict, reallocated and pending sectors, SSD wear ("equipment fault
// discovery through run-data monitoring, replacement of worn parts"). Disks are listed by
// `smartctl --scan` and read one by one with `--nocheck=standby`, so a sleeping disk is not spun up
// just to be asked (its last answer is kept instead). A VM's virtual disks have no SMART: unavailable.
import { Type } from '@sinclair/typebox';
import { m } from '../../protocol/metrics.js';
import { CommandNotFound, defaultRunner, stderrText, type CommandRunner } from './posture-command.js';
import { sample, unavailable, type ProbeDefinition, type ProbeInstance, type ProbeSetup, type Reading } from './probe.js';
import { parseSmartDisk, parseSmartScan, type DiskHealth } from './storage-parse.js';

const ALL = [m.diskSmartHealthy, m.diskReallocatedSectors, m.diskPendingSectors, m.diskWear];
/** More disks than a workstation has: a bound on the commands one run may start. */
const MAX_DISKS = 16;

type Health = Extract<DiskHealth, { kind: 'health' }>;

/** Readings for the disks that answered; a metric no disk provides is unavailable with `reason`. */
export function storageReadings(disks: readonly Health[], reason: string): Reading[] {
  const out: Reading[] = [];
  const seen = new Set<string>();
  const add = (metric: (typeof ALL)[number], value: number | boolean | undefined, disk: string) => {
    if (value === undefined) return;
    out.push(sample(metric, typeof value === 'boolean' ? (value ? 1 : 0) : value, { disk }));
    seen.add(metric.name);
  };
  for (const d of disks) {
    add(m.diskSmartHealthy, d.healthy, d.disk);
    add(m.diskReallocatedSectors, d.reallocated, d.disk);
    add(m.diskPendingSectors, d.pending, d.disk);
    add(m.diskWear, d.wear, d.disk);
  }
  const why: Record<string, string> = {
    [m.diskReallocatedSectors.name]: 'no disk reports reallocated sectors (NVMe drives do not)',
    [m.diskPendingSectors.name]: 'no disk reports pending sectors (only ATA drives do)',
    [m.diskWear.name]: 'no SSD reports its wear',
  };
  for (const metric of ALL) if (!seen.has(metric.name)) out.push(unavailable(metric, disks.length === 0 ? reason : (why[metric.name] ?? reason)));
  return out;
}

export function createStorage(setup: ProbeSetup, run: CommandRunner = defaultRunner): ProbeInstance {
  const command = typeof setup.settings['smartctlPath'] === 'string' ? setup.settings['smartctlPath'] : 'smartctl';
  /** Last answer per disk, reused while the disk sleeps. */
  const last = new Map<string, Health>();

  async function readDisk(name: string, type: string | undefined, signal: AbortSignal): Promise<DiskHealth> {
    const args = ['--json', '--all', '--nocheck=standby', ...(type ? ['-d', type] : []), name];
    const res = await run(command, args, signal);
    const text = res.stdout.toString('utf8');
    if (text.trim() === '') throw new Error(`smartctl ${name} printed nothing: ${stderrText(res)}`);
    return parseSmartDisk(text, name);
  }

  return {
    async collect({ signal }) {
      let scan;
      try {
        scan = await run(command, ['--scan', '--json'], signal);
      } catch (err) {
        if (err instanceof CommandNotFound) return storageReadings([], 'smartctl is not installed (Debian: smartmontools; Windows and macOS: smartmontools.org)');
        throw err;
      }
      const disks = parseSmartScan(scan.stdout.toString('utf8')).slice(0, MAX_DISKS);
      const answered: Health[] = [];
      const skipped: Extract<DiskHealth, { kind: 'skipped' }>[] = [];
      for (const d of disks) {
        const h = await readDisk(d.name, d.type, signal);
        if (h.kind === 'health') {
          last.set(h.disk, h);
          answered.push(h);
        } else if (h.why === 'standby' && last.has(h.disk)) answered.push(last.get(h.disk)!);
        else skipped.push(h);
      }
      if (skipped.some((s) => s.why === 'error') && answered.length === 0) throw new Error(`smartctl could not read ${skipped.map((s) => `${s.disk}: ${s.message}`).join('; ')}`);
      const reason = skipped.some((s) => s.why === 'denied')
        ? 'needs root (or the disk group) to read SMART data'
        : disks.length === 0
          ? 'no disk answers SMART (a virtual machine, or disks behind a controller smartctl cannot see)'
          : `no disk answers SMART (${skipped.map((s) => `${s.disk}: ${s.message}`).join('; ').slice(0, 200)})`;
      return storageReadings(answered, reason);
    },
  };
}

export const storageProbe: ProbeDefinition = {
  name: 'storage',
  interval: 'slow',
  metrics: ALL,
  settingsSchema: Type.Object({ smartctlPath: Type.String({ minLength: 1, default: 'smartctl', description: 'the smartctl program (smartctl.exe on Windows when not on PATH)' }) }, { additionalProperties: false }),
  create: (setup) => createStorage(setup),
};
