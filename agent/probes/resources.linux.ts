// CPU, memory, load and filesystems on Linux: procfs and statfs only, no child process (the probe
// runs every fast interval).
import { readFile } from 'node:fs/promises';
import { m } from '../../protocol/metrics.js';
import { sample, type CollectContext, type Reading } from './probe.js';
import { fsReadings, memoryReadings, type ResourcesPart } from './resources.js';
import { fsFigures, memoryFromMeminfo, parseCpuStat, parseLoadavg, parseMeminfo, parseMounts, selectFilesystems, type Mount } from './resources-parse.js';

export const resources: ResourcesPart = {
  async collect({ setup, io, cpuReading }, ctx: CollectContext): Promise<Reading[]> {
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


    const [stat, meminfo, loadavg, mounts] = await Promise.all([read('stat'), read('meminfo'), read('loadavg'), read('mounts')]);
    return [
      cpuReading(parseCpuStat(stat)),
      ...memoryReadings(memoryFromMeminfo(parseMeminfo(meminfo))),
      sample(m.load1, parseLoadavg(loadavg)),
      ...(await filesystems(selectFilesystems(parseMounts(mounts)), ctx)),
    ];
  },
};
