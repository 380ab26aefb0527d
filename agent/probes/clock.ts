// clock: is the OS keeping its clock synchronised? ("operation logs must record the time of every
// operation"). The offset itself is measured by the collector (report send time vs receive time,
// stationwatch_clock_offset_seconds); this probe adds what only the device knows: whether time sync
// is switched on and whether the OS considers itself synchronised. Linux asks timedatectl, then
// chronyc where systemd is not running; Windows asks w32tm.
import { Type } from '@sinclair/typebox';
import { m } from '../../protocol/metrics.js';
import { parseChronyTracking, parseTimedatectl, parseW32tmStatus, W32TM_NOT_RUNNING, type SyncState } from './clock-parse.js';
import { CommandNotFound, WindowsConsoleEncoding, consoleEncodingOf, decodeConsole, defaultRunner, stderrText, type CommandRunner } from './posture-command.js';
import { sample, unavailable, type ProbeDefinition, type ProbeInstance, type ProbeSetup, type Reading } from './probe.js';

type Answer = SyncState | { unavailable: string };

/** Runs one tool; a missing tool or one that cannot answer gives a reason instead of a state. */
async function ask(run: CommandRunner, command: string, args: string[], parse: (text: string) => SyncState, signal: AbortSignal): Promise<Answer> {
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

export function createClock(setup: ProbeSetup, run: CommandRunner = defaultRunner): ProbeInstance {
  async function linux(signal: AbortSignal): Promise<Answer> {
    const systemd = await ask(run, 'timedatectl', ['show'], parseTimedatectl, signal);
    if (!('unavailable' in systemd)) return systemd;
    const chrony = await ask(run, 'chronyc', ['-n', 'tracking'], parseChronyTracking, signal);
    if (!('unavailable' in chrony)) return chrony;
    return { unavailable: `no time-sync service answered (${systemd.unavailable}; ${chrony.unavailable})`.slice(0, 290) };
  }

  async function windows(signal: AbortSignal): Promise<Answer> {
    let res;
    try {
      res = await run('w32tm', ['/query', '/status'], signal);
    } catch (err) {
      // A missing tool is "unavailable" on every platform, as on Linux: not a probe failure.
      if (err instanceof CommandNotFound) return { unavailable: 'w32tm is not installed' };
      throw err;
    }
    const text = decodeConsole(res.stdout, consoleEncodingOf(setup.settings)) + decodeConsole(res.stderr, consoleEncodingOf(setup.settings));
    if (res.code !== 0 && !W32TM_NOT_RUNNING.test(text)) throw new Error(`w32tm exited with ${res.code ?? 'a signal'}: ${text.trim().slice(0, 200)}`);
    return parseW32tmStatus(text);
  }

  return {
    async collect({ signal }): Promise<Reading[]> {
      const got: Answer =
        setup.platform === 'linux' ? await linux(signal) : setup.platform === 'win32' ? await windows(signal) : { unavailable: `the time-sync state is not read on ${setup.platform}` };
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
