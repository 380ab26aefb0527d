// Threads' CPU priorities. The evaluation worker and the history's zlib thread run lower than the
// thread that answers requests: a pass at 10,000 devices takes seconds of CPU every 15 s, and when
// the collector has one core (a small VM, a container with a CPU limit, the benchmark's pinned core)
// the scheduler shared it evenly, so per-device targets, ingest and /metrics waited behind the
// evaluation (bench/notes/scrape-cost.md). With nice 10 the evaluation still gets every idle cycle and
// ~10 % of a busy core. The scrape thread (collector/scrape/) runs higher when the collector may
// raise a priority: it needs ~3 % of a core, and on a busy machine a thread at the process' priority
// waited up to ~20 ms for a core after each request arrived (bench/notes/status-evaluation-under-load.md).
// Even at nice −5 a thread on two busy cores was woken up to ~7 ms late at p99: the fair scheduler
// lets the running thread finish its slice. A real-time thread (SCHED_FIFO) preempts it at once
// (a bare timer: p99 3.1 ms at nice 0, 0.12 ms as SCHED_FIFO 1, same load), so the scrape thread asks
// for that too (scrape-realtime.ts keeps it within a CPU budget).
import { execFile } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
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
    const tid = thisThreadId();
    if (typeof tid === 'string') return tid;
    setPriority(tid, nice);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** The calling thread's id (Linux), or why there is none. */
export function thisThreadId(): number | string {
  // "<pid>/task/<tid>"
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  return Number.isInteger(tid) && tid > 0 ? tid : 'no thread id in /proc/thread-self';
}

/** A thread's scheduling policy and real-time priority, from /proc/<pid>/task/<tid>/stat (Linux). */
export function threadScheduling(statPath = '/proc/thread-self/stat'): { policy: 'other' | 'fifo' | 'rr' | 'batch' | 'idle' | 'deadline' | 'unknown'; rtPriority: number; nice: number } {
  // Fields after the command's ")": state is field 3; nice 19, rt_priority 40, policy 41 (proc(5)).
  const f = readFileSync(statPath, 'utf8').split(') ')[1]!.split(' ');
  const policy = (['other', 'fifo', 'rr', 'batch', undefined, 'idle', 'deadline'] as const)[Number(f[38])] ?? 'unknown';
  return { policy, rtPriority: Number(f[37]), nice: Number(f[16]) };
}

/** chrt(1) from util-linux sets a thread's policy: Node.js has no call for sched_setscheduler(2). */
const CHRT_DEADLINE_MS = 5_000;

/**
 * Makes the calling thread real-time (SCHED_FIFO at `priority`, 1–99) or, with `priority` 0, puts it
 * back under the fair scheduler (its nice value is kept). Allowed to root, to CAP_SYS_NICE, or up to
 * RLIMIT_RTPRIO (systemd: `LimitRTPRIO=1`); a container's or cgroup's real-time budget may still
 * refuse it. Always with SCHED_RESET_ON_FORK: a process this thread starts (chrt itself, to leave real
 * time again) is not real-time. Resolves with why not when it could not (the thread keeps its policy).
 */
export function setThisThreadRealtime(priority: number, chrt = 'chrt'): Promise<string | undefined> {
  if (process.platform !== 'linux') return Promise.resolve(`real-time scheduling is set on Linux only (here: ${process.platform})`);
  let tid: number | string;
  try {
    tid = thisThreadId();
  } catch (err) {
    return Promise.resolve((err as Error).message);
  }
  if (typeof tid === 'string') return Promise.resolve(tid);
  const args = ['--reset-on-fork', priority > 0 ? '--fifo' : '--other', '--pid', String(priority), String(tid)];
  return new Promise((resolve) => {
    // chrt --pid changes the thread and exits, starting nothing: killing it at the deadline ends its whole tree.
    execFile(chrt, args, { timeout: CHRT_DEADLINE_MS, killSignal: 'SIGKILL', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' } }, (err, _stdout, stderr) => {
      if (!err) return resolve(undefined);
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return resolve(`${chrt} (util-linux) is not installed`);
      if (err.killed) return resolve(`${chrt} did not finish within ${CHRT_DEADLINE_MS / 1000} s and was killed`);
      resolve(String(stderr).trim() || err.message);
    });
  });
}
