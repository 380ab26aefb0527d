// How the posture probes (firewall, antivirus, logins, updates, storage, clock) run OS commands:
// never through a shell, each bounded both by the probe's own signal and by a per-command limit, so
// one hanging tool cannot eat the whole probe budget. The runner is injectable: tests run the very
// same code inside a network namespace by prefixing `ip netns exec <ns>`.
import { Type } from '@sinclair/typebox';
import { CommandNotFound, decodeConsole, runCommand, type CommandResult } from '../peripherals/run-command.js';

export { CommandNotFound, decodeConsole, type CommandResult };

export type CommandRunner = (command: string, args: readonly string[], signal: AbortSignal) => Promise<CommandResult>;

/** The signal of one command: aborted by the probe's signal or after `ms`, whichever comes first. */
export function commandSignal(signal: AbortSignal, ms: number): AbortSignal {
  return AbortSignal.any([signal, AbortSignal.timeout(ms)]);
}

/**
 * Runs commands as they are, or behind `prefix` (`['ip', 'netns', 'exec', 'sw-fw-1']`). Output is
 * forced to the C locale on Unix: the parsers read English tool output, never a translation.
 */
export function commandRunner(prefix: readonly string[] = [], timeoutMs = 30_000): CommandRunner {
  const env = process.platform === 'win32' ? undefined : { ...process.env, LC_ALL: 'C', LANG: 'C' };
  return (command, args, signal) => {
    const bounded = commandSignal(signal, timeoutMs);
    if (prefix.length === 0) return runCommand(command, args, bounded, env);
    return runCommand(prefix[0]!, [...prefix.slice(1), command, ...args], bounded, env);
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

/** PowerShell's -EncodedCommand: the script as base64 of UTF-16LE, so no quoting can break it. */
export function powershellArgs(script: string): string[] {
  return ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand', Buffer.from(script, 'utf16le').toString('base64')];
}

/** Every script starts by asking for UTF-8 output; Windows PowerShell 5.1 may still answer in the console code page. */
export const POWERSHELL_UTF8 = 'try { [Console]::OutputEncoding = [System.Text.Encoding]::UTF8 } catch { }';

/**
 * Runs a PowerShell script that prints one JSON document and returns the text, decoded as UTF-8 or,
 * when that is not valid, in the console's code page (GBK on a Chinese Windows).
 */
export async function runPowerShell(run: CommandRunner, script: string, signal: AbortSignal, consoleEncoding: string): Promise<{ code: number | undefined; stdout: string; stderr: string }> {
  const res = await run('powershell.exe', powershellArgs(`${POWERSHELL_UTF8}\n${script}`), signal);
  return { code: res.code, stdout: decodeConsole(res.stdout, consoleEncoding), stderr: decodeConsole(res.stderr, consoleEncoding).trim().slice(0, 300) };
}

/** The console code page a Windows agent falls back to when PowerShell did not switch to UTF-8. */
export const WindowsConsoleEncoding = Type.Union(
  ['gbk', 'gb18030', 'big5', 'shift_jis', 'euc-kr', 'windows-1252', 'ibm866'].map((e) => Type.Literal(e)),
  { default: 'gbk', description: 'console code page of Windows tools that ignore the UTF-8 request (936: gbk, 950: big5)' },
);

export function consoleEncodingOf(settings: Record<string, unknown>): string {
  const e = settings['windowsConsoleEncoding'];
  return typeof e === 'string' ? e : 'gbk';
}
