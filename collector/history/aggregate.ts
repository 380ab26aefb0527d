// One line's aggregate within one bucket. Every combination of two aggregates of the same bucket
// (chunk.ts mergeAt, accumulators.ts) is associative — min of minima, max of maxima, sums added, the
// newer last value kept — so a minute written before a late report came in, the same minute merged
// again, and the quarter-hour and hour roll-ups all end at the same numbers whatever the order: a late
// report merges into what is stored, never replaces it.
import type { LineKind } from './charts.js';

export interface Agg {
  /** Samples (reports) in the bucket. */
  n: number;
  min: number;
  max: number;
  /** gauge: sum of the values (avg = sum / n); sum: the summed counter increases. */
  sum: number;
  /** last: the newest sample's value and when it was taken. */
  last: number;
  lastAt: number;
}

/** What a chart line shows for the bucket: the average (gauge), the increase (sum), the last state (last). */
export function shown(kind: LineKind, a: Agg): number {
  if (kind === 'gauge') return a.sum / a.n;
  if (kind === 'sum') return a.sum;
  return a.last;
}

/** One device's lines in one bucket: stored key → kind and aggregate. */
export type BucketLines = Map<string, { kind: LineKind; agg: Agg }>;
