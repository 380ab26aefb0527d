// The logins probe: failures appended to a real auth log file and to real journal files (written by
// systemd-journal-remote, read by the real journalctl) are counted once each — across log rotation,
// a file cut in place, a half-written line and an agent restart. Windows answers are fixtures.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger.js';
import { isFailedLogin, parseJournalLine, parseWindowsLogonFailures, syslogTime } from '../../agent/probes/logins-parse.js';
import { validRecordId, createLogins, STATE_FILE } from '../../agent/probes/logins.js';
import type { CommandRunner } from '../../agent/probes/posture-command.js';
import type { ProbeSetup, Reading } from '../../agent/probes/probe.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const ctx = { signal: new AbortController().signal };
const made: string[] = [];
/** A temp directory removed after the file's tests. */
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
};
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const NOW = Date.parse('2023-11-15T10:00:00Z');

function setup(stateDir: string, settings: Record<string, unknown>, platform: NodeJS.Platform = 'linux'): ProbeSetup {
  const clock = { wallMs: () => NOW, monoMs: () => 0, bootMs: async () => undefined };
  return { log: silentLogger, clock, platform, stateDir, procRoot: '/proc', sysRoot: '/sys', settings, collectorUrl: 'http://127.0.0.1:9847' };
}

function values(readings: Reading[]): Record<string, number | string> {
  return Object.fromEntries(readings.map((r) => [r.metric.name, r.kind === 'sample' ? r.value : `unavailable: ${r.reason}`]));
}

const failure = (n: number, service = 'sshd') => `2023-11-15T09:0${n % 10}:00.123456+00:00 ws1 ${service}[${1000 + n}]: pam_unix(${service}:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=10.0.0.${n}  user=bob\n`;
const noise = 'Nov 15 09:01:02 ws1 sshd[999]: Failed password for bob from 10.0.0.9 port 50122 ssh2\nNov 15 09:01:03 ws1 sudo: pam_unix(sudo:auth): authentication failure; logname=bob uid=1000 euid=0 tty=/dev/pts/0 ruser=bob rhost=  user=bob\n';

describe('what counts as a failed login', () => {
  it('counts one pam_unix failure per attempt of a login service, not sudo/su or sshd\'s own echo', () => {
    expect(isFailedLogin('pam_unix(login:auth): authentication failure; logname=LOGIN uid=0 euid=0 tty=/dev/tty1 ruser= rhost=  user=bob')).toBe(true);
    expect(isFailedLogin('Nov 15 08:00:01 ws1 gdm-password]: pam_unix(gdm-password:auth): authentication failure; logname= uid=0 euid=0 tty=/dev/tty1 ruser= rhost=  user=clerk')).toBe(true);
    expect(isFailedLogin(failure(1))).toBe(true);
    for (const line of noise.trim().split('\n')) expect(isFailedLogin(line)).toBe(false);
    expect(isFailedLogin('su: pam_unix(su-l:auth): authentication failure; logname=bob uid=1000 euid=0 tty=pts/0 ruser=bob rhost=  user=root')).toBe(false);
    expect(isFailedLogin('pam_unix(sshd:session): session opened for user bob(uid=1000) by (uid=0)')).toBe(false);
  });

  it('reads RFC 3339 and traditional syslog stamps, the latter in the right year', () => {
    expect(syslogTime('2023-11-15T09:01:00.5+08:00 ws1 x', NOW)).toBe(Date.parse('2023-11-15T01:01:00.5Z') / 1000);
    const local = (y: number, mo: number, d: number, h: number, mi: number, s: number) => new Date(y, mo, d, h, mi, s).getTime() / 1000;
    expect(syslogTime('Nov 15 09:01:02 ws1 x', NOW)).toBe(local(2023, 10, 15, 9, 1, 2));
    // In early January, a December line belongs to last year.
    expect(syslogTime('Dec 31 23:59:59 ws1 x', Date.parse('2024-01-01T12:00:00Z'))).toBe(local(2023, 11, 31, 23, 59, 59));
    expect(syslogTime('garbage', NOW)).toBeUndefined();
  });

  it('reads journal JSON lines, including a MESSAGE that is not valid UTF-8', () => {
    expect(parseJournalLine('{"__CURSOR":"s=1;i=2","__REALTIME_TIMESTAMP":"1700000001000000","MESSAGE":[112,97,109]}')).toEqual({ cursor: 's=1;i=2', time: 1700000001, message: 'pam' });
    expect(parseJournalLine('-- No entries --')).toBeUndefined();
  });

  it('reads the Windows Security log answer', () => {
    const got = parseWindowsLogonFailures(readFileSync(`${fixtures}windows-security/logons-three-failures.json`, 'utf8'));
    expect(got.events.map((e) => e.recordId)).toEqual([48215, 48216, 48230]);
    expect(parseWindowsLogonFailures(readFileSync(`${fixtures}windows-security/logons-denied.json`, 'utf8')).denied).toBe(true);
    expect(() => parseWindowsLogonFailures('{"Events":[],"Error":"The RPC server is unavailable"}')).toThrow(/RPC server/);
  });
});

describe('auth log file, read incrementally', () => {
  it('counts each failure once across appends, a partial line, rotation, truncation and a restart', async () => {
    const dir = tempDir('sw-logins-');
    const log = join(dir, 'auth.log');
    const state = join(dir, 'state');
    writeFileSync(log, failure(0) + failure(1)); // history before the agent watched: not counted
    const settings = { source: 'file', authLogPath: log };
    let probe = createLogins(setup(state, settings));
    expect(values(await probe.collect(ctx))).toEqual({ stationwatch_failed_logins_total: 0 });

    appendFileSync(log, failure(2) + noise + failure(3) + failure(4));
    expect(values(await probe.collect(ctx))).toEqual({ stationwatch_failed_logins_total: 3, stationwatch_last_failed_login_timestamp_seconds: Date.parse('2023-11-15T09:04:00.123456Z') / 1000 });

    const half = failure(5);
    appendFileSync(log, half.slice(0, 40)); // rsyslog is still writing this line
    expect(values(await probe.collect(ctx)).stationwatch_failed_logins_total).toBe(3);
    appendFileSync(log, half.slice(40));
    expect(values(await probe.collect(ctx)).stationwatch_failed_logins_total).toBe(4);

    // logrotate renames; the daemon writes one more line to the old inode before it reopens.
    renameSync(log, `${log}.1`);
    appendFileSync(`${log}.1`, failure(6));
    writeFileSync(log, failure(7) + failure(8));
    expect(values(await probe.collect(ctx)).stationwatch_failed_logins_total).toBe(7);

    truncateSync(log, 0); // copytruncate
    appendFileSync(log, failure(9));
    expect(values(await probe.collect(ctx)).stationwatch_failed_logins_total).toBe(8);

    // A restart: a new instance reads the cursor and count from the state directory.
    probe = createLogins(setup(state, settings));
    expect(values(await probe.collect(ctx)).stationwatch_failed_logins_total).toBe(8);
    appendFileSync(log, failure(1, 'login'));
    expect(values(await probe.collect(ctx)).stationwatch_failed_logins_total).toBe(9);
    expect(JSON.parse(readFileSync(join(state, STATE_FILE), 'utf8'))).toMatchObject({ total: 9, source: `file:${log}` });

    // Rotated and compressed before we read it: what was in it is lost, the new file still counts.
    renameSync(log, `${log}.1.gz`);
    writeFileSync(log, failure(2));
    expect(values(await probe.collect(ctx)).stationwatch_failed_logins_total).toBe(10);
  });

  it('is unavailable when the log is missing', async () => {
    const dir = tempDir('sw-logins-');
    const r = values(await createLogins(setup(dir, { source: 'file', authLogPath: join(dir, 'nope.log') })).collect(ctx));
    expect(r.stationwatch_failed_logins_total).toBe(`unavailable: no auth log at ${join(dir, 'nope.log')}`);
  });
});

const JOURNAL_REMOTE = ['/lib/systemd/systemd-journal-remote', '/usr/lib/systemd/systemd-journal-remote'].find((p) => existsSync(p));
let realtime = 1_700_000_000_000_000;

/** Appends entries to a journal file the way journald would have written them. */
function writeJournal(file: string, entries: { id: string; message: string; facility?: number }[]): void {
  if (!JOURNAL_REMOTE) throw new Error('systemd-journal-remote is not installed (it writes the test journals): apt-get install systemd-journal-remote');
  const exportFormat = entries
    .map((e) => {
      realtime += 1_000_000;
      return [`__REALTIME_TIMESTAMP=${realtime}`, `__MONOTONIC_TIMESTAMP=${realtime - 1_699_999_000_000_000}`, '_BOOT_ID=0123456789abcdef0123456789abcdef', `SYSLOG_FACILITY=${e.facility ?? 10}`, `SYSLOG_IDENTIFIER=${e.id}`, `MESSAGE=${e.message}`, '', ''].join('\n');
    })
    .join('');
  const r = spawnSync(JOURNAL_REMOTE, [`--output=${file}`, '-'], { input: exportFormat, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`systemd-journal-remote: ${r.stderr}`);
}

const pamFailure = (service: string, user: string) => ({ id: service, message: `pam_unix(${service}:auth): authentication failure; logname= uid=0 euid=0 tty=${service} ruser= rhost=  user=${user}` });

describe('systemd journal, read with the real journalctl', () => {
  it('counts each failure once across appends, journal file rotation and a restart', async () => {
    if (spawnSync('journalctl', ['--version']).error) throw new Error('journalctl is not installed: apt-get install systemd');
    const dir = tempDir('sw-journal-');
    const journals = join(dir, 'journal');
    const state = join(dir, 'state');
    const current = join(journals, 'system.journal');
    mkdirSync(journals);
    writeJournal(current, [pamFailure('login', 'old')]); // before the agent watched
    const settings = { source: 'journal', journalDirectory: journals };
    let probe = createLogins(setup(state, settings));
    expect(values(await probe.collect(ctx))).toEqual({ stationwatch_failed_logins_total: 0 });

    writeJournal(current, [pamFailure('sshd', 'bob'), { id: 'sudo', message: 'pam_unix(sudo:auth): authentication failure; logname=bob uid=1000 euid=0 tty=/dev/pts/0 ruser=bob rhost=  user=bob' }, pamFailure('gdm-password', 'clerk'), { id: 'kernel', message: 'pam_unix(login:auth): authentication failure; but on the kernel facility', facility: 0 }]);
    const second = values(await probe.collect(ctx));
    expect(second.stationwatch_failed_logins_total).toBe(2);
    expect(second.stationwatch_last_failed_login_timestamp_seconds).toBe((realtime - 1_000_000) / 1e6);
    expect(values(await probe.collect(ctx)).stationwatch_failed_logins_total).toBe(2);

    // journald rotates: the active file is archived under a new name and a new one is started.
    renameSync(current, join(journals, 'system@0000000000000001-0000000000000001.journal'));
    writeJournal(current, [pamFailure('login', 'carol'), pamFailure('login', 'carol')]);
    expect(values(await probe.collect(ctx)).stationwatch_failed_logins_total).toBe(4);

    probe = createLogins(setup(state, settings));
    expect(values(await probe.collect(ctx)).stationwatch_failed_logins_total).toBe(4);
    writeJournal(current, [pamFailure('sshd', 'dave')]);
    expect(values(await probe.collect(ctx)).stationwatch_failed_logins_total).toBe(5);
  });

  it('is unavailable where there are no journal files and no auth log (this VM)', async () => {
    const dir = tempDir('sw-journal-');
    const r = values(await createLogins(setup(dir, { source: 'journal', journalDirectory: join(dir, 'empty') })).collect(ctx));
    expect(r.stationwatch_failed_logins_total).toBe(`unavailable: no systemd journal files in ${join(dir, 'empty')}`);
  });
});

describe('Windows Security log', () => {
  const fromData = (env: Readonly<Record<string, string>> | undefined): unknown => JSON.parse(Buffer.from(env?.['STATIONWATCH_DATA'] ?? '', 'base64').toString('utf8'));

  it('starts at the newest record, then counts the 4625 events after it; the record id goes as data, never into the script', async () => {
    const dir = tempDir('sw-logins-');
    const scripts: string[] = [];
    const data: unknown[] = [];
    let answer = 'logons-bootstrap.json';
    const run: CommandRunner = async (_command, args, _signal, env) => {
      scripts.push(Buffer.from(args[args.length - 1]!, 'base64').toString('utf16le'));
      data.push(fromData(env));
      return { stdout: readFileSync(`${fixtures}windows-security/${answer}`), stderr: Buffer.alloc(0), code: 0 };
    };
    const probe = createLogins(setup(dir, {}, 'win32'), run);
    expect(values(await probe.collect(ctx))).toEqual({ stationwatch_failed_logins_total: 0 });
    expect(data[0]).toEqual({ after: -1 });
    answer = 'logons-three-failures.json';
    expect(values(await probe.collect(ctx))).toEqual({ stationwatch_failed_logins_total: 3, stationwatch_last_failed_login_timestamp_seconds: 1700000130 });
    expect(data[1]).toEqual({ after: 48211 });
    answer = 'logons-bootstrap.json'; // no new events: the script answers with an empty list
    await probe.collect(ctx);
    expect(data[2]).toEqual({ after: 48230 });
    // One script text whatever the state: nothing from the state file is pasted into it.
    expect(new Set(scripts).size).toBe(1);
    expect(scripts[0]).toContain('$after = [long]$SwData.after');
    expect(scripts[0]).not.toContain('48211');
    answer = 'logons-denied.json';
    expect(values(await probe.collect(ctx)).stationwatch_failed_logins_total).toMatch(/^unavailable: needs administrator rights/);
  });

  it('a tampered record id in the state file never reaches PowerShell: watching restarts at the newest record', async () => {
    const dir = tempDir('sw-logins-');
    writeFileSync(join(dir, 'logins.json'), JSON.stringify({ total: 4, source: 'windows', windowsRecord: "1'; Remove-Item C:\\ -Recurse; '" }));
    const data: unknown[] = [];
    const run: CommandRunner = async (_command, _args, _signal, env) => {
      data.push(fromData(env));
      return { stdout: readFileSync(`${fixtures}windows-security/logons-bootstrap.json`), stderr: Buffer.alloc(0), code: 0 };
    };
    expect(values(await createLogins(setup(dir, {}, 'win32'), run).collect(ctx))).toEqual({ stationwatch_failed_logins_total: 4 });
    expect(data).toEqual([{ after: -1 }]);
    for (const bad of [2 ** 60, -5, 1.5, '12']) expect(validRecordId(bad)).toBe(false);
    expect(validRecordId(48211)).toBe(true);
  });
});
