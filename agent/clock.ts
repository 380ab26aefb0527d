// Time sources, injectable so that hang/suspend/clock-step detection is tested with a fake clock.
import { readFileSync } from 'node:fs';

export interface Clock {
  /** Wall-clock time, epoch milliseconds: can jump when the clock is set. */
  wallMs(): number;
  /** Monotonic milliseconds: never jumps; on Linux and macOS it stops while the machine sleeps. */
  monoMs(): number;
  /** Milliseconds since boot including sleep (Linux CLOCK_BOOTTIME), or undefined where unknown. */
  bootMs(): Promise<number | undefined>;
}

export function systemClock(procRoot = '/proc'): Clock {
  return {
    wallMs: () => Date.now(),
    monoMs: () => Number(process.hrtime.bigint() / 1_000_000n),
    // /proc/uptime counts from boot including suspended time, unlike the monotonic clock: the
    // difference between the two is exactly the time slept. Read synchronously: procfs answers from
    // memory, and the stability heartbeat asks every second — an async read (open, fstat, read, close
    // through the thread pool) cost ten times the CPU (BENCHMARKS.md, per-probe table).
    bootMs: async () => {
      try {
        const text = readFileSync(`${procRoot}/uptime`, 'utf8');
        const seconds = Number(text.split(' ')[0]);
        return Number.isFinite(seconds) ? seconds * 1000 : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
