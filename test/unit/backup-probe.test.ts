// The backup probe on real files in temporary directories, with its real chokidar watch: what each
// kind of backup turns into as series, counters that survive a restart, missed deadlines (on a wall
// clock the test moves), the incremental chain, the off-site copy and spooled reports.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, readdir, stat, writeFile, copyFile, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { pino } from 'pino';
import { silentLogger } from '../../common/logger.js';
import type { Clock } from '../../agent/clock.js';
import { BackupSettingsSchema } from '../../agent/backup/job.js';
import { spoolDir, writeSpoolFile } from '../../agent/backup/spool.js';
import { countMissed, newJobState, parseBackupState, recordRun } from '../../agent/backup/state.js';
import { jobReadings } from '../../agent/probes/backup-readings.js';
import { createBackup, STATE_FILE, type BackupInstance } from '../../agent/probes/backup.js';
import type { Reading } from '../../agent/probes/probe.js';
import { flipByte, makeBackupTree, run } from '../fixtures/backup/make-backups.js';

const HOUR = 3_600_000;

/** Series as "name{label=value,...}" → value, for readable assertions. */
function series(readings: Reading[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of readings) {
    if (r.kind !== 'sample') continue;
    const labels = Object.entries(r.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
    out[`${r.metric.name.replace('stationwatch_backup_', '')}{${labels}}`] = r.value;
  }
  return out;
}

async function waitUntil<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('backup state logic', () => {
  it('counts one missed run per maximum age without any run, and a run of any result meets the deadline', () => {
    const job = newJobState(0);
    expect(countMissed(job, 10 * HOUR, 9 * HOUR)).toBe(0);
    expect(countMissed(job, 10 * HOUR, 35 * HOUR)).toBe(3);
    expect(job.runs.missing).toBe(3);
    expect(job.lastRun).toMatchObject({ result: 'missing', atMs: 30 * HOUR });
    recordRun(job, 'failed', 36 * HOUR, 'disk full');
    expect(countMissed(job, 10 * HOUR, 45 * HOUR)).toBe(0);
    expect(countMissed(job, 10 * HOUR, 46 * HOUR)).toBe(1);
    // A wall clock set back counts nothing.
    expect(countMissed(job, 10 * HOUR, 0)).toBe(0);
  });

  it('keeps the newest success time whatever the order runs are recorded in', () => {
    const job = newJobState(0);
    recordRun(job, 'ok', 5 * HOUR, 'ok', 4 * HOUR);
    recordRun(job, 'ok', 6 * HOUR, 'ok', 2 * HOUR);
    expect(job.lastSuccessMs).toBe(4 * HOUR);
    expect(job.runs.ok).toBe(2);
  });

  it('refuses a state file that is not its own', () => {
    expect(parseBackupState({ version: 1, jobs: {}, consumedReports: [] })).toEqual({ version: 1, jobs: {}, consumedReports: [] });
    expect(parseBackupState({ version: 1, jobs: { a: { runs: {} } }, consumedReports: [] })).toMatch(/^\/jobs\/a/);
  });
});

describe('backup readings', () => {
  const job = { name: 'db', kind: 'full' as const, pattern: '*', minSizeBytes: 1, verify: 'auto' as const, maxAgeSeconds: 691200, path: '/b', offsite: { path: '/o', compare: 'sha256' as const } };

  it('reports every result counter from 0 and no moments that never happened', () => {
    expect(series(jobReadings(job, newJobState(1_000_000)))).toEqual({
      'runs_total{backup_job=db,result=ok}': 0,
      'runs_total{backup_job=db,result=failed}': 0,
      'runs_total{backup_job=db,result=corrupt}': 0,
      'runs_total{backup_job=db,result=missing}': 0,
      'watched_since_timestamp_seconds{backup_job=db}': 1000,
      'max_age_seconds{backup_job=db,kind=full}': 691200,
    });
  });

  it('reports the latest result, its proof and the off-site copy as state sets and gauges', () => {
    const st = newJobState(0);
    recordRun(st, 'ok', 2_000_000, 'fine', 1_500_000);
    st.latest = { name: 'a.tar', sizeBytes: 10, mtimeMs: 1_500_000, result: 'ok', level: 'structure', reason: 'fine', verifyMs: 250 };
    st.offsite = { forFile: 'a.tar', present: true, match: false };
    expect(series(jobReadings(job, st))).toMatchObject({
      'last_result{backup_job=db,result=ok}': 1,
      'last_result{backup_job=db,result=corrupt}': 0,
      'last_run_timestamp_seconds{backup_job=db}': 2000,
      'last_success_timestamp_seconds{backup_job=db}': 1500,
      'size_bytes{backup_job=db}': 10,
      'verify_duration_seconds{backup_job=db}': 0.25,
      'verification_level{backup_job=db,level=structure}': 1,
      'verification_level{backup_job=db,level=checksum}': 0,
      'offsite_present{backup_job=db}': 1,
      'offsite_match{backup_job=db}': 0,
    });
  });
});

describe('backup probe', () => {
  let root: string;
  let backups: string;
  let stateDir: string;
  let fixtures: string;
  let wall: number;
  let probe: BackupInstance | undefined;
  const clock: Clock = { wallMs: () => wall, monoMs: () => performance.now(), bootMs: async () => undefined };

  function make(jobs: object[], extra: object = {}): BackupInstance {
    const settings = Value.Default(BackupSettingsSchema, { jobs, settleSeconds: 0.1, rescanSeconds: 3600, ...extra }) as Record<string, unknown>;
    const problems = [...Value.Errors(BackupSettingsSchema, settings)];
    if (problems.length > 0) throw new Error(problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
    probe = createBackup({ log: process.env.DEBUG_BACKUP ? pino({ level: "debug" }) : silentLogger, clock, platform: process.platform, stateDir, procRoot: '/proc', sysRoot: '/sys', settings, collectorUrl: 'http://127.0.0.1:1' }, { timers: false });
    return probe;
  }
  const read = async () => series(await probe!.collect({ signal: new AbortController().signal }));
  /** Waits for the watch, the settle time and the verification of whatever was just written. */
  const settled = (check: (s: Record<string, number>) => boolean) =>
    waitUntil('the backup probe to see the change', async () => {
      const s = await read();
      return check(s) ? s : undefined;
    });

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'sw-backup-'));
    backups = join(root, 'backups');
    stateDir = join(root, 'state');
    fixtures = join(root, 'fixtures');
    await mkdir(backups);
    await mkdir(fixtures);
    await makeBackupTree(fixtures);
    wall = Date.UTC(2025, 0, 6, 8);
  });
  afterEach(async () => {
    await probe?.stop?.();
    probe = undefined;
  });

  it('verifies a new backup when it has settled, and counts corrupt, failed and good ones', async () => {
    const p = make([{ name: 'files', path: backups, pattern: '*.{tar.gz,zip}', kind: 'full' }]);
    await p.start!();
    await copyFile(join(fixtures, 'good.tar.gz'), join(backups, 'mon.tar.gz'));
    let s = await settled((x) => x['runs_total{backup_job=files,result=ok}'] === 1);
    expect(s['last_result{backup_job=files,result=ok}']).toBe(1);
    expect(s['verification_level{backup_job=files,level=checksum}']).toBe(1);
    expect(s['last_success_timestamp_seconds{backup_job=files}']).toBe((await stat(join(backups, 'mon.tar.gz'))).mtimeMs / 1000);
    expect(s['size_bytes{backup_job=files}']).toBe((await stat(join(backups, 'mon.tar.gz'))).size);

    await copyFile(join(fixtures, 'good.zip'), join(backups, 'tue.zip'));
    await flipByte(join(backups, 'tue.zip'), 0.5);
    s = await settled((x) => x['runs_total{backup_job=files,result=corrupt}'] === 1);
    expect(s['last_result{backup_job=files,result=corrupt}']).toBe(1);
    expect(s['verification_level{backup_job=files,level=checksum}']).toBeUndefined();

    await writeFile(join(backups, 'wed.tar.gz'), '');
    s = await settled((x) => x['runs_total{backup_job=files,result=failed}'] === 1);
    expect(s['last_result{backup_job=files,result=failed}']).toBe(1);
    // Not a backup of this job: neither the pattern's nor a manifest.
    await writeFile(join(backups, 'notes.txt'), 'x');
    await writeFile(join(backups, 'SHA256SUMS'), '');
    await p.tick();
    expect(await read()).toMatchObject({ 'runs_total{backup_job=files,result=ok}': 1, 'runs_total{backup_job=files,result=corrupt}': 1, 'runs_total{backup_job=files,result=failed}': 1 });
  });

  it('judges only the newest of the backups that were there before it watched, and keeps its counters across restarts', async () => {
    for (const [i, name] of ['a.tar.gz', 'b.tar.gz', 'c.tar.gz'].entries()) {
      await copyFile(join(fixtures, 'good.tar.gz'), join(backups, name));
      if (name === 'a.tar.gz') await flipByte(join(backups, name), 0.5); // old and damaged: history, not a new run
      await utimes(join(backups, name), new Date(wall - (3 - i) * HOUR), new Date(wall - (3 - i) * HOUR));
    }
    let p = make([{ name: 'db', path: backups, pattern: '*.tar.gz', kind: 'incremental' }]);
    await p.start!();
    await p.tick();
    await settled((x) => x['runs_total{backup_job=db,result=ok}'] === 1);
    await p.stop!();

    p = make([{ name: 'db', path: backups, pattern: '*.tar.gz', kind: 'incremental' }]);
    await p.start!();
    await p.tick();
    const s = await read();
    expect(s['runs_total{backup_job=db,result=ok}']).toBe(1);
    expect(s['runs_total{backup_job=db,result=corrupt}']).toBe(0);
    expect(s['last_success_timestamp_seconds{backup_job=db}']).toBe((wall - HOUR) / 1000);
    expect(JSON.parse(await readFile(join(stateDir, STATE_FILE), 'utf8')).jobs.db.runs).toEqual({ ok: 1, failed: 0, corrupt: 0, missing: 0 });
  });

  it('counts a missing run for each maximum age that passes without one, also while it was not running', async () => {
    let p = make([{ name: 'nightly', path: backups, pattern: '*.tar.gz', kind: 'incremental', maxAgeSeconds: 3600 }]);
    await p.start!();
    await p.tick();
    expect(await read()).toMatchObject({ 'runs_total{backup_job=nightly,result=missing}': 0, 'max_age_seconds{backup_job=nightly,kind=incremental}': 3600 });
    wall += HOUR;
    await p.tick();
    expect(await read()).toMatchObject({ 'runs_total{backup_job=nightly,result=missing}': 1, 'last_result{backup_job=nightly,result=missing}': 1 });
    await p.stop!();
    wall += 3 * HOUR + 1;
    p = make([{ name: 'nightly', path: backups, pattern: '*.tar.gz', kind: 'incremental', maxAgeSeconds: 3600 }]);
    await p.start!();
    await p.tick();
    expect((await read())['runs_total{backup_job=nightly,result=missing}']).toBe(4);
  });

  it('fails an incremental backup whose full backup is corrupt, and accepts it once the full one is good', async () => {
    const full = join(backups, 'full');
    const incr = join(backups, 'incr');
    await mkdir(full);
    await mkdir(incr);
    const p = make([
      { name: 'weekly', path: full, pattern: '*.zip', kind: 'full' },
      { name: 'daily', path: incr, pattern: '*.tar.gz', kind: 'incremental', fullJob: 'weekly' },
    ]);
    await p.start!();
    await copyFile(join(fixtures, 'good.zip'), join(full, 'w1.zip'));
    await flipByte(join(full, 'w1.zip'), 0.5);
    await settled((x) => x['runs_total{backup_job=weekly,result=corrupt}'] === 1);
    await copyFile(join(fixtures, 'good.tar.gz'), join(incr, 'd1.tar.gz'));
    await settled((x) => x['runs_total{backup_job=daily,result=failed}'] === 1);
    await copyFile(join(fixtures, 'good.zip'), join(full, 'w2.zip'));
    await settled((x) => x['runs_total{backup_job=weekly,result=ok}'] === 1);
    await copyFile(join(fixtures, 'good.tar.gz'), join(incr, 'd2.tar.gz'));
    await settled((x) => x['runs_total{backup_job=daily,result=ok}'] === 1);
  });

  it('reports the off-site copy missing, then present and matching, then different', async () => {
    const offsite = join(root, 'nas');
    await mkdir(offsite);
    const p = make([{ name: 'files', path: backups, pattern: '*.zip', kind: 'full', offsite: { path: offsite } }]);
    await p.start!();
    await copyFile(join(fixtures, 'good.zip'), join(backups, 'f.zip'));
    await settled((x) => x['offsite_present{backup_job=files}'] === 0);
    await copyFile(join(fixtures, 'good.zip'), join(offsite, 'f.zip'));
    await p.tick();
    expect(await read()).toMatchObject({ 'offsite_present{backup_job=files}': 1, 'offsite_match{backup_job=files}': 1 });
    await flipByte(join(offsite, 'f.zip'), 0.5);
    await utimes(join(offsite, 'f.zip'), new Date(), new Date(Date.now() + 5000));
    await p.tick();
    expect(await read()).toMatchObject({ 'offsite_present{backup_job=files}': 1, 'offsite_match{backup_job=files}': 0 });
  });

  it('applies spooled reports exactly once, before and after it starts, and rejects bad ones', async () => {
    const spool = spoolDir(stateDir, 'backup');
    await mkdir(spool, { recursive: true });
    await writeSpoolFile(spool, { version: 1, job: 'remote-db', status: 'ok', atMs: wall - HOUR, durationSeconds: 42 });
    await writeSpoolFile(spool, { version: 1, job: 'remote-db', status: 'ok', atMs: 'yesterday' });
    await writeSpoolFile(spool, { version: 1, job: 'unknown-job', status: 'failed', atMs: wall });
    await writeFile(join(spool, 'garbage.json'), '{');
    const p = make([{ name: 'remote-db', kind: 'full' }]);
    await p.start!();
    let s = await settled((x) => x['runs_total{backup_job=remote-db,result=ok}'] === 1);
    expect(s['last_success_timestamp_seconds{backup_job=remote-db}']).toBe((wall - HOUR) / 1000);
    expect(s['reported_duration_seconds{backup_job=remote-db}']).toBe(42);
    // The spool is applied file by file: the good report may come before the bad ones are moved aside.
    await waitUntil('the three bad reports moved to rejected/', async () => ((await readdir(join(spool, 'rejected')).catch(() => [])).length >= 3 ? true : undefined));
    expect((await readdir(join(spool, 'rejected'))).length).toBe(3);
    expect((await stat(spool)).mode & 0o777).toBe(0o700);

    // While it runs: picked up from the watch. The same file name seen again after a crash is not re-applied.
    const name = await writeSpoolFile(spool, { version: 1, job: 'remote-db', status: 'failed', atMs: wall, message: 'disk full' });
    s = await settled((x) => x['runs_total{backup_job=remote-db,result=failed}'] === 1);
    expect(s['last_result{backup_job=remote-db,result=failed}']).toBe(1);
    await writeFile(join(spool, name), JSON.stringify({ version: 1, job: 'remote-db', status: 'failed', atMs: wall }));
    await p.tick();
    expect((await read())['runs_total{backup_job=remote-db,result=failed}']).toBe(1);
    expect(await readdir(spool)).toEqual(['rejected']);
  });

  it('for a job it watches, a reported success prompts a look but the file decides', async () => {
    const p = make([{ name: 'files', path: backups, pattern: '*.tar', kind: 'full' }]);
    await p.start!();
    await p.tick();
    await run('cp', [join(fixtures, 'plain.tar'), join(backups, 'x.tar')], root);
    await writeSpoolFile(spoolDir(stateDir, 'backup'), { version: 1, job: 'files', status: 'ok', atMs: wall });
    const s = await settled((x) => x['runs_total{backup_job=files,result=ok}'] === 1);
    expect(s['verification_level{backup_job=files,level=structure}']).toBe(1);
    await p.tick();
    expect((await read())['runs_total{backup_job=files,result=ok}']).toBe(1);
  });

  it('refuses settings it cannot follow, with the job named', async () => {
    const p = make([
      { name: 'daily', kind: 'incremental', fullJob: 'weekly' },
      { name: 'daily', kind: 'full' },
    ]);
    await p.start!();
    await expect(p.collect({ signal: new AbortController().signal })).rejects.toThrow(/job "daily" is declared twice; job "daily": fullJob "weekly" is not a declared job/);
  });
});
