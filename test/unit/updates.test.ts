// The updates probe: apt's simulated upgrade parsed from recorded and synthesised outputs and from the
// real apt-get on this machine (cross-checked against `apt list --upgradable`, a different apt front
// end over the same local state); dnf and Windows Update from fixtures; and the "pending since"
// memory across restarts.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger.js';
import type { CommandRunner } from '../../agent/probes/posture-command.js';
import type { ProbeSetup, Reading } from '../../agent/probes/probe.js';
import { parseAptSimulate, parseDnf, parseWindowsUpdates, trackFirstSeen } from '../../agent/probes/updates-parse.js';
import { createUpdates } from '../../agent/probes/updates.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const text = (name: string) => readFileSync(`${fixtures}${name}`, 'utf8');
const ctx = { signal: new AbortController().signal };
const made: string[] = [];
/** A temp directory removed after the file's tests. */
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
};
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function setup(stateDir: string, wallMs: () => number, platform: NodeJS.Platform = 'linux'): ProbeSetup {
  const clock = { wallMs, monoMs: () => 0, bootMs: async () => undefined };
  return { log: silentLogger, clock, platform, stateDir, procRoot: '/proc', sysRoot: '/sys', settings: { aptListsDir: '/var/lib/apt/lists' }, collectorUrl: 'http://127.0.0.1:9847' };
}

function values(readings: Reading[]): Record<string, number | string> {
  return Object.fromEntries(readings.map((r) => [r.metric.name, r.kind === 'sample' ? r.value : `unavailable: ${r.reason}`]));
}

describe('apt-get -s upgrade', () => {
  it('counts upgrades and security upgrades in Debian 12\'s real output', () => {
    const pending = parseAptSimulate(text('apt/debian12-upgrade.txt'));
    expect(pending).toHaveLength(127);
    expect(pending.filter((u) => u.security)).toHaveLength(80);
    expect(pending.find((u) => u.id === 'libgcrypt20')).toEqual({ id: 'libgcrypt20', security: true }); // oldstable, oldstable-security
    expect(pending.find((u) => u.id === 'bash')).toEqual({ id: 'bash', security: false });
  });

  it('reads Ubuntu pockets, ignores "security" in a package name, and counts kept-back packages as pending', () => {
    const pending = parseAptSimulate(text('apt/ubuntu2204-upgrade.txt'));
    expect(pending.filter((u) => u.security).map((u) => u.id).sort()).toEqual(['curl', 'git', 'libcurl4']);
    expect(pending.map((u) => u.id).sort()).toEqual(['curl', 'git', 'libcurl4', 'libsecurity-utils1', 'linux-generic', 'linux-headers-generic', 'linux-image-generic', 'tzdata']);
    expect(parseAptSimulate(text('apt/debian12-nothing.txt'))).toEqual([]);
  });

  it('agrees with apt list --upgradable on this machine, through the probe and the real apt-get', async () => {
    const apt = spawnSync('apt', ['list', '--upgradable'], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
    if (apt.error) throw new Error('apt is not installed: this test needs a Debian/Ubuntu machine (apt)');
    const listed = apt.stdout.split('\n').filter((l) => l.includes('[upgradable from:'));
    const names = listed.map((l) => l.slice(0, l.indexOf('/')));
    const raw = spawnSync('apt-get', ['-s', '-o', 'Debug::NoLocking=true', 'upgrade'], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } }).stdout;
    const keptBack = new Set(/kept back:\n((?: {2}.*\n)+)/.exec(raw)?.[1]?.trim().split(/\s+/) ?? []);
    const security = listed.filter((l) => /\/\S*-security[,\s]/.test(l)).map((l) => l.slice(0, l.indexOf('/'))).filter((n) => !keptBack.has(n));

    const state = tempDir('sw-updates-');
    const got = values(await createUpdates(setup(state, () => Date.now())).collect(ctx));
    expect(got.stationwatch_os_updates_pending).toBe(names.length);
    expect(got.stationwatch_os_security_updates_pending).toBe(security.length);
    expect(typeof got.stationwatch_os_updates_checked_timestamp_seconds).toBe('number');
    if (security.length > 0) expect(got.stationwatch_os_security_updates_pending_since_timestamp_seconds).toBeCloseTo(Date.now() / 1000, -1);
  }, 60_000); // apt reads its whole package cache three times here
});

describe('dnf and Windows Update', () => {
  it('matches dnf security advisories to check-update lines by name and arch', () => {
    expect(parseDnf(text('dnf/check-update.txt'), text('dnf/updateinfo-security.txt'))).toEqual([
      { id: 'bash.x86_64', security: false },
      { id: 'curl.x86_64', security: true },
      { id: 'libcurl.x86_64', security: true },
      { id: 'openssl-libs.x86_64', security: true },
      { id: 'tzdata.noarch', security: false },
    ]);
  });

  it('reads the Windows Update Agent answer', () => {
    const got = parseWindowsUpdates(text('windows-updates/pending-with-security.json'));
    expect(got.pending.filter((u) => u.security)).toHaveLength(2);
    expect(got.lastSearch).toBe(1699920000);
    expect(parseWindowsUpdates(text('windows-updates/none-never-searched.json'))).toEqual({ pending: [] });
    expect(() => parseWindowsUpdates('Exception from HRESULT: 0x8024402C')).toThrow(/not JSON/);
  });
});

describe('how long security updates have been pending', () => {
  it('keeps first-seen times of updates still pending and forgets installed ones', () => {
    const a = trackFirstSeen({}, [{ id: 'openssl', security: true }, { id: 'tzdata', security: false }], 100);
    expect(a).toEqual({ openssl: 100 });
    expect(trackFirstSeen(a, [{ id: 'openssl', security: true }, { id: 'curl', security: true }], 200)).toEqual({ openssl: 100, curl: 200 });
    expect(trackFirstSeen(a, [], 300)).toEqual({});
  });

  it('survives an agent restart and clears when the updates are installed', async () => {
    const state = tempDir('sw-updates-');
    let now = 1_700_000_000_000;
    let answer = 'windows-updates/pending-with-security.json';
    const run: CommandRunner = async () => ({ stdout: readFileSync(`${fixtures}${answer}`), stderr: Buffer.alloc(0), code: 0 });
    expect(values(await createUpdates(setup(state, () => now, 'win32'), run).collect(ctx))).toEqual({
      stationwatch_os_updates_pending: 3,
      stationwatch_os_security_updates_pending: 2,
      stationwatch_os_security_updates_pending_since_timestamp_seconds: 1_700_000_000,
      stationwatch_os_updates_checked_timestamp_seconds: 1699920000,
    });
    now += 86_400_000;
    const restarted = createUpdates(setup(state, () => now, 'win32'), run);
    expect(values(await restarted.collect(ctx)).stationwatch_os_security_updates_pending_since_timestamp_seconds).toBe(1_700_000_000);
    answer = 'windows-updates/none-never-searched.json';
    expect(values(await restarted.collect(ctx))).toEqual({
      stationwatch_os_updates_pending: 0,
      stationwatch_os_security_updates_pending: 0,
      stationwatch_os_updates_checked_timestamp_seconds: 'unavailable: the OS keeps no record of when it last looked for updates',
    });
  });
});
