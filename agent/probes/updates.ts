// updates: pending OS updates and how long security updates have waited ("confirm the software is
// updated to the latest version"). Only the local package state is read — apt's simulated upgrade
// (no lock taken, no list refreshed), dnf's cache, Windows Update's offline search — so the probe
// never contacts a repository. Those answers are only as fresh as the last refresh the OS made
// itself, so that moment is exported too, and a stale one has its own alert.
import { Type } from '@sinclair/typebox';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readJsonFile, writeFileAtomic } from '../../common/atomic-file.js';
import { m } from '../../protocol/metrics.js';
import { CommandNotFound, WindowsConsoleEncoding, commandRunner, consoleEncodingOf, runPowerShell, stderrText, type CommandRunner } from './posture-command.js';

/** apt's simulation and dnf may take over a minute on a slow disk, a Windows Update search too. */
const updatesRunner = commandRunner([], 100_000);
import { sample, unavailable, type ProbeDefinition, type ProbeInstance, type ProbeSetup, type Reading } from './probe.js';
import { parseAptSimulate, parseDnf, parseWindowsUpdates, trackFirstSeen, type PendingUpdate } from './updates-parse.js';

export const STATE_FILE = 'updates.json';

export const UpdatesSettings = Type.Object(
  {
    aptListsDir: Type.String({ minLength: 1, default: '/var/lib/apt/lists', description: 'where apt keeps the downloaded package lists (their age is the check time)' }),
    windowsConsoleEncoding: WindowsConsoleEncoding,
  },
  { additionalProperties: false },
);

export const WINDOWS_UPDATES_SCRIPT = `
$ErrorActionPreference = 'Stop'
$searcher = (New-Object -ComObject Microsoft.Update.Session).CreateUpdateSearcher()
$searcher.Online = $false
$found = $searcher.Search("IsInstalled=0 and IsHidden=0 and Type='Software'")
$securityCategory = '0fa1201d-4330-4fa8-8ae9-b877473b6441'
$updates = @(foreach ($u in $found.Updates) { [pscustomobject]@{ Id = [string]$u.Identity.UpdateID; Security = [bool](@($u.Categories | Where-Object { $_.CategoryID -eq $securityCategory }).Count) } })
$last = $null
try { $d = (New-Object -ComObject Microsoft.Update.AutoUpdate).Results.LastSearchSuccessDate; if ($d) { $last = ([DateTimeOffset][DateTime]::SpecifyKind($d, 'Utc')).ToUnixTimeSeconds() } } catch { }
[pscustomobject]@{ Updates = $updates; LastSearch = $last } | ConvertTo-Json -Depth 3 -Compress
`;

interface Snapshot {
  pending: PendingUpdate[];
  checked?: number;
}

type Answer = Snapshot | { unavailable: string };

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

export function createUpdates(setup: ProbeSetup, run: CommandRunner = updatesRunner): ProbeInstance {
  const listsDir = typeof setup.settings['aptListsDir'] === 'string' ? setup.settings['aptListsDir'] : '/var/lib/apt/lists';
  const stateFile = join(setup.stateDir, STATE_FILE);
  let firstSeen: Record<string, number> | undefined;
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

  async function windows(signal: AbortSignal): Promise<Answer> {
    const res = await runPowerShell(WINDOWS_UPDATES_SCRIPT, { run, signal, consoleEncoding: consoleEncodingOf(setup.settings) });
    if (res.code !== 0) throw new Error(`the Windows Update query exited with ${res.code ?? 'a signal'}: ${res.stderr}`);
    const got = parseWindowsUpdates(res.stdout);
    return { pending: got.pending, ...(got.lastSearch !== undefined ? { checked: got.lastSearch } : {}) };
  }

  async function answer(signal: AbortSignal): Promise<Answer> {
    if (setup.platform === 'win32') return windows(signal);
    if (setup.platform !== 'linux') return { unavailable: `pending updates are not read on ${setup.platform}` };
    return (await apt(signal)) ?? (await dnf(signal)) ?? { unavailable: 'no supported package manager (apt, dnf)' };
  }

  return {
    async collect({ signal }) {
      const got = await answer(signal);
      const all = [m.updatesPending, m.securityUpdatesPending, m.securityUpdatesPendingSince, m.updatesChecked];
      if ('unavailable' in got) return all.map((metric) => unavailable(metric, got.unavailable));
      firstSeen ??= ((await readJsonFile(stateFile)) as { firstSeen?: Record<string, number> } | undefined)?.firstSeen ?? {};
      const next = trackFirstSeen(firstSeen, got.pending, Math.round(setup.clock.wallMs() / 1000));
      if (JSON.stringify(next) !== JSON.stringify(firstSeen)) await writeFileAtomic(stateFile, JSON.stringify({ firstSeen: next }));
      firstSeen = next;
      const out: Reading[] = [sample(m.updatesPending, got.pending.length), sample(m.securityUpdatesPending, got.pending.filter((u) => u.security).length)];
      const since = Object.values(next);
      if (since.length > 0) out.push(sample(m.securityUpdatesPendingSince, Math.min(...since)));
      out.push(got.checked !== undefined ? sample(m.updatesChecked, got.checked) : unavailable(m.updatesChecked, 'the OS keeps no record of when it last looked for updates'));
      return out;
    },
  };
}

export const updatesProbe: ProbeDefinition = {
  name: 'updates',
  interval: 'slow',
  metrics: [m.updatesPending, m.securityUpdatesPending, m.securityUpdatesPendingSince, m.updatesChecked],
  settingsSchema: UpdatesSettings,
  create: (setup) => createUpdates(setup),
};
