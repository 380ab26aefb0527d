// Every child process the agent starts is registered here, so that a deadline, an abort or the agent
// stopping can end it and everything it started. On POSIX a child gets its own process group
// (detached) and the whole group is signalled: a shell script's `sleep`, smartctl's helpers and a
// hung PowerShell's children go with it. On Windows the spawned process itself is terminated
// (TerminateProcess); `taskkill /T` would reach grandchildren but is refused under Wine, and our
// PowerShell is started directly (never through cmd) so the spawned process is the one that hangs.
import { spawn, fork, type ChildProcess, type SpawnOptions, type ForkOptions } from 'node:child_process';

/** How long a process group gets between SIGTERM and SIGKILL. */
export const KILL_GRACE_MS = 1000;

const isWindows = process.platform === 'win32';
const live = new Set<ChildProcess>();
/** Children we signalled: their end is our doing, not the command's answer. */
const killedByUs = new WeakSet<ChildProcess>();

export function wasKilled(child: ChildProcess): boolean {
  return killedByUs.has(child);
}

/** Children that have not exited yet (tests, and the agent's stop log line). */
export function liveChildren(): number {
  return live.size;
}

function track(child: ChildProcess): ChildProcess {
  if (child.pid === undefined) return child; // failed to start: 'error' follows, nothing to kill
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Starts a command in its own process group (POSIX), registered for killTree/killAllChildren. */
export function spawnTracked(command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  return track(spawn(command, args, { windowsHide: true, ...options, detached: !isWindows }));
}

/** node's fork, registered and in its own process group like spawnTracked. */
export function forkTracked(modulePath: string, args: readonly string[], options: ForkOptions = {}): ChildProcess {
  return track(fork(modulePath, args, { ...options, detached: !isWindows }));
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is gone already.
  }
}

/**
 * Ends a child and (POSIX) its process group: SIGTERM, then SIGKILL after `graceMs` if the leader has
 * not exited — and the group once more then, for members that outlived their leader. `graceMs` 0
 * sends SIGKILL at once (a tool known to ignore SIGTERM, or the agent is exiting).
 */
export function killTree(child: ChildProcess, graceMs = KILL_GRACE_MS): void {
  const pid = child.pid;
  if (pid === undefined) return;
  killedByUs.add(child);
  if (isWindows) {
    child.kill(); // TerminateProcess: no grace exists on Windows anyway
    return;
  }
  if (graceMs <= 0) {
    signalGroup(pid, 'SIGKILL');
    return;
  }
  signalGroup(pid, 'SIGTERM');
  const hard = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
  hard.unref();
}

/** Kills every child still running, at once (the agent is stopping or exiting). Synchronous: usable in process.on('exit'). */
export function killAllChildren(): number {
  const n = live.size;
  for (const child of live) killTree(child, 0);
  return n;
}

/** Resolves when every tracked child has exited, or after `ms`. */
export async function childrenGone(ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (live.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  return live.size === 0;
}

// Whatever way the agent's process ends normally (stop, process.exit after the stop deadline, an
// uncaught error), its children do not outlive it: they are in their own process groups, so nothing
// else would signal them.
process.once('exit', killAllChildren);
