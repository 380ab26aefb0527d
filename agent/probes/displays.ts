// Displays attached: a workstation whose monitor count drops has a loose cable or a dead screen.
// On Linux the kernel's DRM connectors say it directly (no process to spawn, no X session needed);
// on Windows the monitors' own EDID records (WmiMonitorID, one per attached monitor) through the one
// PowerShell runner — systeminformation invents a placeholder display when it reads none, which
// would hide a disconnected screen; macOS asks systeminformation. Not knowing is reported as
// unavailable, never as 0. A service in session 0 still sees WmiMonitorID (it is the driver's list,
// not the user's desktop); where WMI answers nothing, the count is unavailable.
import { readdir, readFile } from 'node:fs/promises';
import { m } from '../../protocol/metrics.js';
import { sample, unavailable, type ProbeDefinition, type ProbeInstance, type ProbeSetup, type Reading } from './probe.js';
import { systemInformation } from './systeminformation.js';
import { asList, consoleEncodingOf, powerShellJson } from '../windows/powershell.js';

type Graphics = () => Promise<{ controllers: unknown[]; displays: unknown[] }>;

export interface DisplaysOptions {
  graphics?: Graphics;
  /** Windows: the active monitors WMI lists (tests: a fake). */
  windowsMonitors?: (signal: AbortSignal) => Promise<unknown>;
}

/** WmiMonitorID rows that are active monitors; the script prints `{"count":N}` so "none" is explicit. */
const WMI_MONITORS = "$n = @(Get-CimInstance -Namespace root\\wmi -ClassName WmiMonitorID -ErrorAction Stop | Where-Object { $_.Active }).Count; ConvertTo-Json -Compress @{ count = $n }";

export function monitorCountFromJson(json: unknown): number | string {
  const row = asList(json)[0] as { count?: unknown } | undefined;
  return typeof row?.count === 'number' && Number.isInteger(row.count) && row.count >= 0 ? row.count : 'WMI gave no monitor count';
}

/**
 * Connected DRM connectors under `<sysRoot>/class/drm`, or the reason the kernel cannot tell.
 * Connectors report "connected", "disconnected" or "unknown"; with no connector able to say either
 * way (no DRM driver, or a GPU driver without kernel modesetting) the count would be a guess.
 */
export async function countDrmDisplays(sysRoot: string): Promise<number | string> {
  const dir = `${sysRoot}/class/drm`;
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return `no ${dir}: no kernel display driver (headless)`;
  }
  let connected = 0;
  let decided = 0;
  for (const entry of entries) {
    let status: string;
    try {
      status = (await readFile(`${dir}/${entry}/status`, 'utf8')).trim();
    } catch {
      continue; // cardN, renderDN and the version file are not connectors
    }
    if (status === 'connected') connected++;
    if (status === 'connected' || status === 'disconnected') decided++;
  }
  return decided > 0 ? connected : `no display connector in ${dir} reports its state`;
}

export function createDisplays(setup: ProbeSetup, options: DisplaysOptions = {}): ProbeInstance {
  const graphics: Graphics = options.graphics ?? (async () => (await systemInformation()).graphics());
  return {
    async collect(ctx): Promise<Reading[]> {
      if (setup.platform === 'linux') {
        const count = await countDrmDisplays(setup.sysRoot);
        return [typeof count === 'number' ? sample(m.displays, count) : unavailable(m.displays, count)];
      }
      if (setup.platform === 'win32') {
        const ask = options.windowsMonitors ?? ((signal: AbortSignal) => powerShellJson(WMI_MONITORS, 'attached monitors', { signal, consoleEncoding: consoleEncodingOf(setup.settings) }));
        let count: number | string;
        try {
          count = monitorCountFromJson(await ask(ctx.signal));
        } catch (err) {
          count = `cannot read the attached monitors: ${(err as Error).message}`.slice(0, 290);
        }
        return [typeof count === 'number' ? sample(m.displays, count) : unavailable(m.displays, count)];
      }
      const data = await graphics();
      // No graphics controller at all means the OS gave no answer, not that no screen is plugged in.
      if (data.controllers.length === 0 && data.displays.length === 0) return [unavailable(m.displays, 'the OS reports no graphics controller')];
      return [sample(m.displays, data.displays.length)];
    },
  };
}

export const displaysProbe: ProbeDefinition = {
  name: 'displays',
  interval: 'slow',
  metrics: [m.displays],
  create: (setup) => createDisplays(setup),
};
