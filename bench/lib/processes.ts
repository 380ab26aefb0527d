// Child processes for the benchmarks: started (optionally pinned to one CPU core with taskset, so
// "on one core" means one core), waited for, and always stopped — a Scope stops everything it
// started and removes its temporary directories, also when a benchmark fails.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor as pollUntil } from '../../common/wait-for.js';

/** The repository root (bench/ is compiled to dist/bench/, so two or three levels up). */
export const repoRoot = fileURLToPath(new URL(existsSync(fileURLToPath(new URL('../../../package.json', import.meta.url))) ? '../../../' : '../../', import.meta.url));
export const cliPath = join(repoRoot, 'dist', 'cli', 'stationwatch.js');
export const benchDist = join(repoRoot, 'dist', 'bench');

export interface Proc {
  child: ChildProcess;
  pid: number;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function requireBinary(path: string, pkg: string, why: string): void {
  if (!existsSync(path)) throw new Error(`${path} not found: ${why} — install it with: apt-get install -y --no-install-recommends ${pkg}`);
}

export { freePort };

/** Polls until `check` returns a value (not undefined) or the deadline passes; says what it waited for. */
export function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 200): Promise<T> {
  return pollUntil(what, check, timeoutMs, everyMs);
}

export async function httpOk(url: string): Promise<true | undefined> {
  const res = await fetch(url);
  await res.arrayBuffer();
  return res.ok ? true : undefined;
}

/** Everything one benchmark started; `close()` stops the processes (newest first) and removes the directories. */
export class Scope {
  private readonly procs: Proc[] = [];
  private readonly dirs: string[] = [];
  private readonly closers: Array<() => Promise<void> | void> = [];

  async tempDir(prefix: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), `sw-bench-${prefix}-`));
    this.dirs.push(dir);
    return dir;
  }

  /** `core`: pin the process (and all its threads) to that CPU with taskset. */
  start(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; core?: number; cwd?: string } = {}): Proc {
    const [file, argv] = opts.core === undefined ? [cmd, args] : ['taskset', ['-c', String(opts.core), cmd, ...args]];
    const child = spawn(file, argv, { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'], ...(opts.cwd ? { cwd: opts.cwd } : {}) });
    let out = '';
    const keep = (b: Buffer) => {
      out += b.toString();
      if (out.length > 2_000_000) out = out.slice(-1_000_000); // a chatty process must not eat the runner's memory
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
    const proc: Proc = {
      child,
      pid: child.pid, // taskset execs the command in place: the pid is the command's
      output: () => out,
      async stop(signal = 'SIGTERM') {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      },
    };
    this.procs.push(proc);
    return proc;
  }

  startNode(script: string, args: string[], opts: { env?: NodeJS.ProcessEnv; core?: number; nodeArgs?: string[] } = {}): Proc {
    return this.start(process.execPath, [...(opts.nodeArgs ?? []), script, ...args], opts);
  }

  onClose(fn: () => Promise<void> | void): void {
    this.closers.push(fn);
  }

  async close(): Promise<void> {
    for (const fn of this.closers.reverse()) await Promise.resolve(fn()).catch(() => undefined);
    await Promise.all(this.procs.reverse().map((p) => p.stop().catch(() => undefined)));
    for (const d of this.dirs) await rm(d, { recursive: true, force: true });
  }
}

/** Runs `fn` with a fresh Scope and always closes it. */
export async function withScope<T>(fn: (scope: Scope) => Promise<T>): Promise<T> {
  const scope = new Scope();
  try {
    return await fn(scope);
  } finally {
    await scope.close();
  }
}
