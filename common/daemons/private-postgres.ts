// A private PostgreSQL 15 (Debian `postgresql`) for the tests and the benchmarks (one fixture for
// both): a cluster made by initdb in a temporary directory, listening on 127.0.0.1 at a free port and on a socket in that directory, with password
// (SCRAM) authentication over TCP. initdb and postgres refuse to run as root, so they run as the
// `postgres` user (runuser), in a process group of their own (setsid): a deadline or the teardown
// can end the whole tree. stop() ends it and removes the directory, whatever state it is in.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { freePort } from '../wait-for.js';
import { spawnDaemon, whatItSaid, whenReady, type Daemon } from './daemon.js';

const BIN = '/usr/lib/postgresql/15/bin';
const RUNUSER = '/usr/sbin/runuser';
const SETSID = '/usr/bin/setsid';
export const superuser = 'stationwatch';

export interface PrivatePostgres {
  port: number;
  /** The cluster's superuser password (in every URL this fixture gives). */
  password: string;
  /** A connection URL for `database` (created by createDatabase first). */
  url(database: string): string;
  /** Creates an empty database; returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Everything the server printed (for failure messages). */
  output(): string;
  /** Shuts the server down (fast shutdown), keeping the cluster: the database is away, as in a restart or failover. */
  pause(): Promise<void>;
  /** Starts the server again on the same port and data; resolves once it answers. */
  resume(): Promise<void>;
  /** Fast shutdown (SIGKILL after a grace period), then removes the cluster's directory. Safe to call twice. */
  stop(): Promise<void>;
  /** While it runs: the pid of its process group's leader (runuser; the postmaster and its backends descend from it), for CPU and memory figures. */
  processGroup(): number | undefined;
  /** The cluster's directory (data/ in it), for its size on disk. */
  dir: string;
}

export interface PostgresOptions {
  /**
   * Crash-safe settings (fsync, full-page writes: PostgreSQL's defaults) for a benchmark whose
   * figures must hold for a real server. Tests leave it off: a test cluster that a crash may lose
   * needs no fsync, and the suite is faster without it.
   */
  durable?: boolean;
  /** More server settings (`-c name=value`), e.g. shared_buffers. */
  settings?: Record<string, string>;
}

function prerequisites(): { uid: number; gid: number } {
  for (const f of [`${BIN}/initdb`, `${BIN}/postgres`]) {
    if (!existsSync(f)) throw new Error(`${f} not found: the store tests run against a real PostgreSQL 15 — apt-get install -y --no-install-recommends postgresql`);
  }
  for (const f of [RUNUSER, SETSID]) if (!existsSync(f)) throw new Error(`${f} not found: apt-get install -y util-linux`);
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { timeout: 5000, encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error('no "postgres" user on this machine (initdb refuses to run as root): apt-get install -y --no-install-recommends postgresql creates it');
  }
}

/** Runs a command as `postgres` in its own process group, with a deadline that kills the group. */
function asPostgres(cmd: string, args: string[], name: string): Daemon {
  return spawnDaemon(SETSID, [RUNUSER, '-u', 'postgres', '--', cmd, ...args], { name, env: { LC_ALL: 'C', LANG: 'C' } });
}

const killGroup = (d: Daemon, signal: NodeJS.Signals) => {
  try {
    process.kill(-d.pid, signal);
  } catch {
    // The group is gone already.
  }
};

async function within(d: Daemon, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), ms)));
  const outcome = await Promise.race([d.exited, late]).finally(() => clearTimeout(timer));
  if (outcome === 'late') {
    killGroup(d, 'SIGKILL');
    await d.exited;
    throw new Error(`${what} did not finish within ${ms} ms (killed).\n${await whatItSaid(d)}`);
  }
  if (outcome.code !== 0) throw new Error(`${what} failed (exit ${outcome.code ?? outcome.signal}).\n${await whatItSaid(d)}`);
}

export async function startPostgres(opts: PostgresOptions = {}): Promise<PrivatePostgres> {
  const owner = prerequisites();
  const dir = await mkdtemp(join(tmpdir(), 'stationwatch-pg-'));
  const data = join(dir, 'data');
  const sockets = join(dir, 'sockets');
  const password = randomBytes(12).toString('hex');
  let server: Daemon | undefined;
  let stopped = false;
  const shutdown = async () => {
    if (server && server.exit() === undefined) {
      // SIGINT: PostgreSQL's fast shutdown (SIGTERM would wait for every client to leave).
      killGroup(server, 'SIGINT');
      const timer = setTimeout(() => killGroup(server!, 'SIGKILL'), 10_000);
      await server.exited;
      clearTimeout(timer);
    }
  };
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await shutdown();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await mkdir(sockets);
    await writeFile(join(dir, 'pwfile'), `${password}\n`, { mode: 0o600 });
    for (const p of [dir, sockets, join(dir, 'pwfile')]) await chown(p, owner.uid, owner.gid);
    const init = asPostgres(`${BIN}/initdb`, ['-D', data, '-U', superuser, `--pwfile=${join(dir, 'pwfile')}`, '--auth-host=scram-sha-256', '--auth-local=trust', '-E', 'UTF8', '--no-locale', '--no-sync'], 'initdb');
    await within(init, 120_000, 'initdb');
    const port = await freePort();
    const admin = (database = 'postgres') => new pg.Client({ host: '127.0.0.1', port, user: superuser, password, database, connectionTimeoutMillis: 2000 });
    const launch = async () => {
      // Tests: fsync off (see PostgresOptions.durable). Listen on loopback only, socket in the temp dir.
      const settings: Record<string, string> = { ...(opts.durable ? {} : { fsync: 'off', full_page_writes: 'off' }), max_connections: '100', logging_collector: 'off', ...opts.settings };
      const flags = Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
      server = asPostgres(`${BIN}/postgres`, ['-D', data, '-h', '127.0.0.1', '-p', String(port), '-k', sockets, ...flags], 'postgres');
      await whenReady(
        server,
        `connections on 127.0.0.1:${port}`,
        async () => {
          const c = admin();
          try {
            await c.connect();
            await c.query('SELECT 1');
            return true;
          } finally {
            await c.end().catch(() => undefined);
          }
        },
        { timeoutMs: 60_000, everyMs: 200, hint: 'PostgreSQL 15 from Debian: apt-get install -y --no-install-recommends postgresql' },
      );
    };
    await launch();
    const url = (database: string) => `postgres://${superuser}:${password}@127.0.0.1:${port}/${database}`;
    return {
      port,
      password,
      url,
      async createDatabase(name) {
        if (!/^[a-z][a-z0-9_]{0,40}$/.test(name)) throw new Error(`not a test database name: ${name}`);
        const c = admin();
        await c.connect();
        try {
          // Identifiers cannot be parameters; the name is checked above.
          await c.query(`CREATE DATABASE ${name}`);
        } finally {
          await c.end();
        }
        return url(name);
      },
      output: () => server?.output() ?? '',
      pause: shutdown,
      resume: launch,
      stop,
      processGroup: () => (server && server.exit() === undefined ? server.pid : undefined),
      dir,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
