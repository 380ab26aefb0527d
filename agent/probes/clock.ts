// clock: is the OS keeping its clock synchronised? ("operation logs must record the time of every
// operation"). The offset itself is measured by the collector (report send time vs receive time,
// stationwatch_clock_offset_seconds); this probe adds what only the device knows: whether time sync
// is switched on and whether the OS considers itself synchronised: clock.linux.ts (timedatectl,
// chronyc), clock.win32.ts (w32tm).
import { Type } from '@sinclair/typebox';
import { m } from '../../protocol/metrics.js';
import type { SyncState } from './clock-parse.js';
import { platformPart, type PlatformFiles } from './platform.js';
import { CommandNotFound, WindowsConsoleEncoding, defaultRunner, stderrText, type CommandRunner } from './posture-command.js';
import { sample, unavailable, type ProbeDefinition, type ProbeInstance, type ProbeSetup, type Reading } from './probe.js';

export type Answer = SyncState | { unavailable: string };

/** Runs one tool; a missing tool or one that cannot answer gives a reason instead of a state. */
export async function ask(run: CommandRunner, command: string, args: string[], parse: (text: string) => SyncState, signal: AbortSignal): Promise<Answer> {
  let res;
  try {
    res = await run(command, args, signal);
  } catch (err) {
    if (err instanceof CommandNotFound) return { unavailable: `${command} is not installed` };
    throw err;
  }
  if (res.code !== 0) return { unavailable: `${command}: ${stderrText(res, 120) || `exit ${res.code ?? 'signal'}`}` };
  return parse(res.stdout.toString('utf8'));
}

/** What each platform's file provides: whether time sync is on and the OS thinks it is synchronised. */
export interface ClockPart {
  state(ctx: { run: CommandRunner; settings: Record<string, unknown> }, signal: AbortSignal): Promise<Answer>;
}

const files: PlatformFiles<ClockPart> = {
  linux: () => import('./clock.linux.js').then((f) => f.clock),
  win32: () => import('./clock.win32.js').then((f) => f.clock),
};

export function createClock(setup: ProbeSetup, run: CommandRunner = defaultRunner): ProbeInstance {
  const part = platformPart(files, setup.platform);
  return {
    async collect({ signal }): Promise<Reading[]> {
      const p = await part();
      const got: Answer = p ? await p.state({ run, settings: setup.settings }, signal) : { unavailable: `the time-sync state is not read on ${setup.platform}` };
      if ('unavailable' in got) return [unavailable(m.clockSynchronized, got.unavailable), unavailable(m.clockSyncEnabled, got.unavailable)];
      return [sample(m.clockSynchronized, got.synchronized ? 1 : 0), sample(m.clockSyncEnabled, got.enabled ? 1 : 0)];
    },
  };
}

export const clockProbe: ProbeDefinition = {
  name: 'clock',
  interval: 'slow',
  metrics: [m.clockSynchronized, m.clockSyncEnabled],
  settingsSchema: Type.Object({ windowsConsoleEncoding: WindowsConsoleEncoding }, { additionalProperties: false }),
  create: (setup) => createClock(setup),
};
