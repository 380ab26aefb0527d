// A private CUPS scheduler (as test/integration/fixtures/cups.ts makes one): its own configuration,
// spool and domain socket in the scope's temporary directory — never the system's cupsd, no TCP
// port, no browsing; queues print to file:///dev/null. cupsd must run as root.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor, type Scope } from './processes.js';

const run = promisify(execFile);

function need(command: string, pkg: string): string {
  for (const dir of ['/usr/sbin', '/usr/bin', '/sbin', '/bin']) if (existsSync(join(dir, command))) return join(dir, command);
  throw new Error(`${command} is missing: install the Debian package ${pkg} (apt-get install -y --no-install-recommends ${pkg})`);
}

export interface PrivateCups {
  /** The scheduler's domain socket: the agent's `printers.settings.server`. */
  socket: string;
  /** Runs a CUPS client program (lpadmin, cupsdisable …) against this scheduler. */
  cups(program: 'lpadmin' | 'cupsdisable' | 'cupsenable' | 'lpstat', ...args: string[]): Promise<string>;
}

export async function startPrivateCups(scope: Scope): Promise<PrivateCups> {
  const cupsd = need('cupsd', 'cups');
  const bins = { lpadmin: need('lpadmin', 'cups-client'), cupsdisable: need('cupsdisable', 'cups-client'), cupsenable: need('cupsenable', 'cups-client'), lpstat: need('lpstat', 'cups-client') };
  const dir = await scope.tempDir('cups');
  const socket = join(dir, 'cups.sock');
  for (const d of ['root', 'spool', 'cache', 'state', 'log', 'tmp']) await mkdir(join(dir, d), { recursive: true });
  await chmod(join(dir, 'tmp'), 0o1777);
  await chmod(join(dir, 'spool'), 0o1777);
  await writeFile(join(dir, 'cupsd.conf'), `LogLevel warn\nListen ${socket}\nBrowsing No\nBrowseLocalProtocols none\nDefaultAuthType None\nWebInterface No\n<Location />\n  Order allow,deny\n  Allow all\n</Location>\n<Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n`);
  await writeFile(
    join(dir, 'cups-files.conf'),
    ['root', 'spool', 'cache', 'state', 'tmp'].map((d, i) => `${['ServerRoot', 'RequestRoot', 'CacheDir', 'StateDir', 'TempDir'][i]} ${join(dir, d)}`).join('\n') +
      `\nErrorLog ${join(dir, 'log/error_log')}\nAccessLog ${join(dir, 'log/access_log')}\nPageLog ${join(dir, 'log/page_log')}\nFileDevice Yes\nPrintcap\nUser lp\nGroup lp\nSystemGroup root\n`,
  );
  const cups: PrivateCups['cups'] = async (program, ...args) => (await run(bins[program], args, { env: { ...process.env, CUPS_SERVER: socket }, timeout: 15_000 })).stdout;
  const proc = scope.start(cupsd, ['-f', '-c', join(dir, 'cupsd.conf'), '-s', join(dir, 'cups-files.conf')]);
  await waitFor('cupsd to answer on its socket', async () => ((await cups('lpstat', '-r')).includes('scheduler is running') ? true : undefined)).catch((e: Error) => {
    throw new Error(`${e.message}\ncupsd said:\n${proc.output()}\n(cupsd must run as root)`);
  });
  return { socket, cups };
}
