// thermal: temperatures, the hardware's own critical limits, fan speeds and CPU throttling
// ("overheating"). Linux reads sysfs (thermal.linux.ts); Windows asks WMI's ACPI thermal zones at most
// once a minute (thermal.win32.ts); macOS asks systeminformation (thermal.darwin.ts). Unknown is not
// zero: a machine without sensors reports each measurement as unavailable.
import { m } from '../../protocol/metrics.js';
import { platformPart, type PlatformFiles } from './platform.js';
import { sample, unavailable, type ProbeDefinition, type ProbeInstance, type ProbeSetup, type Reading } from './probe.js';
import type { Fan, Temperature } from './thermal-sysfs.js';

const NO_TEMPERATURE = 'no temperature sensors exposed by the OS';
/** How long a non-Linux machine without sensors is left alone before systeminformation is asked again. */
export const NO_SENSOR_RETRY_MS = 10 * 60_000;

export interface CpuTemperatureSource {
  cpuTemperature(): Promise<{ main: number | null; cores: number[]; socket?: number[]; chipset?: number | null }>;
}

/** Hardware readings as series; every measurement the machine lacks becomes unavailable. */
export function thermalReadings(temperatures: Temperature[], fans: Fan[] | string, throttle: number | string): Reading[] {
  const out: Reading[] = [];
  for (const t of temperatures) {
    out.push(sample(m.temperature, t.celsius, { sensor: t.sensor }));
    if (t.critical !== undefined) out.push(sample(m.temperatureCritical, t.critical, { sensor: t.sensor }));
  }
  if (temperatures.length === 0) out.push(unavailable(m.temperature, NO_TEMPERATURE));
  if (!temperatures.some((t) => t.critical !== undefined)) {
    out.push(unavailable(m.temperatureCritical, temperatures.length === 0 ? NO_TEMPERATURE : 'no sensor declares a critical temperature'));
  }
  if (typeof fans === 'string') out.push(unavailable(m.fanSpeed, fans));
  else if (fans.length === 0) out.push(unavailable(m.fanSpeed, 'no fan speed sensors exposed by the OS'));
  else for (const f of fans) out.push(sample(m.fanSpeed, f.rpm, { fan: f.fan }));
  out.push(typeof throttle === 'string' ? unavailable(m.throttleEvents, throttle) : sample(m.throttleEvents, throttle));
  return out;
}

/** What each platform's file provides: a reader (it may keep state between runs, such as when to ask again). */
export interface ThermalPart {
  create(ctx: { setup: ProbeSetup; source?: CpuTemperatureSource; windowsZones?: (signal: AbortSignal) => Promise<unknown> }): (signal: AbortSignal) => Promise<Reading[]>;
}

const files: PlatformFiles<ThermalPart> = {
  linux: () => import('./thermal.linux.js').then((f) => f.thermal),
  win32: () => import('./thermal.win32.js').then((f) => f.thermal),
  darwin: () => import('./thermal.darwin.js').then((f) => f.thermal),
};

/** `source` (macOS) and `windowsZones` (Windows) replace what the OS would answer, for tests. */
export function createThermal(setup: ProbeSetup, source?: CpuTemperatureSource, windowsZones?: (signal: AbortSignal) => Promise<unknown>): ProbeInstance {
  const part = platformPart(files, setup.platform);
  let reader: ((signal: AbortSignal) => Promise<Reading[]>) | undefined;
  return {
    async collect(ctx) {
      const p = await part();
      const notRead = `not read on ${setup.platform}`;
      if (!p) return thermalReadings([], `fan speeds are ${notRead}`, `CPU throttle counters are ${notRead}`);
      reader ??= p.create({ setup, ...(source ? { source } : {}), ...(windowsZones ? { windowsZones } : {}) });
      return reader(ctx.signal);
    },
  };
}

export const thermalProbe: ProbeDefinition = {
  name: 'thermal',
  interval: 'fast',
  metrics: [m.temperature, m.temperatureCritical, m.fanSpeed, m.throttleEvents],
  create: (setup) => createThermal(setup),
};
