// One counter series' samples within the longest window that reads it, kept compactly: times and
// values interleaved in one Float64Array (16 bytes a sample) instead of an object per sample (the
// former `{t, v}[]` took ~40 bytes a sample and, for a metric read over both 1 h and 1 day such as
// hangs, kept every 15 s sample for a day: 5,760 objects per series). Resolution is tiered: within the
// shortest window every sample at least `spacing` apart is kept (what that window's increase() needs);
// older samples are thinned to the spacing of the shortest window that still reaches them. A window
// therefore always sees exactly the samples it saw before within its own tier, and at most ~400 per
// window beyond. Resets are never thinned away: the sample before a drop and the drop itself stay,
// or increase() would lose the growth before the reset.
import { extrapolatedIncreaseOf } from './evaluate-increase.js';

export interface Tier {
  /** A window some alert reads this counter over. */
  windowMs: number;
  /** Least spacing between kept samples within it. */
  spacingMs: number;
}

/** Tiers by window, shortest first; a shorter window's spacing applies to all longer ones' too where finer. */
export function tiersOf(windows: readonly number[], samplesPerWindow: number): Tier[] {
  return [...new Set(windows)].sort((a, b) => a - b).map((windowMs) => ({ windowMs, spacingMs: windowMs / samplesPerWindow }));
}

export class CounterHistory {
  /** [t0, v0, t1, v1, …] from `head` (a pair index), `size` pairs. */
  private buf = new Float64Array(8);
  private head = 0;
  private count = 0;
  /** When to thin next: past this many samples (grows with what thinning leaves). */
  private thinAt: number;

  constructor(private readonly tiers: readonly Tier[]) {
    this.thinAt = 64;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the samples' buffer. */
  get bytes(): number {
    return this.buf.byteLength;
  }

  t(i: number): number {
    return this.buf[2 * (this.head + i)]!;
  }

  v(i: number): number {
    return this.buf[2 * (this.head + i) + 1]!;
  }

  private set(i: number, t: number, v: number): void {
    this.buf[2 * (this.head + i)] = t;
    this.buf[2 * (this.head + i) + 1] = v;
  }

  /**
   * Adds the sample of an evaluation at `nowMs` (ignored unless newer than the newest), as the former
   * object list did: the newest replaces the previous newest while that one is closer than the finest
   * spacing to the one before, except after a drop (a reset is always kept).
   */
  record(nowMs: number, value: number): void {
    const n = this.count;
    if (n > 0 && nowMs <= this.t(n - 1)) return;
    const spacing = this.tiers[0]!.spacingMs;
    if (n >= 2 && nowMs - this.t(n - 2) < spacing && value >= this.v(n - 1)) {
      this.set(n - 1, nowMs, value);
      return;
    }
    if (2 * (this.head + n + 1) > this.buf.length) this.makeRoom(n + 1);
    this.set(n, nowMs, value);
    this.count++;
  }

  /** Drops samples older than the longest window; thins older tiers when the list has grown. Returns false when nothing is left. */
  prune(nowMs: number): boolean {
    const retain = this.tiers[this.tiers.length - 1]!.windowMs;
    let cut = 0;
    while (cut < this.count && this.t(cut) < nowMs - retain) cut++;
    this.head += cut;
    this.count -= cut;
    if (this.count === 0) {
      this.head = 0;
      return false;
    }
    if (this.count > this.thinAt) {
      this.thin(nowMs);
      this.thinAt = Math.max(64, Math.ceil(this.count * 1.25));
    }
    return true;
  }

  /** increase() over [endMs - windowMs, endMs], as Prometheus computes it (evaluate-increase.ts). */
  increase(endMs: number, windowMs: number): number | undefined {
    const startMs = endMs - windowMs;
    let from = 0;
    while (from < this.count && this.t(from) < startMs) from++;
    let to = this.count;
    while (to > from && this.t(to - 1) > endMs) to--;
    return extrapolatedIncreaseOf(to - from, (i) => this.t(from + i), (i) => this.v(from + i), endMs, windowMs);
  }

  /**
   * Keeps, oldest first, a sample if it is at least the spacing of its age's tier after the last kept
   * one, if it is the peak before a drop or the drop itself, and always the newest. Samples within the
   * shortest window are left as recorded.
   */
  private thin(nowMs: number): void {
    const fineFrom = nowMs - this.tiers[0]!.windowMs;
    const spacingAt = (t: number) => {
      const age = nowMs - t;
      for (const tier of this.tiers) if (age <= tier.windowMs) return tier.spacingMs;
      return this.tiers[this.tiers.length - 1]!.spacingMs;
    };
    const n = this.count;
    let kept = 0;
    let lastKeptT = -Infinity;
    for (let i = 0; i < n; i++) {
      const t = this.t(i);
      const v = this.v(i);
      const keep = t >= fineFrom || i === n - 1 || i === 0 || t - lastKeptT >= spacingAt(t) || v < this.v(i - 1) || this.v(i + 1) < v;
      if (!keep) continue;
      this.set(kept++, t, v);
      lastKeptT = t;
    }
    this.count = kept;
  }

  /**
   * Moves the samples to the front, growing the buffer by an eighth when they fill more than seven
   * eighths of it (so compacting, a copy of the history, comes only every eighth of it) (doubling left up to half of every history's buffer unused: hundreds of MiB at 10,000 devices).
   */
  private makeRoom(need: number): void {
    const cap = this.buf.length / 2;
    const next = need > (cap * 7) / 8 ? new Float64Array((Math.ceil(cap * 1.125) + 8) * 2) : this.buf;
    if (next === this.buf) this.buf.copyWithin(0, 2 * this.head, 2 * (this.head + this.count));
    else next.set(this.buf.subarray(2 * this.head, 2 * (this.head + this.count)));
    this.buf = next;
    this.head = 0;
  }
}
