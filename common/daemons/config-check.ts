// Every configuration the tests and benchmarks write for a distribution daemon is checked with the
// daemon's own config test before the daemon starts: a package update that tightens the parser (as
// Debian's CUPS 2.4.2-3+deb12u11 did for a bare `Printcap` line) then fails with the daemon's words
// instead of a daemon that exits before anyone reads its log. snmpd has no test mode: see
// test/integration/fixtures/snmpd.ts, which reads its startup output instead.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs a command in its own process group; at the deadline the whole group gets SIGKILL. */
export function runWithDeadline(cmd: string, args: string[], timeoutMs: number): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`could not run ${cmd}: ${e.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

const show = (text: string) => (text.trim() === '' ? '(empty)' : text.trim());

/**
 * Runs `cmd args` (a daemon's config test); resolves with its output when it exits 0, otherwise
 * throws with its exit status and its own stdout and stderr (some put the verdict on one and the
 * reason on the other: cupsd -t).
 */
export async function checkConfig(daemon: string, cmd: string, args: string[], opts: { pkg: string; timeoutMs?: number }): Promise<string> {
  if (!existsSync(cmd)) throw new Error(`${cmd} is missing, so the ${daemon} configuration cannot be checked: install the Debian package ${opts.pkg} (apt-get install -y --no-install-recommends ${opts.pkg})`);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const r = await runWithDeadline(cmd, args, timeoutMs);
  const command = [cmd, ...args].join(' ');
  if (r.timedOut) throw new Error(`${daemon}'s config test \`${command}\` did not finish within ${timeoutMs} ms and was killed.\nstdout:\n${show(r.stdout)}\nstderr:\n${show(r.stderr)}`);
  if (r.code !== 0) throw new Error(`${daemon} refuses the configuration: \`${command}\` exited ${r.signal ? `on signal ${r.signal}` : `with code ${r.code}`}.\nstdout:\n${show(r.stdout)}\nstderr:\n${show(r.stderr)}`);
  return `${r.stdout}${r.stderr}`;
}

export const CUPSD = '/usr/sbin/cupsd';
export const PROMTOOL = '/usr/bin/promtool';
export const AMTOOL = '/usr/bin/amtool';

/** `cupsd -t`: both files, as cupsd itself would read them. */
export const checkCupsdConfig = (cupsdConf: string, cupsFilesConf: string) => checkConfig('cupsd', CUPSD, ['-t', '-c', cupsdConf, '-s', cupsFilesConf], { pkg: 'cups-daemon' });

/** `promtool check config`: the file and the rule files it names. */
export const checkPrometheusConfig = (file: string) => checkConfig('Prometheus', PROMTOOL, ['check', 'config', file], { pkg: 'prometheus' });

/** `amtool check-config`: the file and the templates it names. */
export const checkAlertmanagerConfig = (file: string) => checkConfig('Alertmanager', AMTOOL, ['check-config', file], { pkg: 'prometheus-alertmanager' });

/**
 * Writes `text` to `file` only if `check` accepts it. The candidate is checked beside `file` (relative
 * rule and template paths resolve alike) and renamed over it, so a refused configuration leaves the
 * file the running daemon reads untouched.
 */
export async function writeChecked(file: string, text: string, check: (candidate: string) => Promise<string>): Promise<void> {
  const candidate = join(dirname(file), `candidate.${basename(file)}`);
  await writeFile(candidate, text);
  try {
    await check(candidate);
  } catch (e) {
    await rm(candidate, { force: true });
    throw e;
  }
  await rename(candidate, file);
}
