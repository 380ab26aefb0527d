// Checks of a report beyond its schema: those that need the collector's clock or look across fields.
// Each problem names its JSON path; any problem refuses the whole report (400, nothing changes), as a
// schema violation does. Per-sample problems are not here: indexSamples drops those samples and names
// them in the 202's `dropped` (device-store.ts).
//
// Times: a device clock may be wrong by years (a dead CMOS battery) and the clock-offset alert is how
// that is seen, so a clock behind is accepted; a report can be as old as an agent's outbox keeps it
// (outbox.maxAgeHours allows 365 days) and backfill depends on those. Refused: a device clock more
// than a day ahead (the far future is no measurement), a report older than any outbox keeps one, and
// one made a day or more after it was sent. agent.startedAt and probes[].finishedAt are not checked
// against the clock: a clock stepped back after the agent started would otherwise freeze that agent
// until it restarts; startedAt only orders reports (device-store.ts isNewer), where no value wedges.
import type { Report } from '../protocol/report.js';

const DAY_MS = 86_400_000;
/** How far the device's clock may be ahead of the collector's when it sends. */
export const MAX_CLOCK_AHEAD_MS = DAY_MS;
/** The oldest report an agent can still send: its outbox keeps up to 365 days; a margin for clock drift. */
export const MAX_REPORT_AGE_MS = 400 * DAY_MS;

const duration = (ms: number) => (ms >= DAY_MS ? `${Math.round(ms / DAY_MS)} days` : `${Math.round(ms / 1000)} s`);

/** Problems with a schema-valid report, each with its JSON path; empty when it may be accepted. */
export function reportCheckProblems(r: Report, receivedAtMs: number): string[] {
  const problems: string[] = [];
  const ahead = r.sentAt - receivedAtMs;
  if (ahead > MAX_CLOCK_AHEAD_MS) problems.push(`/sentAt: the device clock is ${duration(ahead)} ahead of the collector's; more than a day ahead is refused (set the device's clock)`);
  const age = r.sentAt - r.createdAt;
  if (age > MAX_REPORT_AGE_MS) problems.push(`/createdAt: made ${duration(age)} before it was sent; no agent keeps a report that long (outbox.maxAgeHours is at most 365 days)`);
  if (-age > MAX_CLOCK_AHEAD_MS) problems.push(`/createdAt: made ${duration(-age)} after it was sent (on the device's clock)`);
  // One status per probe: two with one name would be two series with the same labels.
  const seen = new Map<string, number>();
  for (let i = 0; i < r.probes.length && problems.length < 10; i++) {
    const name = r.probes[i]!.name;
    const first = seen.get(name);
    if (first === undefined) seen.set(name, i);
    else problems.push(`/probes/${i}/name: "${name}" is also /probes/${first}/name; each probe appears once`);
  }
  return problems;
}
