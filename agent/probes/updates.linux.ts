// Pending updates on Linux: apt's simulated upgrade (no lock taken, no list refreshed), else dnf's
// cache. Neither contacts a repository; the lists' age is exported as the check time.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CommandNotFound, stderrText } from './posture-command.js';
import type { Answer, Snapshot, UpdatesPart } from './updates.js';
import { parseAptSimulate, parseDnf } from './updates-parse.js';

async function newestMtime(paths: string[]): Promise<number | undefined> {
  let newest: number | undefined;
  for (const p of paths) {
    const t = await stat(p).then((s) => s.mtimeMs / 1000, () => undefined);
    if (t !== undefined && (newest === undefined || t > newest)) newest = t;
  }
  return newest;
}

/** When apt last downloaded its lists: the newest Release file, or the periodic job's success stamp. */
export async function aptListsTime(listsDir: string): Promise<number | undefined> {
  const names = await readdir(listsDir).catch(() => [] as string[]);
  const releases = names.filter((n) => /_(In)?Release$/.test(n)).map((n) => join(listsDir, n));
  return newestMtime([...releases, join(listsDir, '..', 'periodic', 'update-success-stamp')]);
}

/**
 * What apt's simulated upgrade depends on: the installed packages, the package lists and apt's
 * configuration. While none of them changed, its answer cannot have changed either (BENCHMARKS.md:
 * one `apt-get -s upgrade` costs seconds of CPU, the agent's largest cost by far).
 */
export async function aptStateStamp(listsDir: string): Promise<string> {
  const paths = ['/var/lib/dpkg/status', '/var/cache/apt/pkgcache.bin', listsDir, '/etc/apt', '/etc/apt/sources.list', '/etc/apt/sources.list.d', '/etc/apt/preferences.d', '/etc/apt/apt.conf.d'];
  const parts = await Promise.all(paths.map((p) => stat(p).then((s) => `${s.mtimeMs}:${s.size}`, () => '-')));
  return `${parts.join('|')}|${(await aptListsTime(listsDir)) ?? '-'}`;
}

export const updates: UpdatesPart = {
  create({ run, listsDir }) {
    let lastApt: { stamp: string; answer: Snapshot } | undefined;

    async function apt(signal: AbortSignal): Promise<Answer | undefined> {
      const stamp = await aptStateStamp(listsDir);
      if (lastApt?.stamp === stamp) return lastApt.answer;
      let res;
      try {
        // NoLocking: a simulation must never wait for, or get in the way of, a real apt run.
        res = await run('apt-get', ['-s', '-o', 'Debug::NoLocking=true', 'upgrade'], signal);
      } catch (err) {
        if (err instanceof CommandNotFound) return undefined;
        throw err;
      }
      if (res.code !== 0) throw new Error(`apt-get -s upgrade exited with ${res.code ?? 'a signal'}: ${stderrText(res)}`);
      const checked = await aptListsTime(listsDir);
      const answer: Snapshot = { pending: parseAptSimulate(res.stdout.toString('utf8')), ...(checked !== undefined ? { checked } : {}) };
      lastApt = { stamp, answer };
      return answer;
    }

    async function dnf(signal: AbortSignal): Promise<Answer | undefined> {
      let check;
      try {
        check = await run('dnf', ['-C', '-q', 'check-update'], signal);
      } catch (err) {
        if (err instanceof CommandNotFound) return undefined;
        throw err;
      }
      // 100: updates available, 0: none, anything else: no usable cache (or a broken dnf).
      if (check.code !== 0 && check.code !== 100) return { unavailable: `dnf has no usable metadata cache yet (${stderrText(check, 120)})` };
      const sec = await run('dnf', ['-C', '-q', 'updateinfo', 'list', '--security'], signal);
      if (sec.code !== 0) throw new Error(`dnf updateinfo exited with ${sec.code ?? 'a signal'}: ${stderrText(sec)}`);
      const checked = await newestMtime(['/var/cache/dnf/last_makecache', '/var/cache/libdnf5/last_makecache']);
      return { pending: parseDnf(check.stdout.toString('utf8'), sec.stdout.toString('utf8')), ...(checked !== undefined ? { checked } : {}) };
    }

    return async (signal) => (await apt(signal)) ?? (await dnf(signal)) ?? { unavailable: 'no supported package manager (apt, dnf)' };
  },
};
