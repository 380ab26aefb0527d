// What the backup probe remembers across agent restarts, and the pure decisions on it: a run
// recorded, a deadline missed. The run counters feed the quarterly backup success rate
// (increase over 90 days), so they live in the state file and never restart from 0 with the agent.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export const RUN_RESULTS = ['ok', 'failed', 'corrupt', 'missing'] as const;
export type RunResult = (typeof RUN_RESULTS)[number];
export const LEVELS = ['checksum', 'structure', 'size'] as const;

const Count = Type.Integer({ minimum: 0 });
const Moment = Type.Number({ minimum: 0 });

const FileRecord = Type.Object({
  /** Path relative to the job's directory. */
  name: Type.String(),
  sizeBytes: Type.Integer({ minimum: 0 }),
  mtimeMs: Moment,
  result: Type.Union([Type.Literal('ok'), Type.Literal('failed'), Type.Literal('corrupt')]),
  level: Type.Optional(Type.Union(LEVELS.map((l) => Type.Literal(l)))),
  reason: Type.String(),
  verifyMs: Type.Number({ minimum: 0 }),
  sha256: Type.Optional(Type.String()),
});

const JobState = Type.Object({
  watchedSinceMs: Moment,
  /** The next run is due one maximum age after this: the last run, the last missed deadline, or the watch start. */
  deadlineBaseMs: Moment,
  runs: Type.Object({ ok: Count, failed: Count, corrupt: Count, missing: Count }),
  lastRun: Type.Optional(Type.Object({ result: Type.Union(RUN_RESULTS.map((r) => Type.Literal(r))), atMs: Moment, reason: Type.String() })),
  /** When the newest verified backup was made (its modification time, or the time a script reported it). */
  lastSuccessMs: Type.Optional(Moment),
  /** The newest backup file verified, whatever its result. */
  latest: Type.Optional(FileRecord),
  /** Files already judged, as relative path → "size:mtimeMs": a file that changes is judged again. */
  seen: Type.Record(Type.String(), Type.String()),
  /** Set once the files that were there before the job was watched have been put aside. */
  baselined: Type.Boolean(),
  offsite: Type.Optional(Type.Object({ forFile: Type.String(), present: Type.Boolean(), match: Type.Optional(Type.Boolean()), key: Type.Optional(Type.String()) })),
  reportedDurationSeconds: Type.Optional(Type.Number({ minimum: 0 })),
});

export const BackupStateSchema = Type.Object({
  version: Type.Literal(1),
  jobs: Type.Record(Type.String(), JobState),
  /** Spool files applied lately: one seen again after a crash (applied, not yet deleted) is not applied twice. */
  consumedReports: Type.Array(Type.String()),
});

export type FileRecord = Static<typeof FileRecord>;
export type JobState = Static<typeof JobState>;
export type BackupState = Static<typeof BackupStateSchema>;

export const CONSUMED_REPORTS_KEPT = 64;
/** However long the agent was off, at most this many missed runs are counted at once. */
const MAX_MISSED_AT_ONCE = 1000;

export function emptyState(): BackupState {
  return { version: 1, jobs: {}, consumedReports: [] };
}

export function newJobState(nowMs: number): JobState {
  return { watchedSinceMs: nowMs, deadlineBaseMs: nowMs, runs: { ok: 0, failed: 0, corrupt: 0, missing: 0 }, seen: {}, baselined: false };
}

/** The stored state, or why it is unusable. */
export function parseBackupState(value: unknown): BackupState | string {
  if (Value.Check(BackupStateSchema, value)) return value;
  const first = Value.Errors(BackupStateSchema, value).First();
  return first ? `${first.path || '/'}: ${first.message}` : 'unexpected content';
}

/** Keeps the jobs that are configured, adds new ones watched from now, forgets the rest. */
export function reconcileJobs(state: BackupState, names: readonly string[], nowMs: number): BackupState {
  const jobs: Record<string, JobState> = {};
  for (const name of names) jobs[name] = state.jobs[name] ?? newJobState(nowMs);
  return { ...state, jobs };
}

/** A run happened at `atMs`; `successAtMs` is when an ok backup was made (file time or report time). */
export function recordRun(job: JobState, result: Exclude<RunResult, 'missing'>, atMs: number, reason: string, successAtMs?: number): void {
  job.runs[result]++;
  job.lastRun = { result, atMs, reason };
  job.deadlineBaseMs = Math.max(job.deadlineBaseMs, atMs);
  if (result === 'ok' && successAtMs !== undefined) job.lastSuccessMs = Math.max(job.lastSuccessMs ?? 0, successAtMs);
}

/**
 * Counts one missed run for every maximum age that passed without any run (the agent may have been
 * off for several). A run of any result meets the deadline: "missing" means nothing ran at all,
 * while a run that failed is counted as failed, so no attempt is counted twice.
 */
export function countMissed(job: JobState, maxAgeMs: number, nowMs: number): number {
  let missed = 0;
  while (nowMs >= job.deadlineBaseMs + maxAgeMs && missed < MAX_MISSED_AT_ONCE) {
    job.deadlineBaseMs += maxAgeMs;
    missed++;
  }
  if (missed === MAX_MISSED_AT_ONCE) job.deadlineBaseMs = nowMs;
  if (missed > 0) {
    job.runs.missing += missed;
    job.lastRun = { result: 'missing', atMs: job.deadlineBaseMs, reason: `no backup run within the maximum age of ${maxAgeMs / 1000} s` };
  }
  return missed;
}

export function rememberReport(state: BackupState, name: string): void {
  state.consumedReports = [...state.consumedReports, name].slice(-CONSUMED_REPORTS_KEPT);
}
