// The backup probe's state → readings, pure so tests check every series on literal state. Every
// result's counter is reported from 0, so that the first failure is an increase Prometheus can see
// (a counter that first appears at 1 has no increase). Moments that never happened are left out.
import { m } from '../../protocol/metrics.js';
import type { BackupJob } from '../backup/job.js';
import { LEVELS, RUN_RESULTS, type JobState } from '../backup/state.js';
import { sample, type Reading } from './probe.js';

export function jobReadings(job: BackupJob, st: JobState): Reading[] {
  const l = { backup_job: job.name };
  const out: Reading[] = [];
  for (const result of RUN_RESULTS) out.push(sample(m.backupRuns, st.runs[result], { ...l, result }));
  if (st.lastRun) {
    for (const result of RUN_RESULTS) out.push(sample(m.backupLastResult, st.lastRun.result === result ? 1 : 0, { ...l, result }));
    out.push(sample(m.backupLastRun, st.lastRun.atMs / 1000, l));
  }
  if (st.lastSuccessMs !== undefined) out.push(sample(m.backupLastSuccess, st.lastSuccessMs / 1000, l));
  out.push(sample(m.backupWatchedSince, st.watchedSinceMs / 1000, l));
  out.push(sample(m.backupMaxAge, job.maxAgeSeconds, { ...l, kind: job.kind }));
  if (st.reportedDurationSeconds !== undefined) out.push(sample(m.backupReportedDuration, st.reportedDurationSeconds, l));
  const latest = st.latest;
  if (latest) {
    out.push(sample(m.backupSize, latest.sizeBytes, l));
    out.push(sample(m.backupVerifyDuration, latest.verifyMs / 1000, l));
    if (latest.result === 'ok' && latest.level) for (const level of LEVELS) out.push(sample(m.backupVerification, latest.level === level ? 1 : 0, { ...l, level }));
    // Off-site state is reported for the latest backup only, once it has been looked for.
    if (job.offsite && st.offsite?.forFile === latest.name) {
      out.push(sample(m.backupOffsitePresent, st.offsite.present ? 1 : 0, l));
      if (st.offsite.present && st.offsite.match !== undefined) out.push(sample(m.backupOffsiteMatch, st.offsite.match ? 1 : 0, l));
    }
  }
  return out;
}
