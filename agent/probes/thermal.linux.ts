// Temperatures on Linux: hwmon and the CPU thermal throttle counters in sysfs, cheap enough for the
// fast interval (thermal-sysfs.ts).
import type { Reading } from './probe.js';
import { thermalReadings, type ThermalPart } from './thermal.js';
import { readHwmon, readThrottle } from './thermal-sysfs.js';

export const thermal: ThermalPart = {
  create: ({ setup }) =>
    async (): Promise<Reading[]> => {
      const [hwmon, throttle] = await Promise.all([readHwmon(setup.sysRoot), readThrottle(setup.sysRoot)]);
      return thermalReadings(hwmon.temperatures, hwmon.fans, throttle ?? 'the OS exposes no CPU thermal throttle counters');
    },
};
