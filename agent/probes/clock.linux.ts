// Time sync on Linux: timedatectl (systemd), else chronyc where systemd is not running.
import type { ClockPart } from './clock.js';
import { ask } from './clock.js';
import { parseChronyTracking, parseTimedatectl } from './clock-parse.js';

export const clock: ClockPart = {
  async state(ctx, signal) {
    const systemd = await ask(ctx.run, 'timedatectl', ['show'], parseTimedatectl, signal);
    if (!('unavailable' in systemd)) return systemd;
    const chrony = await ask(ctx.run, 'chronyc', ['-n', 'tracking'], parseChronyTracking, signal);
    if (!('unavailable' in chrony)) return chrony;
    return { unavailable: `no time-sync service answered (${systemd.unavailable}; ${chrony.unavailable})`.slice(0, 290) };
  },
};
