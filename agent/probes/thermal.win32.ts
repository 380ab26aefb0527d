// Temperatures on Windows: WMI's ACPI thermal zones through the one PowerShell runner, at most once a
// minute (a PowerShell start costs ~0.3 s of CPU on a counter PC); fans and throttle counters are not
// exposed there.
import { m } from '../../protocol/metrics.js';
import { asList, consoleEncodingOf, powerShellJson } from '../windows/powershell.js';
import { unavailable, type Reading } from './probe.js';
import { NO_SENSOR_RETRY_MS, thermalReadings, type ThermalPart } from './thermal.js';
import type { Temperature } from './thermal-sysfs.js';

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

export const thermal: ThermalPart = {
  create({ setup, windowsZones }) {
    const notRead = `not read on ${setup.platform}`;
    let retryAtMono = 0;
    let last: { temperatures: Temperature[] } | { error: string } | undefined;
    return async (signal): Promise<Reading[]> => {
      const now = setup.clock.monoMs();
      if (now >= retryAtMono) {
        const ask = windowsZones ?? ((s: AbortSignal) => powerShellJson(WINDOWS_ZONES, 'ACPI thermal zones', { signal: s, consoleEncoding: consoleEncodingOf(setup.settings) }));
        try {
          const temperatures = temperaturesFromAcpi(await ask(signal));
          last = { temperatures };
          retryAtMono = now + (temperatures.length === 0 ? NO_SENSOR_RETRY_MS : WINDOWS_EVERY_MS);
        } catch (err) {
          last = { error: `cannot read the ACPI thermal zones: ${(err as Error).message}`.slice(0, 290) };
          retryAtMono = now + WINDOWS_EVERY_MS;
        }
      }
      const fans = `fan speeds are ${notRead}`;
      const throttle = `CPU throttle counters are ${notRead}`;
      if (last && 'error' in last) return [unavailable(m.temperature, last.error), unavailable(m.temperatureCritical, last.error), unavailable(m.fanSpeed, fans), unavailable(m.throttleEvents, throttle)];
      return thermalReadings(last?.temperatures ?? [], fans, throttle);
    };
  },
};
