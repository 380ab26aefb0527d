// Token buckets keyed by device (reports) or address (enrolment attempts): a burst is allowed, the
// sustained rate is capped. A small map with idle buckets evicted, rather than a plugin keyed on
// headers, because the key is the device the token belongs to, known only after the token check.
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly nowMs: () => number,
    private readonly maxKeys = 100_000,
  ) {}

  /** Takes one token; returns 0 when allowed, else the milliseconds until one is available. */
  take(key: string): number {
    const now = this.nowMs();
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= this.maxKeys) this.evictIdle(now);
      b = { tokens: this.burst, atMs: now };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.atMs) / 1000) * this.perSecond);
    b.atMs = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - b.tokens) / this.perSecond) * 1000);
  }

  /** Forgets buckets that have refilled completely (they behave exactly like new ones). */
  private evictIdle(now: number): void {
    for (const [k, b] of this.buckets) if (b.tokens + ((now - b.atMs) / 1000) * this.perSecond >= this.burst) this.buckets.delete(k);
    // Still full of busy keys: the oldest go, so memory stays bounded whatever the callers do.
    for (const k of this.buckets.keys()) {
      if (this.buckets.size < this.maxKeys) break;
      this.buckets.delete(k);
    }
  }
}
