// The one way the agent runs an external command to completion: no shell, output kept as bytes (a
// Chinese Windows console writes GBK, not UTF-8) and capped, "not installed" told apart from "failed",
// and a real deadline. The deadline is an explicit timer, not AbortSignal.timeout() combined through
// AbortSignal.any(): on Node 20 such a combined signal stopped firing once garbage collection ran (a
// 2 s limit on `sleep 6` ended after 6 s). At the deadline, or when the caller's signal aborts, the
// command and its process group are killed (children.ts) and the caller is answered at once.
import type { ChildProcess } from 'node:child_process';
import { killTree, spawnTracked, wasKilled } from './children.js';

const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;

export interface CommandResult {
  stdout: Buffer;
  stderr: Buffer;
  /** Exit code; undefined when killed by a signal. */
  code: number | undefined;
}

export interface RunOptions {
  /** The deadline: the command and its process tree are killed this long after the start. */
  timeoutMs: number;
  /** The caller's own reason to stop (the probe timed out, the agent is stopping). */
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  maxOutputBytes?: number;
  /** SIGTERM→SIGKILL grace for the process group; 0 for a tool known to ignore SIGTERM. */
  killGraceMs?: number;
}

export class CommandNotFound extends Error {
  constructor(readonly command: string) {
    super(`${command} is not installed (not on PATH)`);
  }
}

/** The command ran past its deadline and was killed. */
export class CommandTimedOut extends Error {
  constructor(
    readonly command: string,
    readonly timeoutMs: number,
  ) {
    super(`${command} timed out after ${timeoutMs / 1000} s and was killed`);
  }
}

/** Runs `command` without a shell; resolves with its output whatever the exit code, rejects on deadline or abort. */
export function runCommand(command: string, args: readonly string[], opts: RunOptions): Promise<CommandResult> {
  const { signal, timeoutMs } = opts;
  const stopped = () => new Error(`${command} was stopped: ${describeReason(signal?.reason)}`, { cause: signal?.reason });
  if (signal?.aborted) return Promise.reject(stopped());
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawnTracked(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(opts.env ? { env: opts.env } : {}) });
    } catch (err) {
      reject(new Error(`run ${command}`, { cause: err }));
      return;
    }
    const max = opts.maxOutputBytes ?? MAX_OUTPUT_BYTES;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const kill = () => killTree(child, opts.killGraceMs);
    const collect = (into: Buffer[]) => (b: Buffer) => {
      size += b.length;
      if (size > max) {
        kill();
        finish(() => reject(new Error(`${command} wrote more than ${max} bytes; killed`)));
        return;
      }
      into.push(b);
    };
    child.stdout!.on('data', collect(out));
    child.stderr!.on('data', collect(err));
    const timer = setTimeout(() => {
      kill();
      finish(() => reject(new CommandTimedOut(command, timeoutMs)));
    }, timeoutMs);
    function onAbort() {
      kill();
      finish(() => reject(stopped()));
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (e: NodeJS.ErrnoException) => {
      finish(() => reject(e.code === 'ENOENT' ? new CommandNotFound(command) : new Error(`run ${command}`, { cause: e })));
    });
    child.once('close', (code) => {
      // Killed by someone else's call (the agent stopping): no answer, not an empty one.
      if (wasKilled(child)) return finish(() => reject(new Error(`${command} was killed: the agent is stopping`)));
      finish(() => resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err), code: code ?? undefined }));
    });
  });
}

function describeReason(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  return reason === undefined ? 'aborted' : String(reason);
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
