// The readings of one network target, whichever way it is pinged (bursts or one long-running ping):
// the same metrics with the same meaning on every platform.
import { m } from '../../protocol/metrics.js';
import { rttStats } from './network-ping-parse.js';
import type { Target } from './network-targets.js';
import { sample, type Reading } from './probe.js';

export interface TargetCounts {
  sent: number;
  lost: number;
  host?: string;
  lastReplyWallMs?: number;
}

export type RttSummary = { minMs: number; avgMs: number; maxMs: number; devMs?: number };

/** `rttsMs`: the replies within the window; `summary`: ping's own figures where it printed no per-reply lines. */
export function targetReadings(target: Target, counts: TargetCounts, rttsMs: readonly number[], summary?: RttSummary): Reading[] {
  const labels = { target: target.label };
  const out: Reading[] = [sample(m.pingSent, counts.sent, labels), sample(m.pingLost, counts.lost, labels)];
  if (counts.host !== undefined) out.push(sample(m.targetInfo, 1, { target: target.label, host: counts.host }));
  if (counts.lastReplyWallMs !== undefined) out.push(sample(m.lastReply, counts.lastReplyWallMs / 1000, labels));
  const spec = target.spec;
  if (spec.maxLossRatio !== undefined) out.push(sample(m.lossLimit, spec.maxLossRatio, labels));
  if (spec.maxRttMs !== undefined) out.push(sample(m.rttLimit, spec.maxRttMs / 1000, labels));
  const stats = rttStats(rttsMs);
  const figures = stats ?? (summary ? { ...summary, ...(summary.devMs === undefined ? {} : { jitterMs: summary.devMs }) } : undefined);
  if (figures) {
    out.push(sample(m.rttMin, figures.minMs / 1000, labels), sample(m.rttAvg, figures.avgMs / 1000, labels), sample(m.rttMax, figures.maxMs / 1000, labels));
    if ('jitterMs' in figures && figures.jitterMs !== undefined) out.push(sample(m.jitter, figures.jitterMs / 1000, labels));
  }
  return out;
}
