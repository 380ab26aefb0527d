// Displays on Linux: the kernel's DRM connectors say it directly (no process to spawn, no X session
// needed).
import { readdir, readFile } from 'node:fs/promises';
import type { DisplaysPart } from './displays.js';

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

export const displays: DisplaysPart = {
  count: (ctx) => countDrmDisplays(ctx.sysRoot),
};
