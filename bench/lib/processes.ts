// Child processes for the benchmarks: started (optionally pinned to one CPU core with taskset, so
// "on one core" means one core), waited for, and always stopped — a Scope stops everything it
// started and removes its temporary directories, also when a benchmark fails.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnDaemon, type Daemon } from '../../common/daemons/daemon.js';
import { freePort, waitFor as pollUntil } from '../../common/wait-for.js';

/** The repository root (bench/ is compiled to dist/bench/, so two or three levels up). */
export const repoRoot = fileURLToPath(new URL(existsSync(fileURLToPath(new URL('../../../package.json', import.meta.url))) ? '../../../' : '../../', import.meta.url));
export const cliPath = join(repoRoot, 'dist', 'cli', 'stationwatch.js');
export const benchDist = join(repoRoot, 'dist', 'bench');

/** A started process: output kept, exit observable (common/daemons/daemon.ts, shared with the tests). */
export type Proc = Daemon;

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
    // taskset execs the command in place: the pid is the command's.
    const proc = spawnDaemon(file, argv, { name: basename(cmd), killAfterMs: 10_000, ...(opts.env ? { env: opts.env } : {}), ...(opts.cwd ? { cwd: opts.cwd } : {}) });
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

// A benchmark stopped with Ctrl+C or SIGTERM must not leave its collectors, load generators and
// daemons running (they would skew every later measurement on the machine): open scopes are closed
// before the runner exits.
const open = new Set<Scope>();
let handlersInstalled = false;
function closeOnSignals(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      console.error(`[bench] ${signal}: stopping what the benchmarks started`);
      void Promise.all([...open].map((s) => s.close().catch(() => undefined))).finally(() => process.exit(code));
    });
  }
}

/** Runs `fn` with a fresh Scope and always closes it. */
export async function withScope<T>(fn: (scope: Scope) => Promise<T>): Promise<T> {
  closeOnSignals();
  const scope = new Scope();
  open.add(scope);
  try {
    return await fn(scope);
  } finally {
    open.delete(scope);
    await scope.close();
  }
}
