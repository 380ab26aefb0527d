// resources: CPU, memory, swap, load and filesystem use ("CPU, memory use too high"). Runs every fast
// interval: Linux reads procfs and statfs only (resources.linux.ts); Windows starts no child process
// either (resources.win32.ts); macOS asks systeminformation (resources.darwin.ts).
import { statfs } from 'node:fs/promises';
import { cpus, freemem, loadavg, totalmem, type CpuInfo } from 'node:os';
import { systemInformation } from './systeminformation.js';
import { m } from '../../protocol/metrics.js';
import { platformPart, type PlatformFiles } from './platform.js';
import { sample, unavailable, type CollectContext, type ProbeDefinition, type ProbeInstance, type ProbeSetup, type Reading } from './probe.js';
import { cpuUtilisation, type CpuTimes, type FsFigures, type MemoryFigures, type Mount } from './resources-parse.js';

/** The outside world, replaceable in tests. */
export interface ResourcesIo {
  statfs(path: string): Promise<{ bsize: number; blocks: number; bfree: number; bavail: number }>;
  cpus(): CpuInfo[];
  loadavg(): number[];
  mem(): Promise<{ total: number; active: number; swaptotal: number; swapused: number }>;
  fsSize(): Promise<{ fs: string; type: string; mount: string; size: number; used: number; available: number }[]>;
  /** Windows: physical memory total and available (standby cache counts as available), bytes. */
  osMemory?(): { total: number; available: number };
  /** Windows: the system drive's root, e.g. `C:\\`. */
  systemDrive?(): string;
}

export const systemIo: ResourcesIo = {
  statfs: (p) => statfs(p),
  cpus,
  loadavg,
  mem: async () => (await systemInformation()).mem(),
  fsSize: async () => (await systemInformation()).fsSize(),
  osMemory: () => ({ total: totalmem(), available: freemem() }),
  systemDrive: () => `${(process.env.SystemDrive ?? 'C:').replace(/\\+$/, '')}\\`,
};

const FIRST_CPU = 'first reading since the agent started: utilisation is measured between two collects';

/** What each platform's file provides: one collect, given the I/O and the CPU figure's memory. */
export interface ResourcesPart {
  collect(r: { setup: ProbeSetup; io: ResourcesIo; cpuReading(current: CpuTimes): Reading }, ctx: CollectContext): Promise<Reading[]>;
}

const files: PlatformFiles<ResourcesPart> = {
  linux: () => import('./resources.linux.js').then((f) => f.resources),
  win32: () => import('./resources.win32.js').then((f) => f.resources),
  darwin: () => import('./resources.darwin.js').then((f) => f.resources),
};

export function createResources(setup: ProbeSetup, io: ResourcesIo = systemIo): ProbeInstance {
  let previous: CpuTimes | undefined;

  // The first collect has no earlier reading, so CPU is reported unavailable rather than as the
  // since-boot average, which after a busy hour would look like a current overload.
  function cpuReading(current: CpuTimes): Reading {
    const before = previous;
    previous = current;
    if (!before) return unavailable(m.cpuUtilisation, FIRST_CPU);
    const ratio = cpuUtilisation(before, current);
    return ratio === undefined ? unavailable(m.cpuUtilisation, 'no CPU time elapsed since the previous collect') : sample(m.cpuUtilisation, ratio);
  }

  const part = platformPart(files, setup.platform);
  return {
    async collect(ctx) {
      const p = await part();
      if (!p) throw new Error(`resources are not read on ${setup.platform}`);
      return p.collect({ setup, io, cpuReading }, ctx);
    },
  };
}

export function memoryReadings(mem: MemoryFigures): Reading[] {
  if (!(mem.total > 0)) throw new Error(`implausible memory total ${mem.total}`);
  return [
    sample(m.memoryTotal, mem.total),
    sample(m.memoryUsed, mem.used),
    sample(m.memoryUtilisation, mem.used / mem.total),
    sample(m.swapTotal, mem.swapTotal),
    // No swap configured means nothing is swapped: 0 is the true value here, not an unknown.
    sample(m.swapUsed, mem.swapUsed),
  ];
}

export function fsReadings(measured: { mount: Mount; figures: FsFigures | undefined }[]): Reading[] {
  const out: Reading[] = [];
  for (const { mount, figures } of measured) {
    if (!figures) continue;
    const labels = { mountpoint: mount.mountpoint, fstype: mount.fstype };
    out.push(sample(m.fsSize, figures.size, labels), sample(m.fsAvail, figures.avail, labels), sample(m.fsUtilisation, figures.utilisation, labels));
  }
  if (out.length === 0) {
    const reason = 'no local disk filesystem could be measured';
    out.push(unavailable(m.fsSize, reason), unavailable(m.fsAvail, reason), unavailable(m.fsUtilisation, reason));
  }
  return out;
}

export const resourcesProbe: ProbeDefinition = {
  name: 'resources',
  interval: 'fast',
  metrics: [m.cpuUtilisation, m.load1, m.memoryTotal, m.memoryUsed, m.memoryUtilisation, m.swapTotal, m.swapUsed, m.fsSize, m.fsAvail, m.fsUtilisation],
  create: (setup) => createResources(setup),
};
