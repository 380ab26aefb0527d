// increase() as Prometheus 2.x computes it (promql/functions.go, extrapolatedRate), so that a
// window of counter samples gives the status page the very number the rule compares: counter resets
// add the value before the drop, and the growth is extrapolated towards the window's edges unless
// the first or last sample is more than 1.1 sample intervals away from them. The range includes both
// ends ([t - window, t]), as in Prometheus 2.x (Debian bookworm ships 2.42).

export interface Point {
  /** Milliseconds. */
  readonly t: number;
  readonly v: number;
}

/** Growth of the counter within [endMs - windowMs, endMs]; undefined with fewer than two samples. */
export function extrapolatedIncrease(points: readonly Point[], endMs: number, windowMs: number): number | undefined {
  const startMs = endMs - windowMs;
  const inRange = points.filter((p) => p.t >= startMs && p.t <= endMs);
  return extrapolatedIncreaseOf(inRange.length, (i) => inRange[i]!.t, (i) => inRange[i]!.v, endMs, windowMs);
}

/**
 * The same over `n` samples already within the window, read through accessors (the evaluator keeps
 * them in typed arrays, alerts/counter-history.ts, and must not make an object per sample to ask).
 */
export function extrapolatedIncreaseOf(n: number, t: (i: number) => number, v: (i: number) => number, endMs: number, windowMs: number): number | undefined {
  const startMs = endMs - windowMs;
  if (n < 2) return undefined;
  const firstT = t(0);
  const firstV = v(0);
  const lastT = t(n - 1);
  let result = v(n - 1) - firstV;
  let prev = firstV;
  for (let i = 1; i < n; i++) {
    const x = v(i);
    if (x < prev) result += prev; // a reset: the counter restarted from 0
    prev = x;
  }
  let durationToStart = (firstT - startMs) / 1000;
  const durationToEnd = (endMs - lastT) / 1000;
  const sampledInterval = (lastT - firstT) / 1000;
  const averageBetween = sampledInterval / (n - 1);
  if (result > 0 && firstV >= 0) {
    // Counters cannot go below zero: do not extrapolate further back than where it would reach 0.
    const durationToZero = sampledInterval * (firstV / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  const threshold = averageBetween * 1.1;
  let extrapolateTo = sampledInterval;
  extrapolateTo += durationToStart < threshold ? durationToStart : averageBetween / 2;
  extrapolateTo += durationToEnd < threshold ? durationToEnd : averageBetween / 2;
  return result * (extrapolateTo / sampledInterval);
}
