// agent/backup: proving backups can be restored. This file: the backup probe's settings (the jobs
// declared under `probes.backup.settings`), their defaults, and the checks a schema cannot express.
// The other files, by what they do: manifest.ts (sha256sum files), polite-read.ts (streaming reads
// that yield to the agent), verify*.ts (one verdict per file), settle.ts (is a file still being
// written), state.ts (what the probe remembers across restarts), spool.ts (reports from scripts).
import { Type, type Static } from '@sinclair/typebox';

export const JobName = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$', description: 'letters, digits, . _ -; at most 63' });

/** The procedures' schedule: a weekly full backup and daily incrementals, each with a margin. */
export const DEFAULT_MAX_AGE_SECONDS = { full: 8 * 86_400, incremental: 26 * 3_600 } as const;

export type JobKind = keyof typeof DEFAULT_MAX_AGE_SECONDS;
export type VerifyMode = 'auto' | 'checksum' | 'archive' | 'size';

const Job = Type.Object(
  {
    name: JobName,
    /** Directory the backup files land in; without it the job is known only from `backup report`. */
    path: Type.Optional(Type.String({ minLength: 1 })),
    /** Which files in `path` are this job's backups, e.g. `*.tar.gz` or `**\/daily-*.zip`. */
    pattern: Type.String({ minLength: 1, default: '*' }),
    kind: Type.Union([Type.Literal('full'), Type.Literal('incremental')]),
    /** A newer verified backup is due within this; default by kind (8 days full, 26 h incremental). */
    maxAgeSeconds: Type.Optional(Type.Number({ minimum: 1, maximum: 366 * 86_400 })),
    /** Smaller than this is not a plausible backup (an empty database dump is a few hundred bytes). */
    minSizeBytes: Type.Integer({ minimum: 1, default: 1 }),
    verify: Type.Union([Type.Literal('auto'), Type.Literal('checksum'), Type.Literal('archive'), Type.Literal('size')], { default: 'auto' }),
    /** For an incremental job: the full job it builds on, whose newest backup must exist and be verified. */
    fullJob: Type.Optional(JobName),
    offsite: Type.Optional(
      Type.Object(
        {
          /** Directory that must hold a copy of each backup under the same name (a mounted share). */
          path: Type.String({ minLength: 1 }),
          /** sha256: read the copy and compare its checksum; size: compare sizes only (slow links). */
          compare: Type.Union([Type.Literal('sha256'), Type.Literal('size')], { default: 'sha256' }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const BackupSettingsSchema = Type.Object(
  {
    jobs: Type.Array(Job, { default: [], maxItems: 50 }),
    /** A new file counts once its size and modification time have not changed for this long. */
    settleSeconds: Type.Number({ minimum: 0.1, maximum: 3600, default: 30 }),
    /** Full rescan of every location: file watches miss events on network shares. */
    rescanSeconds: Type.Number({ minimum: 0.5, maximum: 86_400, default: 300 }),
    /** Read budget for verification, so a multi-GB check does not starve the clerk's work; 0 = no limit. */
    verifyBytesPerSecond: Type.Number({ minimum: 0, default: 0 }),
    verifyTimeoutSeconds: Type.Number({ minimum: 1, maximum: 7 * 86_400, default: 4 * 3_600 }),
  },
  { additionalProperties: false },
);

export type BackupSettings = Static<typeof BackupSettingsSchema>;
export type JobSettings = Static<typeof Job>;

export interface BackupJob extends JobSettings {
  maxAgeSeconds: number;
}

/** Jobs with their defaults filled in, or the problems that make the set unusable. */
export function resolveJobs(settings: BackupSettings): { jobs: BackupJob[]; problems: string[] } {
  const problems: string[] = [];
  const byName = new Map<string, JobSettings>();
  for (const job of settings.jobs) {
    if (byName.has(job.name)) problems.push(`job "${job.name}" is declared twice`);
    byName.set(job.name, job);
  }
  for (const job of settings.jobs) {
    if (job.fullJob === undefined) continue;
    const base = byName.get(job.fullJob);
    if (job.kind !== 'incremental') problems.push(`job "${job.name}": only an incremental job builds on a full one (fullJob)`);
    else if (!base) problems.push(`job "${job.name}": fullJob "${job.fullJob}" is not a declared job`);
    else if (base.kind !== 'full') problems.push(`job "${job.name}": fullJob "${job.fullJob}" is not a full job`);
  }
  for (const job of settings.jobs) {
    if (!job.path && job.offsite) problems.push(`job "${job.name}": an off-site copy can only be checked for a job with a path`);
  }
  const jobs = settings.jobs.map((job) => ({ ...job, maxAgeSeconds: job.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS[job.kind] }));
  return { jobs, problems };
}
