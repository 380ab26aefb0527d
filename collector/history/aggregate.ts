// One line's aggregate within one bucket, and how two aggregates of the same bucket combine. Every
// combination is associative, so a minute flushed before a late report came in, the same minute
// flushed again, and the quarter-hour and hour roll-ups all end at the same numbers whatever the
// order: a late report merges into what is stored, never replaces it.
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

export const one = (value: number, atMs: number): Agg => ({ n: 1, min: value, max: value, sum: value, last: value, lastAt: atMs });

export function merge(into: Agg, b: Agg): Agg {
  into.n += b.n;
  if (b.min < into.min) into.min = b.min;
  if (b.max > into.max) into.max = b.max;
  into.sum += b.sum;
  if (b.lastAt >= into.lastAt) {
    into.last = b.last;
    into.lastAt = b.lastAt;
  }
  return into;
}

export const copy = (a: Agg): Agg => ({ ...a });

/** What a chart line shows for the bucket: the average (gauge), the increase (sum), the last state (last). */
export function shown(kind: LineKind, a: Agg): number {
  if (kind === 'gauge') return a.sum / a.n;
  if (kind === 'sum') return a.sum;
  return a.last;
}

/** One device's lines in one bucket: stored key → kind and aggregate. */
export type BucketLines = Map<string, { kind: LineKind; agg: Agg }>;

export function mergeLines(into: BucketLines, from: BucketLines): BucketLines {
  for (const [key, { kind, agg }] of from) {
    const cur = into.get(key);
    if (cur) merge(cur.agg, agg);
    else into.set(key, { kind, agg: copy(agg) });
  }
  return into;
}
