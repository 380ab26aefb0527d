// The evaluation worker runs at a lower CPU priority than the thread that answers requests: a pass
// at 10,000 devices takes seconds of CPU every 15 s, and when the collector has one core (a small
// VM, a container with a CPU limit, the benchmark's pinned core) the scheduler shared it evenly, so
// per-device targets, ingest and /metrics waited behind the evaluation (bench/notes/scrape-cost.md).
// With nice 10 the evaluation still gets every idle cycle and ~10 % of a busy core.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Lowers the calling thread's priority (Linux: the nice value is per thread, and setpriority(2) with
 * a thread id changes only that thread). False where that is not possible (other systems): the
 * thread then runs at the process' priority, as before.
 */
export function lowerThisThreadPriority(nice = 10): boolean {
  if (process.platform !== 'linux') return false;
  try {
    // "<pid>/task/<tid>"
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}
