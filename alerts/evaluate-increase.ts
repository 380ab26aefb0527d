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
  if (inRange.length < 2) return undefined;
  const first = inRange[0]!;
  const last = inRange[inRange.length - 1]!;
  let result = last.v - first.v;
  let prev = first.v;
  for (const p of inRange.slice(1)) {
    if (p.v < prev) result += prev; // a reset: the counter restarted from 0
    prev = p.v;
  }
  let durationToStart = (first.t - startMs) / 1000;
  const durationToEnd = (endMs - last.t) / 1000;
  const sampledInterval = (last.t - first.t) / 1000;
  const averageBetween = sampledInterval / (inRange.length - 1);
  if (result > 0 && first.v >= 0) {
    // Counters cannot go below zero: do not extrapolate further back than where it would reach 0.
    const durationToZero = sampledInterval * (first.v / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  const threshold = averageBetween * 1.1;
  let extrapolateTo = sampledInterval;
  extrapolateTo += durationToStart < threshold ? durationToStart : averageBetween / 2;
  extrapolateTo += durationToEnd < threshold ? durationToEnd : averageBetween / 2;
  return result * (extrapolateTo / sampledInterval);
}
