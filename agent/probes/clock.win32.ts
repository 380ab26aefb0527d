// Time sync on Windows: `w32tm /query /status`, in the console's code page. "The service has not
// been started" is an answer (sync off), not a failure.
import type { ClockPart } from './clock.js';
import { parseW32tmStatus, W32TM_NOT_RUNNING } from './clock-parse.js';
import { CommandNotFound, consoleEncodingOf, decodeConsole } from './posture-command.js';

export const clock: ClockPart = {
  async state(ctx, signal) {
    let res;
    try {
      res = await ctx.run('w32tm', ['/query', '/status'], signal);
    } catch (err) {
      // A missing tool is "unavailable" on every platform, as on Linux: not a probe failure.
      if (err instanceof CommandNotFound) return { unavailable: 'w32tm is not installed' };
      throw err;
    }
    const encoding = consoleEncodingOf(ctx.settings);
    const text = decodeConsole(res.stdout, encoding) + decodeConsole(res.stderr, encoding);
    if (res.code !== 0 && !W32TM_NOT_RUNNING.test(text)) throw new Error(`w32tm exited with ${res.code ?? 'a signal'}: ${text.trim().slice(0, 200)}`);
    return parseW32tmStatus(text);
  },
};
