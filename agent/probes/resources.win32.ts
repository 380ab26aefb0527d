// CPU, memory and the system drive on Windows, with no child process: memory from the OS
// (GlobalMemoryStatusEx through os.totalmem/os.freemem), the system drive through statfs. A
// PowerShell/WMI query every 15 s was what a broken WMI repository hung, taking CPU and memory
// monitoring with it.
import { m } from '../../protocol/metrics.js';
import { sample, unavailable, type Reading } from './probe.js';
import { fsReadings, systemIo, type ResourcesPart } from './resources.js';
import { cpuTimesFromOs, fsFigures, type FsFigures, type Mount } from './resources-parse.js';

const NO_SWAP_WINDOWS = "the page file's use is read only by a WMI query, which this every-15-s probe does not start";

export const resources: ResourcesPart = {
  async collect({ setup, io, cpuReading }): Promise<Reading[]> {
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
  },
};
