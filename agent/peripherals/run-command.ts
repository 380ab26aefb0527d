// External commands for the peripheral probes (scanimage, PowerShell): bounded by the probe's signal
// and by a size cap, output kept as bytes (a Chinese Windows console writes GBK, not UTF-8), and
// "not installed" told apart from "failed".
import { execFile } from 'node:child_process';

const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;

export interface CommandResult {
  stdout: Buffer;
  stderr: Buffer;
  /** Exit code; undefined when killed by a signal. */
  code: number | undefined;
}

export class CommandNotFound extends Error {
  constructor(readonly command: string) {
    super(`${command} is not installed (not on PATH)`);
  }
}

/** Runs `command` without a shell; resolves with its output whatever the exit code, rejects on abort. */
export function runCommand(command: string, args: readonly string[], signal: AbortSignal, env?: NodeJS.ProcessEnv): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const stopped = () => new Error(`${command} was stopped: the probe timed out`, { cause: signal.reason });
    if (signal.aborted) return reject(stopped());
    const child = execFile(command, args, { encoding: 'buffer', maxBuffer: MAX_OUTPUT_BYTES, windowsHide: true, ...(env ? { env } : {}) }, (err, stdout, stderr) => {
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) return reject(stopped());
      const e = err as (NodeJS.ErrnoException & { code?: string | number }) | null;
      if (e?.code === 'ENOENT') return reject(new CommandNotFound(command));
      if (e && typeof e.code !== 'number' && e.code !== undefined) return reject(new Error(`run ${command}`, { cause: e }));
      resolve({ stdout, stderr, code: typeof e?.code === 'number' ? e.code : e ? undefined : 0 });
    });
    // SIGKILL, not execFile's own abort (SIGTERM): a hung tool (smartctl on a dying disk, PowerShell
    // waiting on WMI) may ignore SIGTERM. The caller is answered at once, not when the process is gone.
    function onAbort() {
      child.kill('SIGKILL');
      reject(stopped());
    }
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Console output as text: UTF-8 when it is valid UTF-8 (what we ask PowerShell for), else the
 * console's legacy code page (`fallbackEncoding`, e.g. gbk for code page 936), which is what
 * Windows PowerShell 5.1 writes when it could not be switched. A BOM is dropped either way.
 */
export function decodeConsole(bytes: Buffer, fallbackEncoding: string): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = new TextDecoder(fallbackEncoding).decode(bytes);
  }
  return text.replace(/^\uFEFF/, '');
}
