// Backup: are backups timely, complete and restorable (备份及时、完整、未损坏)? Each configured job's
// directory is watched with chokidar and rescanned on start and every rescanSeconds (watches miss
// events on network shares); a new file is verified once it has settled, one verification at a time
// in the background (in a child process at the lowest priority, so the agent keeps its memory and
// schedule), and the verdict counted as a run. Scripts report runs through the spool.
// collect() only reads the in-memory state, so it is cheap enough for the fast interval.
import { readdir, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import picomatch from 'picomatch';
import { readJsonFile, writeFileAtomic } from '../../common/atomic-file.js';
import { m } from '../../protocol/metrics.js';
import { BackupSettingsSchema, resolveJobs, type BackupJob, type BackupSettings } from '../backup/job.js';
import { isManifestName } from '../backup/manifest.js';
import { Settler } from '../backup/settle.js';
import { BackupReport, ensureSpoolDir, listSpool, readSpoolFile, rejectSpoolFile, spoolDir } from '../backup/spool.js';
import { countMissed, emptyState, parseBackupState, reconcileJobs, recordRun, rememberReport, type BackupState, type JobState } from '../backup/state.js';
import { FileChangedError } from '../backup/file-changed.js';
import { sha256Isolated, verifyIsolated } from '../backup/verify-isolated.js';
import { describeError } from '../runner.js';
import { deadline } from '../exec/deadline.js';
import { jobReadings } from './backup-readings.js';
import type { ProbeDefinition, ProbeInstance, ProbeSetup, Reading } from './probe.js';

export const STATE_FILE = 'backup.json';

export interface BackupOptions {
  /** Tests drive `tick()` by hand instead of a timer. */
  timers?: boolean;
  /** Tests verify in-process; the agent verifies in a low-priority child process. */
  inProcess?: boolean;
}

export interface BackupInstance extends ProbeInstance {
  /** Rescan every location, count missed runs, apply spooled reports; resolves when queued checks are done. */
  tick(): Promise<void>;
  /** Resolves when every queued verification has finished. */
  idle(): Promise<void>;
}

interface Found {
  rel: string;
  size: number;
  mtimeMs: number;
}

const keyOf = (f: { size: number; mtimeMs: number }) => `${f.size}:${f.mtimeMs}`;
const posix = (p: string) => p.split(sep).join('/');

export function createBackup(setup: ProbeSetup, options: BackupOptions = {}): BackupInstance {
  const { log, clock } = setup;
  const settings = setup.settings as BackupSettings;
  const { jobs, problems } = resolveJobs(settings);
  const byName = new Map(jobs.map((j) => [j.name, j]));
  const watched = jobs.filter((j): j is BackupJob & { path: string } => j.path !== undefined);
  const matchers = new Map(watched.map((j) => [j.name, picomatch(j.pattern, { windows: false })]));
  const file = join(setup.stateDir, STATE_FILE);
  const spool = spoolDir(setup.stateDir, 'backup');
  const settler = new Settler(settings.settleSeconds * 1000, clock.monoMs);
  const stopping = new AbortController();
  // In process (tests) the verifiers are imported on first use: the agent itself verifies in a child
  // process and never loads tar, yauzl and zlib.
  const verify: typeof verifyIsolated = options.inProcess ? async (...args) => (await import('../backup/verify.js')).verifyBackup(...args) : verifyIsolated;
  const checksum = options.inProcess ? async (file: string, rate: number, signal: AbortSignal) => (await import('../backup/polite-read.js')).sha256File(file, { signal, bytesPerSecond: rate }) : sha256Isolated;

  let state: BackupState = emptyState();
  let startError: Error | undefined;
  let writing = Promise.resolve();
  let writeFailing = false;
  let verifying = Promise.resolve();
  const queued = new Set<string>();
  const pendingJob = new Map<string, BackupJob & { path: string }>();
  let spoolRun: Promise<void> | undefined;
  let spoolAgain = false;
  let watcher: FSWatcher | undefined;
  const unreachable = new Set<string>();
  let settleTimer: NodeJS.Timeout | undefined;
  let tickTimer: NodeJS.Timeout | undefined;
  let stopped = false;

  const jobState = (job: BackupJob): JobState => state.jobs[job.name]!;
  const background = (what: string, work: Promise<unknown>) => void work.catch((err: unknown) => log.warn({ err: describeError(err) }, what));

  /** Saves a snapshot; writes are queued. Rejects when it was not saved, so nothing is deleted on its strength. */
  function save(): Promise<void> {
    const data = `${JSON.stringify(state)}\n`;
    const done = writing.then(() => writeFileAtomic(file, data));
    writing = done.then(
      () => void (writeFailing = false),
      (err: unknown) => {
        if (!writeFailing) log.warn({ path: file, err: describeError(err) }, 'cannot save backup state');
        writeFailing = true;
      },
    );
    return done;
  }

  async function load(): Promise<BackupState> {
    try {
      const raw = await readJsonFile(file);
      if (raw === undefined) return emptyState();
      const parsed = parseBackupState(raw);
      if (typeof parsed === 'string') throw new Error(`unexpected content: ${parsed}`);
      return parsed;
    } catch (err) {
      log.warn({ path: file, err: describeError(err) }, 'backup state unreadable, starting fresh (kept aside as .corrupt)');
      await rename(file, `${file}.corrupt`).catch(() => undefined);
      return emptyState();
    }
  }

  async function listFiles(job: BackupJob & { path: string }): Promise<Found[] | undefined> {
    let names: string[];
    try {
      names = await readdir(job.path, { recursive: job.pattern.includes('/') });
      if (unreachable.delete(job.name)) log.info({ job: job.name, path: job.path }, 'backup location reachable again');
    } catch (err) {
      if (!unreachable.has(job.name)) log.warn({ job: job.name, path: job.path, err: describeError(err) }, 'backup location unreadable; the job becomes overdue if it stays so');
      unreachable.add(job.name);
      return undefined;
    }
    const match = matchers.get(job.name)!;
    const found: Found[] = [];
    for (const name of names) {
      const rel = posix(name);
      if (!match(rel) || isManifestName(rel.split('/').pop()!)) continue;
      const st = await stat(join(job.path, rel)).catch(() => undefined);
      if (st?.isFile()) found.push({ rel, size: st.size, mtimeMs: st.mtimeMs });
    }
    return found;
  }

  async function scanJob(job: BackupJob & { path: string }): Promise<void> {
    const files = await listFiles(job);
    if (!files || stopped) return;
    const st = jobState(job);
    if (!st.baselined) {
      // Backups from before the job was watched are history: only the newest one is judged now.
      const newest = files.reduce<Found | undefined>((a, f) => (!a || f.mtimeMs > a.mtimeMs ? f : a), undefined);
      for (const f of files) if (f !== newest) st.seen[f.rel] = keyOf(f);
      st.baselined = true;
      await save();
    }
    const present = new Set(files.map((f) => f.rel));
    for (const rel of Object.keys(st.seen)) if (!present.has(rel)) delete st.seen[rel];
    for (const f of files) if (st.seen[f.rel] !== keyOf(f)) consider(job, f);
  }

  function consider(job: BackupJob & { path: string }, f: Found): void {
    const abs = join(job.path, f.rel);
    if (queued.has(abs)) return;
    if (!settler.observe(abs, f.size, f.mtimeMs)) {
      pendingJob.set(abs, job);
      scheduleSettleCheck();
      return;
    }
    settler.forget(abs);
    pendingJob.delete(abs);
    queued.add(abs);
    verifying = verifying
      .then(() => verifyOne(job, f.rel))
      .catch((err: unknown) => log.warn({ job: job.name, file: f.rel, err: describeError(err) }, 'backup verification failed to run'))
      .finally(() => queued.delete(abs));
  }

  function scheduleSettleCheck(): void {
    if (settleTimer || stopped) return;
    const everyMs = Math.min(Math.max((settings.settleSeconds * 1000) / 3, 100), 5000);
    settleTimer = setTimeout(() => {
      settleTimer = undefined;
      background('settle check failed', settleCheck());
    }, everyMs);
    settleTimer.unref();
  }

  async function settleCheck(): Promise<void> {
    for (const abs of settler.paths()) {
      const job = pendingJob.get(abs);
      const st = await stat(abs).catch(() => undefined);
      if (!job || !st?.isFile()) {
        settler.forget(abs);
        pendingJob.delete(abs);
        continue;
      }
      consider(job, { rel: posix(relative(job.path, abs)), size: st.size, mtimeMs: st.mtimeMs });
    }
  }

  /** Why an incremental backup cannot be restored although its own file is fine, if so. */
  async function fullBackupProblem(job: BackupJob): Promise<string | undefined> {
    const base = job.fullJob === undefined ? undefined : byName.get(job.fullJob);
    if (!base) return undefined;
    const latest = jobState(base).latest;
    if (!base.path) return jobState(base).lastSuccessMs === undefined ? `the full backup it builds on (job ${base.name}) has never succeeded` : undefined;
    if (!latest) return `the full backup it builds on (job ${base.name}) has not been seen yet`;
    if (latest.result !== 'ok') return `the full backup it builds on (${latest.name}) is ${latest.result}: ${latest.reason}`;
    if (!(await stat(join(base.path, latest.name)).catch(() => undefined))) return `the full backup it builds on (${latest.name}) is gone`;
    return undefined;
  }

  async function verifyOne(job: BackupJob & { path: string }, rel: string): Promise<void> {
    if (stopped) return;
    const abs = join(job.path, rel);
    // An explicit timer (exec/deadline.ts), not AbortSignal.timeout: that one could be collected on Node 20.
    const limit = deadline(settings.verifyTimeoutSeconds * 1000, `verifying ${rel}`, stopping.signal);
    let verdict;
    try {
      verdict = await verify(abs, { mode: job.verify, minSizeBytes: job.minSizeBytes, wantSha256: job.offsite?.compare === 'sha256', bytesPerSecond: settings.verifyBytesPerSecond, signal: limit.signal });
    } catch (err) {
      limit.dispose();
      if (!(err instanceof FileChangedError)) throw err;
      const st = await stat(abs).catch(() => undefined);
      if (st) consider(job, { rel, size: st.size, mtimeMs: st.mtimeMs });
      return;
    }
    limit.dispose();
    if (stopping.signal.aborted) return; // cut short by the agent stopping: no verdict
    let { result, reason } = verdict;
    if (result === 'ok') {
      const problem = await fullBackupProblem(job);
      if (problem) [result, reason] = ['failed', problem];
    }
    const st = jobState(job);
    const record = { name: rel, sizeBytes: verdict.sizeBytes, mtimeMs: verdict.mtimeMs, result, reason, verifyMs: verdict.durationMs, ...(verdict.level && result === 'ok' ? { level: verdict.level } : {}), ...(verdict.sha256 ? { sha256: verdict.sha256 } : {}) };
    if (!st.latest || verdict.mtimeMs >= st.latest.mtimeMs) st.latest = record;
    st.seen[rel] = keyOf({ size: verdict.sizeBytes, mtimeMs: verdict.mtimeMs });
    recordRun(st, result, clock.wallMs(), reason, verdict.mtimeMs);
    const fields = { job: job.name, file: rel, result, level: record.level, seconds: Math.round(verdict.durationMs) / 1000, reason };
    if (result === 'ok') log.info(fields, 'backup verified');
    else log.warn(fields, 'backup is not usable');
    await save();
    if (job.offsite) await checkOffsite(job);
  }

  /** Is the latest backup also off-site, identical? Runs inside the verification queue: one read at a time. */
  async function checkOffsite(job: BackupJob): Promise<void> {
    const st = jobState(job);
    const latest = st.latest;
    if (!job.offsite || !latest || stopped) return;
    const copy = join(job.offsite.path, latest.name);
    const found = await stat(copy).catch(() => undefined);
    const before = st.offsite;
    if (!found?.isFile()) st.offsite = { forFile: latest.name, present: false };
    else if (found.size !== latest.sizeBytes) st.offsite = { forFile: latest.name, present: true, match: false, key: keyOf(found) };
    else if (job.offsite.compare === 'size') st.offsite = { forFile: latest.name, present: true, match: true, key: keyOf(found) };
    else if (before?.forFile !== latest.name || before.key !== keyOf(found) || before.match === undefined) {
      // Hash the copy only when it is new or changed: it may sit on a slow share.
      const sha = await checksum(copy, settings.verifyBytesPerSecond, stopping.signal).catch(() => undefined);
      if (stopping.signal.aborted) return;
      st.offsite = { forFile: latest.name, present: true, key: keyOf(found), ...(sha && latest.sha256 ? { match: sha === latest.sha256 } : {}) };
    }
    if (JSON.stringify(before) === JSON.stringify(st.offsite)) return;
    const o = st.offsite!;
    if (!o.present || o.match === false) log.warn({ job: job.name, file: latest.name, offsite: job.offsite.path, present: o.present }, o.present ? 'off-site copy differs from the backup' : 'off-site copy missing');
    await save();
  }

  function consumeSpool(): Promise<void> {
    if (spoolRun) {
      spoolAgain = true;
      return spoolRun;
    }
    spoolRun = (async () => {
      do {
        spoolAgain = false;
        for (const name of await listSpool(spool)) await applySpoolFile(name);
      } while (spoolAgain && !stopped);
    })().finally(() => (spoolRun = undefined));
    return spoolRun;
  }

  async function applySpoolFile(name: string): Promise<void> {
    const path = join(spool, name);
    if (state.consumedReports.includes(name)) {
      await unlink(path).catch(() => undefined); // applied before a crash, deletion pending
      return;
    }
    const read = await readSpoolFile(path, BackupReport);
    const job = 'value' in read ? byName.get(read.value.job) : undefined;
    if (!('value' in read) || !job) {
      const reason = 'value' in read ? `job "${read.value.job}" is not configured` : read.problem;
      log.warn({ file: path, reason }, 'backup report rejected (moved to rejected/, not counted)');
      await rejectSpoolFile(spool, name).catch((err: unknown) => log.warn({ file: path, err: describeError(err) }, 'cannot move the rejected report aside'));
      return;
    }
    const report = read.value;
    const st = jobState(job);
    if (report.durationSeconds !== undefined) st.reportedDurationSeconds = report.durationSeconds;
    if (report.status === 'failed') recordRun(st, 'failed', report.atMs, report.message ?? 'the backup script reported a failure');
    // Where the agent sees the files, a file's verification is the run; "ok" only says to look now.
    else if (!job.path) recordRun(st, 'ok', report.atMs, report.message ?? 'reported ok by the backup script', report.atMs);
    rememberReport(state, name);
    log.info({ job: job.name, status: report.status, at: new Date(report.atMs).toISOString() }, 'backup report received');
    await save();
    await unlink(path);
    if (report.status === 'ok' && job.path) background('scan after a report failed', scanJob(job as BackupJob & { path: string }));
  }

  async function countAllMissed(): Promise<void> {
    let changed = false;
    for (const job of jobs) {
      const missed = countMissed(jobState(job), job.maxAgeSeconds * 1000, clock.wallMs());
      if (missed > 0) log.warn({ job: job.name, missed, maxAgeSeconds: job.maxAgeSeconds }, 'backup run missing: nothing ran within the maximum age');
      changed ||= missed > 0;
    }
    if (changed) await save();
  }

  async function startWatching(): Promise<void> {
    const dirs: string[] = [];
    for (const job of watched) if ((await stat(job.path).catch(() => undefined))?.isDirectory()) dirs.push(job.path);
    watcher = watch([spool, ...dirs], { ignoreInitial: true, depth: watched.some((j) => j.pattern.includes('/')) ? undefined : 0 });
    const onFile = (abs: string) => {
      if (dirname(abs) === spool) {
        background('spool failed', consumeSpool());
        return;
      }
      for (const job of watched) {
        const rel = posix(relative(job.path, abs));
        if (rel.startsWith('../') || !matchers.get(job.name)!(rel) || isManifestName(rel.split('/').pop()!)) continue;
        background('watch event failed', stat(abs).then((st) => void (st.isFile() && consider(job, { rel, size: st.size, mtimeMs: st.mtimeMs }))));
      }
    };
    watcher.on('add', onFile).on('change', onFile);
    watcher.on('error', (err: unknown) => log.warn({ err: describeError(err) }, 'file watch error; rescans continue'));
    // A file written after the first scan but before the watch was established raises no event:
    // scan once more as soon as the watch is ready, not an hour later at the next rescan.
    watcher.once('ready', () => background('backup scan after the watch was ready failed', tick()));
  }

  async function tick(): Promise<void> {
    if (stopped) return;
    await countAllMissed();
    await consumeSpool();
    for (const job of watched) await scanJob(job);
    for (const job of watched) {
      if (!job.offsite) continue;
      verifying = verifying.then(() => checkOffsite(job)).catch((err: unknown) => log.warn({ job: job.name, err: describeError(err) }, 'off-site check failed'));
    }
  }

  return {
    tick: () => tick().then(() => verifying),
    idle: () => verifying,

    async start() {
      if (problems.length > 0 || jobs.length === 0) return;
      try {
        state = reconcileJobs(await load(), jobs.map((j) => j.name), clock.wallMs());
        const warning = await ensureSpoolDir(spool);
        if (warning) log.warn({ spool }, warning);
        await save();
      } catch (err) {
        startError = new Error('prepare the backup state and spool', { cause: err });
        throw startError;
      }
      await startWatching();
      // The first rescan may walk a slow share: the agent's first report does not wait for it.
      background('initial backup scan failed', tick());
      if (options.timers !== false) {
        tickTimer = setInterval(() => background('backup rescan failed', tick()), settings.rescanSeconds * 1000);
        tickTimer.unref();
      }
    },

    async collect(): Promise<Reading[]> {
      if (problems.length > 0) throw new Error(`backup settings: ${problems.join('; ')}`);
      if (startError) throw startError;
      return jobs.flatMap((job) => (state.jobs[job.name] ? jobReadings(job, state.jobs[job.name]!) : []));
    },

    async stop() {
      stopped = true;
      clearInterval(tickTimer);
      clearTimeout(settleTimer);
      stopping.abort();
      await watcher?.close();
      await Promise.allSettled([verifying, spoolRun, writing]);
    },
  };
}

export const backupProbe: ProbeDefinition = {
  name: 'backup',
  interval: 'fast',
  metrics: [m.backupRuns, m.backupLastResult, m.backupLastRun, m.backupLastSuccess, m.backupWatchedSince, m.backupMaxAge, m.backupSize, m.backupVerifyDuration, m.backupVerification, m.backupReportedDuration, m.backupOffsitePresent, m.backupOffsiteMatch],
  settingsSchema: BackupSettingsSchema,
  create: (setup) => createBackup(setup),
};
