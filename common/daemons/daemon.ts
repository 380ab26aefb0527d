// The real daemons the integration tests and the benchmarks start (cupsd, snmpd, Prometheus,
// Alertmanager …): spawned with their output kept, and waited on so that one that exits or never
// answers fails at once in its own words — exit code, the tail of what it printed and of its log
// files — not with a bare "timed out" a minute later (a distribution update that made cupsd refuse
// our configuration looked exactly like that).
import { spawn, type ChildProcess } from 'node:child_process';
import { open } from 'node:fs/promises';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Daemon {
  /** What messages call it: "cupsd", "Prometheus" … */
  name: string;
  child: ChildProcess;
  pid: number;
  /** Everything it wrote to stdout and stderr, interleaved (the newest 1–2 MB). */
  output(): string;
  /** The exit, once it happened; undefined while it runs. */
  exit(): Exit | undefined;
  /** Settles when it has exited and its stdout/stderr are read to the end (or 1 s after the exit). */
  exited: Promise<Exit>;
  /** SIGTERM (or `signal`), SIGKILL after the grace period; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const OUTPUT_LIMIT = 2_000_000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function spawnDaemon(cmd: string, args: string[], opts: { name?: string; env?: NodeJS.ProcessEnv; cwd?: string; killAfterMs?: number } = {}): Daemon {
  const name = opts.name ?? cmd.slice(cmd.lastIndexOf('/') + 1);
  const child = spawn(cmd, args, { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'], ...(opts.cwd ? { cwd: opts.cwd } : {}) });
  let spawnError: Error | undefined;
  child.once('error', (e) => (spawnError = e));
  if (child.pid === undefined) throw new Error(`could not start ${name} (${cmd}): not found or not executable`);
  let out = '';
  const keep = (b: Buffer) => {
    out += b.toString();
    if (out.length > OUTPUT_LIMIT) out = out.slice(-OUTPUT_LIMIT / 2); // a chatty process must not eat the runner's memory
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exit: Exit | undefined;
  const exited = new Promise<Exit>((resolve) => {
    const closed = new Promise<void>((r) => child.once('close', () => r()));
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      // A grandchild that inherited stdout can hold the pipe open: do not wait for it forever.
      void Promise.race([closed, sleep(1000)]).then(() => resolve(exit!));
    });
  });
  return {
    name,
    child,
    pid: child.pid,
    output: () => (spawnError ? `${out}\n(spawn error: ${spawnError.message})` : out),
    exit: () => exit,
    exited,
    async stop(signal = 'SIGTERM') {
      if (exit === undefined) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs ?? 5000);
      const { code } = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** The last `lines` lines of a text. */
export function tail(text: string, lines = 40): string {
  const all = text.trimEnd().split('\n');
  return (all.length > lines ? [`… (${all.length - lines} earlier lines)`, ...all.slice(-lines)] : all).join('\n');
}

/** The last `lines` lines of a file (its last 64 KiB at most), or why there are none. */
export async function fileTail(path: string, lines = 40): Promise<string> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    return `(cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
  }
  try {
    const { size } = await fh.stat();
    const length = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(length);
    await fh.read(buf, 0, length, size - length);
    const text = buf.toString();
    return text.trim() === '' ? `(${path} is empty)` : tail(text, lines);
  } finally {
    await fh.close();
  }
}

const describeExit = (e: Exit) => (e.signal ? `on signal ${e.signal}` : `with code ${e.code}`);

/** What a daemon said: the tail of its output and of each log file. */
export async function whatItSaid(d: Daemon, logFiles: string[] = []): Promise<string> {
  const parts = [`${d.name}'s output (stdout and stderr):\n${d.output().trim() === '' ? '(nothing)' : tail(d.output())}`];
  for (const f of logFiles) parts.push(`${f}:\n${await fileTail(f)}`);
  return parts.join('\n');
}

export interface ReadyOptions {
  timeoutMs?: number;
  everyMs?: number;
  /** Log files whose tails go into the failure message (cupsd's error_log …). */
  logFiles?: string[];
  /** A last line for the failure message (e.g. "cupsd must run as root"). */
  hint?: string;
}

/**
 * Polls `check` until it returns a value (not undefined) — racing the daemon's exit: if it exits first
 * this fails at once with its exit code and what it said; if the deadline passes, with what it said so
 * far. Every failure names what was awaited.
 */
export async function whenReady<T>(d: Daemon, what: string, check: () => Promise<T | undefined>, opts: ReadyOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const everyMs = opts.everyMs ?? 200;
  const deadline = Date.now() + timeoutMs;
  const hint = opts.hint ? `\n(${opts.hint})` : '';
  const EXITED = Symbol('exited');
  const exitedFirst = d.exited.then(() => EXITED);
  let lastError: unknown;
  for (;;) {
    if (d.exit() !== undefined) break;
    try {
      // A check that hangs (a request to a half-started daemon) must not outlive the deadline.
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), Math.max(0, deadline - Date.now()))));
      const v = await Promise.race([check(), exitedFirst, late]).finally(() => clearTimeout(timer));
      if (v === EXITED) break;
      if (v !== undefined) return v as T;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) {
      const last = lastError ? `; last error: ${(lastError as Error).message}` : '';
      throw new Error(`${d.name} did not become ready within ${timeoutMs} ms (waiting for ${what}${last}); it is still running as pid ${d.pid}.\n${await whatItSaid(d, opts.logFiles)}${hint}`);
    }
    await Promise.race([sleep(everyMs), exitedFirst]);
  }
  const exit = await d.exited;
  throw new Error(`${d.name} exited ${describeExit(exit)} before it was ready (waiting for ${what}).\n${await whatItSaid(d, opts.logFiles)}${hint}`);
}
