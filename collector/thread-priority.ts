// Threads' CPU priorities. The evaluation worker and the history's zlib thread run lower than the
// thread that answers requests: a pass at 10,000 devices takes seconds of CPU every 15 s, and when
// the collector has one core (a small VM, a container with a CPU limit, the benchmark's pinned core)
// the scheduler shared it evenly, so per-device targets, ingest and /metrics waited behind the
// evaluation (bench/notes/scrape-cost.md). With nice 10 the evaluation still gets every idle cycle and
// ~10 % of a busy core. The scrape thread (collector/scrape/) runs higher when the collector may
// raise a priority: it needs ~3 % of a core, and on a busy machine a thread at the process' priority
// waited up to ~20 ms for a core after each request arrived (bench/notes/status-evaluation-under-load.md).
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Lowers the calling thread's priority (Linux: the nice value is per thread, and setpriority(2) with
 * a thread id changes only that thread). False where that is not possible (other systems): the
 * thread then runs at the process' priority, as before.
 */
export function lowerThisThreadPriority(nice = 10): boolean {
  return setThisThreadNice(nice) === undefined;
}

/**
 * Raises the calling thread's priority to `nice` (below 0). Allowed to root, to a process with
 * CAP_SYS_NICE, or down to the limit RLIMIT_NICE sets (systemd: `LimitNICE=-5`; docker: `--ulimit
 * nice=25`). Returns why not when it is not allowed (the thread keeps the process' priority).
 */
export function raiseThisThreadPriority(nice = -5): string | undefined {
  return setThisThreadNice(nice);
}

function setThisThreadNice(nice: number): string | undefined {
  if (process.platform !== 'linux') return `thread priorities are set on Linux only (here: ${process.platform})`;
  try {
    // "<pid>/task/<tid>"
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return 'no thread id in /proc/thread-self';
    setPriority(tid, nice);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
