// CPU, memory, load and filesystems on macOS: systeminformation (vm_stat, df), bounded by the
// runner's timeout.
import { m } from '../../protocol/metrics.js';
import { sample, unavailable, type Reading } from './probe.js';
import { fsReadings, memoryReadings, type ResourcesPart } from './resources.js';
import { cpuTimesFromOs, selectFilesystems } from './resources-parse.js';

export const resources: ResourcesPart = {
  async collect({ io, cpuReading }): Promise<Reading[]> {
    const [mem, fs] = await Promise.all([io.mem(), io.fsSize()]);
    const [load1] = io.loadavg();
    const load: Reading =
      load1 === undefined ? unavailable(m.load1, 'this OS has no load average') : sample(m.load1, load1);
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
  },
};
