// Temperatures on macOS: systeminformation, which may start a process, so a machine that showed no
// sensors is asked again only now and then.
import type { Reading } from './probe.js';
import { systemInformation } from './systeminformation.js';
import { NO_SENSOR_RETRY_MS, thermalReadings, type CpuTemperatureSource, type ThermalPart } from './thermal.js';
import type { Temperature } from './thermal-sysfs.js';

/**
 * systeminformation's answer as named sensors. `max` is left out: it repeats the hottest core. Only
 * values above 0 count: a running CPU is never below freezing, and systeminformation has used -1 and
 * 0 for "no sensor" on some platforms and versions.
 */
export function temperaturesFromSi(t: Awaited<ReturnType<CpuTemperatureSource['cpuTemperature']>>): Temperature[] {
  const plausible = (c: number | null | undefined): c is number => typeof c === 'number' && Number.isFinite(c) && c > 0 && c <= 200;
  const out: Temperature[] = [];
  if (plausible(t.main)) out.push({ sensor: 'cpu/main', celsius: t.main });
  t.cores.forEach((c, i) => plausible(c) && out.push({ sensor: `cpu/core ${i}`, celsius: c }));
  (t.socket ?? []).forEach((c, i) => plausible(c) && out.push({ sensor: `cpu/socket ${i}`, celsius: c }));
  if (plausible(t.chipset)) out.push({ sensor: 'chipset', celsius: t.chipset });
  return out;
}

const siTemperature: CpuTemperatureSource = { cpuTemperature: async () => (await systemInformation()).cpuTemperature() };

export const thermal: ThermalPart = {
  create({ setup, source }) {
    const notRead = `not read on ${setup.platform}`;
    const si = source ?? siTemperature;
    let retryAtMono = 0;
    return async (): Promise<Reading[]> => {
      let temperatures: Temperature[] = [];
      if (setup.clock.monoMs() >= retryAtMono) {
        temperatures = temperaturesFromSi(await si.cpuTemperature());
        if (temperatures.length === 0) retryAtMono = setup.clock.monoMs() + NO_SENSOR_RETRY_MS;
      }
      return thermalReadings(temperatures, `fan speeds are ${notRead}`, `CPU throttle counters are ${notRead}`);
    };
  },
};
