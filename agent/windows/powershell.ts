// The one way a Windows probe runs PowerShell. Every script:
// - goes as -EncodedCommand (base64 of UTF-16LE), so no quoting can break it;
// - asks for UTF-8 output first; Windows PowerShell 5.1 may still answer in the console code page,
//   so output that is not valid UTF-8 is decoded in `consoleEncoding` (gbk for code page 936, big5
//   for 950);
// - gets its input values as data, never pasted into its text: `data` travels as base64 JSON in the
//   STATIONWATCH_DATA environment variable and the script reads it as `$SwData` (a value from a state
//   file, run as LocalSystem, must not be able to become code);
// - runs under a deadline after which powershell.exe is killed (started directly, never through cmd:
//   it is the process that hangs on a broken WMI repository, and `taskkill /T` is refused under Wine).
import { Type } from '@sinclair/typebox';
import { runCommand, decodeConsole, type CommandResult } from '../exec/run-command.js';

/**
 * Runs one command to completion. Probes take this as a parameter so tests answer with recorded
 * output; `env` holds only the extra variables the command needs.
 */
export type CommandRunner = (command: string, args: readonly string[], signal: AbortSignal, env?: Readonly<Record<string, string>>) => Promise<CommandResult>;

/** Default deadline of one PowerShell run: CIM queries answer in seconds, a broken WMI repository never. */
export const POWERSHELL_TIMEOUT_MS = 30_000;

/** Every script starts by asking for UTF-8 output; Windows PowerShell 5.1 may still answer in the console code page. */
export const POWERSHELL_UTF8 = 'try { [Console]::OutputEncoding = [System.Text.Encoding]::UTF8 } catch { }';

/** Reads the data passed beside the script; `$SwData` is $null when there is none. */
const READ_DATA = "$SwData = $null; if ($env:STATIONWATCH_DATA) { $SwData = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($env:STATIONWATCH_DATA)) | ConvertFrom-Json }";

/** PowerShell's -EncodedCommand: the script as base64 of UTF-16LE, so no quoting can break it. */
export function powershellArgs(script: string): string[] {
  return ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand', Buffer.from(script, 'utf16le').toString('base64')];
}

/** The full script as it is sent: the UTF-8 request, the data reader, then the probe's own text. */
export function fullScript(script: string): string {
  return `${POWERSHELL_UTF8}\n${READ_DATA}\n${script}`;
}

/** The environment variable that carries `data` (base64 of its JSON: no character of it is special anywhere). */
export function dataEnv(data: unknown): Record<string, string> {
  return { STATIONWATCH_DATA: Buffer.from(JSON.stringify(data), 'utf8').toString('base64') };
}

/** The real runner: powershell.exe with a deadline that kills it, extra variables added to the agent's environment. */
export function defaultCommandRunner(timeoutMs = POWERSHELL_TIMEOUT_MS): CommandRunner {
  return (command, args, signal, env) => runCommand(command, args, { signal, timeoutMs, ...(env ? { env: { ...process.env, ...env } } : {}) });
}

export const defaultPowerShellRunner: CommandRunner = defaultCommandRunner();

export interface PowerShellText {
  code: number | undefined;
  stdout: string;
  stderr: string;
}

export interface PowerShellOptions {
  signal: AbortSignal;
  consoleEncoding: string;
  /** Values the script reads as `$SwData` (validated by the caller; passed as data, never as code). */
  data?: unknown;
  run?: CommandRunner;
}

/** Runs a script and returns its output as text (UTF-8, else the console code page). */
export async function runPowerShell(script: string, opts: PowerShellOptions): Promise<PowerShellText> {
  const run = opts.run ?? defaultPowerShellRunner;
  const res = await run('powershell.exe', powershellArgs(fullScript(script)), opts.signal, opts.data === undefined ? undefined : dataEnv(opts.data));
  return { code: res.code, stdout: decodeConsole(res.stdout, opts.consoleEncoding), stderr: decodeConsole(res.stderr, opts.consoleEncoding).trim().slice(0, 300) };
}

/** PowerShell ran but gave nothing usable: the reading is unavailable with this reason, never zero devices. */
export class PowerShellUnusable extends Error {}

/**
 * Runs a script that prints one JSON document and returns it parsed. Exit code ≠ 0, empty output and
 * output that is not JSON throw PowerShellUnusable with the reason (a script that found nothing
 * prints `[]` or an object saying so — empty output means it did not get to print).
 */
export async function powerShellJson(script: string, what: string, opts: PowerShellOptions): Promise<unknown> {
  const res = await runPowerShell(script, opts);
  if (res.code !== 0) throw new PowerShellUnusable(`${what}: PowerShell exited with ${res.code ?? 'a signal'}${res.stderr ? `: ${res.stderr}` : ''}`);
  return parsePowerShellJson(res.stdout, what);
}

export function parsePowerShellJson(text: string, what: string): unknown {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (!trimmed) throw new PowerShellUnusable(`${what}: PowerShell printed nothing`);
  try {
    return JSON.parse(trimmed);
  } catch {
    throw new PowerShellUnusable(`${what}: PowerShell printed no JSON (${JSON.stringify(trimmed.slice(0, 80))})`);
  }
}

/** ConvertTo-Json prints a lone object for a one-element list: always a list. */
export function asList(value: unknown): unknown[] {
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? value : [value];
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
