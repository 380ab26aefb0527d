// Stability on macOS: no boot id the agent reads (the boot time decides) and the machine's CPU time
// from os.cpus(); the clean-stop marker alone tells an unclean shutdown.
import { osCpuReader } from './stability-cpu.js';
import type { StabilityPart } from './stability.js';

export const stability: StabilityPart = {
  bootId: async () => undefined,
  cpu: osCpuReader,
};
