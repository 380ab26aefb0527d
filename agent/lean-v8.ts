// V8 settings for the long-running agent process, in force from the moment it starts however it was
// launched: the systemd unit, launchd, `stationwatch agent` by hand, a test or a benchmark.
//
// Why: the agent runs a few milliseconds of JavaScript every 15 s. V8's optimising tiers and their
// compiled code buy nothing at that duty cycle but cost resident memory and the CPU of compiling.
// Lite mode interprets only and allocates feedback lazily.
//
// How: on the command line the process starts with, never later. Set after start-up with
// v8.setFlagsFromString (what this file did until Node.js 20), the flag no longer takes effect on
// Node.js 24 (V8 13.6): measured 2026-12-05, a hot function is still optimised, and the agent's RSS and
// CPU are those of no flag at all (83.1 vs 82.7 MiB, 60 vs 59 ms per cycle); on Node.js 20.20.2 the
// same call still stopped optimisation. Given on the command line on Node.js 24: 70.6 MiB, 42 ms per
// cycle (BENCHMARKS.md, agent footprint). `--lite-mode` is refused in NODE_OPTIONS, so:
// - POSIX: the process re-executes itself at once with the flag (process.execve: same pid, same
//   stdio and environment, before any other module has loaded — cli/lean-v8-early.ts);
// - the self-contained executable: the flag is in its SEA configuration (execArgv, packaging/build.ts);
// - Windows under npm (no execve there): the agent runs without it.
// Lite mode implies --jitless, so WebAssembly is absent: nothing the agent runs may need it. fetch()
// does (undici's HTTP parser is WebAssembly): the agent's HTTP is node:http/https (push, IPP).
// Not used for the collector (its hot request paths need the optimising compiler) nor in the
// all-in-one process.
import { accessSync, constants } from 'node:fs';

export const AGENT_V8_FLAGS = ['--lite-mode'] as const;

/** Whether a process started with these Node.js options already runs with the agent's V8 flags. */
export function hasAgentV8Flags(execArgv: readonly string[]): boolean {
  return AGENT_V8_FLAGS.every((f) => execArgv.includes(f));
}

/**
 * The argument vector to re-execute this very process with the agent's V8 flags: the flags first,
 * then the Node.js options it was given (a --cpu-prof, a preload), the script and its arguments.
 */
export function relaunchArgv(execPath: string, execArgv: readonly string[], argv: readonly string[]): string[] {
  return [execPath, ...AGENT_V8_FLAGS, ...execArgv, ...argv.slice(1)];
}

export interface RelaunchHost {
  platform: NodeJS.Platform;
  execPath: string;
  execArgv: readonly string[];
  argv: readonly string[];
  /** Inside a single executable application, whose flags come from its SEA configuration. */
  isSea: boolean;
  execve?: (file: string, args: string[]) => void;
}

/**
 * Re-executes the process with the agent's V8 flags where it can (POSIX, not the executable, not
 * already done); returns, doing nothing, where it cannot. A failed execve aborts Node.js 24, so the
 * binary is checked first: a runtime deleted under a running upgrade keeps the agent running as is.
 */
export function relaunchWithAgentV8Flags(host: RelaunchHost): void {
  if (hasAgentV8Flags(host.execArgv) || host.isSea || host.platform === 'win32' || !host.execve) return;
  try {
    accessSync(host.execPath, constants.X_OK);
  } catch {
    return;
  }
  host.execve(host.execPath, relaunchArgv(host.execPath, host.execArgv, host.argv));
}
