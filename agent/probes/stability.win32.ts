// Stability on Windows: no boot id (the boot time decides), the machine's CPU time from os.cpus(),
// and the System log's own unclean-shutdown events (41 Kernel-Power, 6008 EventLog) through PowerShell.
import { osUncleanShutdown } from './shutdown-evidence.js';
import { osCpuReader } from './stability-cpu.js';
import type { StabilityPart } from './stability.js';

export const stability: StabilityPart = {
  bootId: async () => undefined,
  cpu: osCpuReader,
  osUncleanShutdown,
};
