// resources: CPU, memory, swap, load and filesystem use ("CPU, memory use too high").
// Runs every fast interval, so on Linux it only reads procfs and calls statfs: no child processes.
// On Windows it starts no child process either: memory from the OS (GlobalMemoryStatusEx through
// os.totalmem/os.freemem), the system drive through statfs — a PowerShell/WMI query every 15 s was
// what a broken WMI repository hung, taking CPU and memory monitoring with it. macOS: systeminformation
// (vm_stat/df), bounded by the runner's timeout.
import { readFile, statfs } from 'node:fs/promises';
import { cpus, freemem, loadavg, totalmem, type CpuInfo } from 'node:os';
import { systemInformation } from './systeminformation.js';
import { m } from '../../protocol/metrics.js';
import { sample, unavailable, type CollectContext, type ProbeDefinition, type ProbeInstance, type ProbeSetup, type Reading } from './probe.js';
import {
  cpuTimesFromOs, cpuUtilisation, fsFigures, memoryFromMeminfo, parseCpuStat, parseLoadavg, parseMeminfo, parseMounts,
  selectFilesystems, type CpuTimes, type FsFigures, type MemoryFigures, type Mount,
} from './resources-parse.js';

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

const systemIo: ResourcesIo = {
  statfs: (p) => statfs(p),
  cpus,
  loadavg,
  mem: async () => (await systemInformation()).mem(),
  fsSize: async () => (await systemInformation()).fsSize(),
  osMemory: () => ({ total: totalmem(), available: freemem() }),
  systemDrive: () => `${(process.env.SystemDrive ?? 'C:').replace(/\\+$/, '')}\\`,
};

const NO_SWAP_WINDOWS = "the page file's use is read only by a WMI query, which this every-15-s probe does not start";

const FIRST_CPU = 'first reading since the agent started: utilisation is measured between two collects';

export function createResources(setup: ProbeSetup, io: ResourcesIo = systemIo): ProbeInstance {
  const linux = setup.platform === 'linux';
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

  async function read(file: string): Promise<string> {
    const path = `${setup.procRoot}/${file}`;
    try {
      return await readFile(path, 'utf8');
    } catch (cause) {
      throw new Error(`read ${path}`, { cause });
    }
  }

  async function filesystems(mounts: Mount[], ctx: CollectContext): Promise<Reading[]> {
    const measured = await Promise.all(
      mounts.map(async (mount) => {
        ctx.signal.throwIfAborted();
        try {
          return { mount, figures: fsFigures(await io.statfs(mount.mountpoint)) };
        } catch (err) {
          // Mounts hidden from this user or namespace are skipped, not fatal for the others.
          setup.log.debug({ err, mountpoint: mount.mountpoint }, 'statfs failed');
          return { mount, figures: undefined };
        }
      }),
    );
    return fsReadings(measured);
  }

  async function collectLinux(ctx: CollectContext): Promise<Reading[]> {
    const [stat, meminfo, loadavg, mounts] = await Promise.all([read('stat'), read('meminfo'), read('loadavg'), read('mounts')]);
    return [
      cpuReading(parseCpuStat(stat)),
      ...memoryReadings(memoryFromMeminfo(parseMeminfo(meminfo))),
      sample(m.load1, parseLoadavg(loadavg)),
      ...(await filesystems(selectFilesystems(parseMounts(mounts)), ctx)),
    ];
  }

  async function collectOther(): Promise<Reading[]> {
    const [mem, fs] = await Promise.all([io.mem(), io.fsSize()]);
    const [load1] = io.loadavg();
    const load: Reading =
      setup.platform === 'win32' || load1 === undefined ? unavailable(m.load1, 'this OS has no load average') : sample(m.load1, load1);
    const kept = selectFilesystems(fs.map((f) => ({ device: f.fs, mountpoint: f.mount, fstype: f.type })));
    const byMount = new Map(fs.map((f) => [f.mount, f]));
    return [
      cpuReading(cpuTimesFromOs(io.cpus())),
      // systeminformation's `active` is its figure for memory in use excluding cache on every platform.
      ...memoryReadings({ total: mem.total, used: mem.active, swapTotal: mem.swaptotal, swapUsed: mem.swapused }),
      load,
      ...fsReadings(
        kept.map((mount) => {
          const f = byMount.get(mount.mountpoint)!;
          const usable = f.used + f.available;
          return { mount, figures: f.size > 0 && usable > 0 ? { size: f.size, avail: f.available, utilisation: f.used / usable } : undefined };
        }),
      ),
    ];
  }

  async function collectWindows(): Promise<Reading[]> {
    const mem = (io.osMemory ?? systemIo.osMemory!)();
    const drive = (io.systemDrive ?? systemIo.systemDrive!)();
    const mount: Mount = { device: drive, mountpoint: drive, fstype: 'ntfs' };
    let figures: FsFigures | undefined;
    try {
      figures = fsFigures(await io.statfs(drive));
    } catch (err) {
      setup.log.debug({ err, drive }, 'statfs failed');
    }
    const [total, used] = [mem.total, mem.total - mem.available];
    if (!(total > 0)) throw new Error(`implausible memory total ${total}`);
    return [
      cpuReading(cpuTimesFromOs(io.cpus())),
      sample(m.memoryTotal, total),
      sample(m.memoryUsed, used),
      sample(m.memoryUtilisation, used / total),
      unavailable(m.swapTotal, NO_SWAP_WINDOWS),
      unavailable(m.swapUsed, NO_SWAP_WINDOWS),
      unavailable(m.load1, 'this OS has no load average'),
      ...fsReadings([{ mount, figures }]),
    ];
  }

  return { collect: (ctx) => (linux ? collectLinux(ctx) : setup.platform === 'win32' ? collectWindows() : collectOther()) };
}

function memoryReadings(mem: MemoryFigures): Reading[] {
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

function fsReadings(measured: { mount: Mount; figures: FsFigures | undefined }[]): Reading[] {
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
