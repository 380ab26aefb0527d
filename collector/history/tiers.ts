// The history's downsampled tiers, said once: how wide a bucket is, how long it is kept, and how many
// buckets one stored chunk holds. A quarter and the previous one (季度考核) are always covered by the
// hour tier. Buckets are aligned to the epoch (UTC), so every collector and every restart agrees on
// where a minute, a quarter hour or an hour begins.
export interface Tier {
  /** Also the tier's id in the store: the bucket width in minutes. */
  readonly id: 1 | 15 | 60;
  readonly stepMs: number;
  readonly retentionMs: number;
  /**
   * Buckets per stored chunk (one row per device, tier and chunk; 1 min: 5 minutes, 15 min: 4 h,
   * 1 h: a day). The writer holds a device's closed minutes until their chunk closes and writes it
   * once, so the minute chunk is short (memory per device: 5 minutes of lines); the roll-up chunks are
   * long enough that the per-row overhead is small beside the values.
   */
  readonly bucketsPerChunk: number;
}

const MIN = 60_000;
const DAY = 86_400_000;

export const tiers: readonly Tier[] = [
  { id: 1, stepMs: MIN, retentionMs: 2 * DAY, bucketsPerChunk: 5 },
  { id: 15, stepMs: 15 * MIN, retentionMs: 30 * DAY, bucketsPerChunk: 16 },
  { id: 60, stepMs: 60 * MIN, retentionMs: 400 * DAY, bucketsPerChunk: 24 },
];

export const minuteTier = tiers[0]!;
export const rollupTiers = tiers.slice(1);

/** Boot, unclean-shutdown and backup-run marks are kept as long as the longest tier. */
export const markRetentionMs = 400 * DAY;

export function tierById(id: number): Tier {
  const t = tiers.find((x) => x.id === id);
  if (!t) throw new Error(`no history tier of ${id} minutes`);
  return t;
}

export const bucketStart = (t: Tier, atMs: number) => Math.floor(atMs / t.stepMs) * t.stepMs;
export const chunkSpanMs = (t: Tier) => t.stepMs * t.bucketsPerChunk;
export const chunkStart = (t: Tier, atMs: number) => Math.floor(atMs / chunkSpanMs(t)) * chunkSpanMs(t);
