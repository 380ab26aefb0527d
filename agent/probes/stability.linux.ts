// Stability on Linux: the kernel's boot id (a new id is a new boot, whatever the clocks say) and the
// machine's CPU time from /proc/stat. Linux keeps no unclean-shutdown record the agent could read
// without privileges: the clean-stop marker decides.
import { readFile } from 'node:fs/promises';
import { procStatCpuReader } from './stability-cpu.js';
import type { StabilityPart } from './stability.js';

export const stability: StabilityPart = {
  async bootId(procRoot) {
    try {
      const id = (await readFile(`${procRoot}/sys/kernel/random/boot_id`, 'utf8')).trim();
      return id || undefined;
    } catch {
      return undefined;
    }
  },
  cpu: procStatCpuReader,
};
