// Displays attached: a workstation whose monitor count drops has a loose cable or a dead screen.
// Linux: the kernel's DRM connectors (displays.linux.ts); Windows: the monitors' EDID records in WMI
// (displays.win32.ts); macOS: systeminformation (displays.darwin.ts). Not knowing is reported as
// unavailable, never as 0.
import { m } from '../../protocol/metrics.js';
import { platformPart, type PlatformFiles } from './platform.js';
import { sample, unavailable, type ProbeDefinition, type ProbeInstance, type ProbeSetup, type Reading } from './probe.js';

type Graphics = () => Promise<{ controllers: unknown[]; displays: unknown[] }>;

export interface DisplaysOptions {
  /** macOS: systeminformation's graphics (tests: recorded output). */
  graphics?: Graphics;
  /** Windows: the active monitors WMI lists (tests: recorded output). */
  windowsMonitors?: (signal: AbortSignal) => Promise<unknown>;
}

/** What each platform's file provides: the number of attached displays, or why it cannot be known. */
export interface DisplaysPart {
  count(ctx: { sysRoot: string; settings: Record<string, unknown>; options: DisplaysOptions }, signal: AbortSignal): Promise<number | string>;
}

const files: PlatformFiles<DisplaysPart> = {
  linux: () => import('./displays.linux.js').then((f) => f.displays),
  win32: () => import('./displays.win32.js').then((f) => f.displays),
  darwin: () => import('./displays.darwin.js').then((f) => f.displays),
};

export function createDisplays(setup: ProbeSetup, options: DisplaysOptions = {}): ProbeInstance {
  const part = platformPart(files, setup.platform);
  return {
    async collect(ctx): Promise<Reading[]> {
      const p = await part();
      const count = p ? await p.count({ sysRoot: setup.sysRoot, settings: setup.settings, options }, ctx.signal) : `displays are not read on ${setup.platform}`;
      return [typeof count === 'number' ? sample(m.displays, count) : unavailable(m.displays, count)];
    },
  };
}

export const displaysProbe: ProbeDefinition = {
  name: 'displays',
  interval: 'slow',
  metrics: [m.displays],
  create: (setup) => createDisplays(setup),
};
