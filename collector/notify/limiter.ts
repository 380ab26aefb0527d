// How many messages a channel may send now, under its platform's limits (facts.md: DingTalk 20 a
// minute and a 10-minute block after exceeding it; WeCom 20 a minute; Feishu/Lark 100 a minute and 5 a
// second). Sliding windows over the send times of this collector; the limit is kept strictly, with a
// margin of one, because exceeding DingTalk's means ten minutes of nothing. When the platform answers
// "rate limited" anyway (another sender on the same robot), `blocked` holds every send until the
// platform's block ends.
import type { ChannelLimits } from './types.js';

export class Limiter {
  private readonly sent: number[] = [];
  private blockedUntilMs = 0;

  constructor(private readonly limits: ChannelLimits) {}

  private prune(nowMs: number): void {
    while (this.sent.length > 0 && this.sent[0]! <= nowMs - 60_000) this.sent.shift();
  }

  private get perMinute(): number {
    // One under the platform's own figure where it blocks on excess: a clock skew of ours must not cost ten minutes.
    return Math.max(1, this.limits.perMinute - (this.limits.blockedForMsAfterExceeding ? 1 : 0));
  }

  /** When the next send may go (≤ nowMs: now). */
  nextAllowedMs(nowMs: number): number {
    this.prune(nowMs);
    let at = Math.max(nowMs, this.blockedUntilMs);
    if (this.sent.length >= this.perMinute) at = Math.max(at, this.sent[this.sent.length - this.perMinute]! + 60_000);
    const perSecond = this.limits.perSecond;
    if (perSecond !== undefined && this.sent.length >= perSecond) {
      const nth = this.sent[this.sent.length - perSecond]!;
      if (nth > nowMs - 1000) at = Math.max(at, nth + 1000);
    }
    return at;
  }

  /** How many more sends fit in the current minute (0 when the channel must wait). */
  room(nowMs: number): number {
    if (this.nextAllowedMs(nowMs) > nowMs) return 0;
    return this.perMinute - this.sent.length;
  }

  record(nowMs: number): void {
    this.sent.push(nowMs);
  }

  /** The platform said "too many": nothing is sent until its block is over (or `retryAfterMs`). */
  blocked(nowMs: number, retryAfterMs?: number): void {
    this.blockedUntilMs = Math.max(this.blockedUntilMs, nowMs + (retryAfterMs ?? this.limits.blockedForMsAfterExceeding ?? 60_000));
  }
}
