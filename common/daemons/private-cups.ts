// A private CUPS scheduler for the integration tests and the benchmarks (one fixture for both): its
// own configuration, spool and domain socket in a directory the caller owns — never the system's
// cupsd, no TCP port, no browsing; queues print to file:///dev/null. cupsd must run as root (as CI
// does). The configuration is checked with `cupsd -t` before every start, and a cupsd that refuses it,
// exits or never answers fails with its own words and the tail of the private error_log.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { checkCupsdConfig } from './config-check.js';
import { spawnDaemon, whenReady, type Daemon } from './daemon.js';

const run = promisify(execFile);

/** The absolute path of a program, or an error naming the Debian package to install. */
export function need(command: string, pkg: string): string {
  for (const dir of ['/usr/sbin', '/usr/bin', '/sbin', '/bin']) if (existsSync(join(dir, command))) return join(dir, command);
  throw new Error(`${command} is missing: install the Debian package ${pkg} (apt-get install -y --no-install-recommends ${pkg})`);
}

export const cupsBins = () => ({
  cupsd: need('cupsd', 'cups-daemon'),
  lpadmin: need('lpadmin', 'cups-client'),
  lp: need('lp', 'cups-client'),
  lpstat: need('lpstat', 'cups-client'),
  cupsdisable: need('cupsdisable', 'cups-client'),
  cupsenable: need('cupsenable', 'cups-client'),
  cancel: need('cancel', 'cups-client'),
});

export interface PrivateCupsOptions {
  /** Extra lines for cupsd.conf / cups-files.conf, after ours (cupsd takes the last value of a directive). */
  cupsdConf?: string[];
  cupsFilesConf?: string[];
  /** How long `start()` waits for the scheduler to answer (default 20 s). */
  readyTimeoutMs?: number;
}

export interface PrivateCups {
  /** The scheduler's domain socket: the agent's `printers.settings.server`. */
  socket: string;
  /** The private directory (configuration, spool, logs). */
  dir: string;
  /** The private error log, whose tail goes into every failure message. */
  errorLog: string;
  bins: ReturnType<typeof cupsBins>;
  /** Runs a CUPS client command (a path from `bins`) against this scheduler. */
  cups(cmd: string, ...args: string[]): Promise<{ stdout: string; stderr: string }>;
  /** Adds an enabled queue printing to file:///dev/null. */
  addQueue(queue: string): Promise<void>;
  /** Stops a queue with a reason (`cupsdisable -r`): the queue's printer-state-message. */
  disable(queue: string, reason?: string): Promise<void>;
  /** Starts a stopped queue again (`cupsenable`). */
  enable(queue: string): Promise<void>;
  /** Checks the configuration (`cupsd -t`), starts cupsd and waits until it answers on its socket. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const SUBDIRS = { ServerRoot: 'root', RequestRoot: 'spool', CacheDir: 'cache', StateDir: 'state', TempDir: 'tmp' } as const;

export function cupsdConf(socket: string): string[] {
  return [
    'LogLevel warn',
    `Listen ${socket}`,
    'Browsing No',
    'BrowseLocalProtocols none',
    'DefaultAuthType None',
    'WebInterface No',
    '<Location />',
    '  Order allow,deny',
    '  Allow all',
    '</Location>',
    '<Policy default>',
    '  <Limit All>',
    '    Order deny,allow',
    '  </Limit>',
    '</Policy>',
  ];
}

export function cupsFilesConf(dir: string): string[] {
  return [
    ...Object.entries(SUBDIRS).map(([directive, sub]) => `${directive} ${join(dir, sub)}`),
    `ErrorLog ${join(dir, 'log/error_log')}`,
    `AccessLog ${join(dir, 'log/access_log')}`,
    `PageLog ${join(dir, 'log/page_log')}`,
    'FileDevice Yes',
    // A printcap of its own: without the line cupsd writes the machine's /etc/printcap, and a bare
    // `Printcap` (which used to mean "none") is refused since Debian's cups 2.4.2-3+deb12u11.
    `Printcap ${join(dir, 'state/printcap')}`,
    'User lp',
    'Group lp',
    'SystemGroup root',
  ];
}

export async function createPrivateCups(dir: string, opts: PrivateCupsOptions = {}): Promise<PrivateCups> {
  const bins = cupsBins();
  const socket = join(dir, 'cups.sock');
  const errorLog = join(dir, 'log/error_log');
  const confFile = join(dir, 'cupsd.conf');
  const filesFile = join(dir, 'cups-files.conf');
  for (const d of [...Object.values(SUBDIRS), 'log']) await mkdir(join(dir, d), { recursive: true });
  await chmod(join(dir, 'tmp'), 0o1777);
  await chmod(join(dir, 'spool'), 0o1777);
  await writeFile(confFile, [...cupsdConf(socket), ...(opts.cupsdConf ?? []), ''].join('\n'));
  await writeFile(filesFile, [...cupsFilesConf(dir), ...(opts.cupsFilesConf ?? []), ''].join('\n'));
  const cups: PrivateCups['cups'] = (cmd, ...args) => run(cmd, args, { env: { ...process.env, CUPS_SERVER: socket }, timeout: 15_000, killSignal: 'SIGKILL' });
  let daemon: Daemon | undefined;
  const self: PrivateCups = {
    socket,
    dir,
    errorLog,
    bins,
    cups,
    async addQueue(queue) {
      await cups(bins.lpadmin, '-p', queue, '-E', '-v', 'file:///dev/null');
    },
    async disable(queue, reason) {
      await cups(bins.cupsdisable, ...(reason === undefined ? [] : ['-r', reason]), queue);
    },
    async enable(queue) {
      await cups(bins.cupsenable, queue);
    },
    async start() {
      if (daemon && daemon.exit() === undefined) throw new Error(`the private cupsd in ${dir} is already running (pid ${daemon.pid})`);
      await checkCupsdConfig(confFile, filesFile);
      const d = spawnDaemon(bins.cupsd, ['-f', '-c', confFile, '-s', filesFile], { name: 'cupsd' });
      daemon = d;
      try {
        await whenReady(d, `the scheduler to answer on ${socket} (lpstat -r)`, async () => ((await cups(bins.lpstat, '-r')).stdout.includes('scheduler is running') ? true : undefined), {
          timeoutMs: opts.readyTimeoutMs ?? 20_000,
          everyMs: 250,
          logFiles: [errorLog],
          hint: 'cupsd must run as root, as CI does',
        });
      } catch (e) {
        await d.stop();
        throw e;
      }
    },
    async stop() {
      await daemon?.stop();
      daemon = undefined;
    },
  };
  return self;
}
