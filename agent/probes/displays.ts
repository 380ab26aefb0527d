// Displays attached: a workstation whose monitor count drops has a loose cable or a dead screen.
// On Linux the kernel's DRM connectors say it directly (no process to spawn, no X session needed);
// elsewhere systeminformation asks the OS. Not knowing is reported as unavailable, never as 0.
import { readdir, readFile } from 'node:fs/promises';
import { m } from '../../protocol/metrics.js';
import { sample, unavailable, type ProbeDefinition, type ProbeInstance, type ProbeSetup, type Reading } from './probe.js';
import { systemInformation } from './systeminformation.js';

type Graphics = () => Promise<{ controllers: unknown[]; displays: unknown[] }>;

export interface DisplaysOptions {
  graphics?: Graphics;
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
    async collect(): Promise<Reading[]> {
      if (setup.platform === 'linux') {
        const count = await countDrmDisplays(setup.sysRoot);
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
