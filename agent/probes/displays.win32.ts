// Displays on Windows: the monitors' own EDID records (WmiMonitorID, one per attached monitor)
// through the one PowerShell runner. systeminformation invents a placeholder display when it reads
// none, which would hide a disconnected screen. A service in session 0 still sees WmiMonitorID (it is
// the driver's list, not the user's desktop); where WMI answers nothing, the count is unavailable.
import { asList, consoleEncodingOf, powerShellJson } from '../windows/powershell.js';
import type { DisplaysPart } from './displays.js';

/** WmiMonitorID rows that are active monitors; the script prints `{"count":N}` so "none" is explicit. */
const WMI_MONITORS = "$n = @(Get-CimInstance -Namespace root\\wmi -ClassName WmiMonitorID -ErrorAction Stop | Where-Object { $_.Active }).Count; ConvertTo-Json -Compress @{ count = $n }";

export function monitorCountFromJson(json: unknown): number | string {
  const row = asList(json)[0] as { count?: unknown } | undefined;
  return typeof row?.count === 'number' && Number.isInteger(row.count) && row.count >= 0 ? row.count : 'WMI gave no monitor count';
}

export const displays: DisplaysPart = {
  async count(ctx, signal) {
    const ask = ctx.options.windowsMonitors ?? ((sig: AbortSignal) => powerShellJson(WMI_MONITORS, 'attached monitors', { signal: sig, consoleEncoding: consoleEncodingOf(ctx.settings) }));
    try {
      return monitorCountFromJson(await ask(signal));
    } catch (err) {
      return `cannot read the attached monitors: ${(err as Error).message}`.slice(0, 290);
    }
  },
};
