// thermal: temperatures, the hardware's own critical limits, fan speeds and CPU throttling ("overheating").
// Linux reads sysfs directly (cheap enough for the fast interval); Windows asks WMI's ACPI thermal zones
// through our PowerShell runner at most once a minute; macOS asks systeminformation,
// which may start a process, so a machine that showed no sensors is asked again only now and then.
// Unknown is not zero: a machine without sensors reports each measurement as unavailable.
import { m } from '../../protocol/metrics.js';
import { sample, unavailable, type ProbeDefinition, type ProbeInstance, type ProbeSetup, type Reading } from './probe.js';
import { systemInformation } from './systeminformation.js';
import { readHwmon, readThrottle, type Fan, type Temperature } from './thermal-sysfs.js';
import { asList, consoleEncodingOf, powerShellJson } from '../windows/powershell.js';

/**
 * Windows: ACPI thermal zones through the one PowerShell runner (deadline, killed when it hangs) —
 * not systeminformation, whose PowerShell has no deadline. Values are tenths of a kelvin.
 */
const WINDOWS_ZONES = 'Get-CimInstance -Namespace root/wmi -ClassName MSAcpi_ThermalZoneTemperature -ErrorAction Stop | Select-Object InstanceName, CurrentTemperature, CriticalTripPoint | ConvertTo-Json -Compress';
/** PowerShell costs ~0.3 s of CPU on a counter PC: temperatures are read at most this often there. */
const WINDOWS_EVERY_MS = 60_000;

export function temperaturesFromAcpi(json: unknown): Temperature[] {
  const celsius = (tenthsKelvin: unknown) => (typeof tenthsKelvin === 'number' && Number.isFinite(tenthsKelvin) ? Math.round(tenthsKelvin - 2731.5) / 10 : undefined);
  const out: Temperature[] = [];
  asList(json).forEach((row, i) => {
    const r = row as { InstanceName?: unknown; CurrentTemperature?: unknown; CriticalTripPoint?: unknown };
    const c = celsius(r.CurrentTemperature);
    if (c === undefined || c <= 0 || c > 200) return;
    const crit = celsius(r.CriticalTripPoint);
    const name = typeof r.InstanceName === 'string' ? r.InstanceName.replace(/[^\w.\\-]/g, '').slice(0, 60) : `zone ${i}`;
    out.push({ sensor: `acpi/${name}`, celsius: c, ...(crit !== undefined && crit > c && crit <= 200 ? { critical: crit } : {}) });
  });
  return out;
}

const NO_TEMPERATURE = 'no temperature sensors exposed by the OS';
/** How long a non-Linux machine without sensors is left alone before systeminformation is asked again. */
const NO_SENSOR_RETRY_MS = 10 * 60_000;

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

export function createThermal(setup: ProbeSetup, source: CpuTemperatureSource = siTemperature, windowsZones?: (signal: AbortSignal) => Promise<unknown>): ProbeInstance {
  const notRead = `not read on ${setup.platform}`;
  let retryAtMono = 0;
  let windowsLast: { temperatures: Temperature[] } | { error: string } | undefined;

  async function collectWindows(signal: AbortSignal): Promise<Reading[]> {
    const now = setup.clock.monoMs();
    if (now >= retryAtMono) {
      const ask = windowsZones ?? ((s: AbortSignal) => powerShellJson(WINDOWS_ZONES, 'ACPI thermal zones', { signal: s, consoleEncoding: consoleEncodingOf(setup.settings) }));
      try {
        const temperatures = temperaturesFromAcpi(await ask(signal));
        windowsLast = { temperatures };
        retryAtMono = now + (temperatures.length === 0 ? NO_SENSOR_RETRY_MS : WINDOWS_EVERY_MS);
      } catch (err) {
        windowsLast = { error: `cannot read the ACPI thermal zones: ${(err as Error).message}`.slice(0, 290) };
        retryAtMono = now + WINDOWS_EVERY_MS;
      }
    }
    const fans = `fan speeds are ${notRead}`;
    const throttle = `CPU throttle counters are ${notRead}`;
    if (windowsLast && 'error' in windowsLast) {
      return [unavailable(m.temperature, windowsLast.error), unavailable(m.temperatureCritical, windowsLast.error), unavailable(m.fanSpeed, fans), unavailable(m.throttleEvents, throttle)];
    }
    return thermalReadings(windowsLast?.temperatures ?? [], fans, throttle);
  }

  async function collectOther(): Promise<Reading[]> {
    let temperatures: Temperature[] = [];
    if (setup.clock.monoMs() >= retryAtMono) {
      temperatures = temperaturesFromSi(await source.cpuTemperature());
      if (temperatures.length === 0) retryAtMono = setup.clock.monoMs() + NO_SENSOR_RETRY_MS;
    }
    return thermalReadings(temperatures, `fan speeds are ${notRead}`, `CPU throttle counters are ${notRead}`);
  }

  async function collectLinux(): Promise<Reading[]> {
    const [hwmon, throttle] = await Promise.all([readHwmon(setup.sysRoot), readThrottle(setup.sysRoot)]);
    return thermalReadings(hwmon.temperatures, hwmon.fans, throttle ?? 'the OS exposes no CPU thermal throttle counters');
  }

  return { collect: (ctx) => (setup.platform === 'linux' ? collectLinux() : setup.platform === 'win32' ? collectWindows(ctx.signal) : collectOther()) };
}

export const thermalProbe: ProbeDefinition = {
  name: 'thermal',
  interval: 'fast',
  metrics: [m.temperature, m.temperatureCritical, m.fanSpeed, m.throttleEvents],
  create: (setup) => createThermal(setup),
};
