// How the posture probes (firewall, antivirus, logins, updates, storage, clock) run OS commands:
// never through a shell, each with its own deadline (agent/exec/run-command.ts) besides the probe's
// signal, so one hanging tool cannot eat the whole probe budget. The runner is injectable: tests run
// the very same code inside a network namespace by prefixing `ip netns exec <ns>`.
import { CommandNotFound, CommandTimedOut, decodeConsole, runCommand, type CommandResult } from '../exec/run-command.js';
import type { CommandRunner } from '../windows/powershell.js';

export { CommandNotFound, CommandTimedOut, decodeConsole, type CommandResult, type CommandRunner };
export { WindowsConsoleEncoding, consoleEncodingOf, powershellArgs, POWERSHELL_UTF8, runPowerShell } from '../windows/powershell.js';

/**
 * Runs commands as they are, or behind `prefix` (`['ip', 'netns', 'exec', 'sw-fw-1']`), each killed
 * with its process group after `timeoutMs`. Output is forced to the C locale on Unix: the parsers
 * read English tool output, never a translation.
 */
export function commandRunner(prefix: readonly string[] = [], timeoutMs = 30_000): CommandRunner {
  const base = process.platform === 'win32' ? undefined : { ...process.env, LC_ALL: 'C', LANG: 'C' };
  return (command, args, signal, extra) => {
    const env = extra ? { ...(base ?? process.env), ...extra } : base;
    const opts = { signal, timeoutMs, ...(env ? { env } : {}) };
    if (prefix.length === 0) return runCommand(command, args, opts);
    return runCommand(prefix[0]!, [...prefix.slice(1), command, ...args], opts);
  };
}

export const defaultRunner: CommandRunner = commandRunner();

/** The first lines of a command's error output, for an error or an "unavailable" reason. */
export function stderrText(res: CommandResult, max = 200): string {
  return res.stderr.toString('utf8').trim().split('\n').slice(0, 3).join(' ').slice(0, max);
}

/** Error output that means "you are not allowed", in the wording of nft, iptables, smartctl, journalctl. */
export function isPermissionDenied(text: string): boolean {
  return /operation not permitted|permission denied|you must be root|access is denied|not seeing messages from other users/i.test(text);
}
