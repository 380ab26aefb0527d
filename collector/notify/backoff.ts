// When to try a failed delivery again: exponential backoff with full jitter (so many collectors, or
// many queued messages, do not retry a recovering platform in step), never sooner than the platform
// asked (Retry-After, a rate-limit answer), never later than the cap.
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

export const defaultBackoff: BackoffPolicy = { baseMs: 5_000, capMs: 10 * 60_000 };

/** Delay before attempt `attempts + 1`, after `attempts` failures (≥ 1). `random` in [0, 1). */
export function retryDelayMs(attempts: number, p: BackoffPolicy, retryAfterMs?: number, random: () => number = Math.random): number {
  const ceiling = Math.min(p.capMs, p.baseMs * 2 ** Math.min(attempts - 1, 30));
  // Half fixed, half jitter: a retry never comes immediately, and retries spread out.
  const delay = ceiling / 2 + random() * (ceiling / 2);
  return Math.round(Math.max(delay, retryAfterMs ?? 0));
}
