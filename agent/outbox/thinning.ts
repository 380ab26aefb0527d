// Which queued reports to give up when the outbox is over its limits. Every report carries the
// agent's cumulative counters and last-event timestamps, so dropping a snapshot loses only that
// moment's gauges: the newer snapshots still hold every event. So the newest report is never
// dropped, too-old ones go first, and then the older half is thinned one report at a time where
// its resolution is finest: an outage of days keeps its shape (and its start) at a coarser
// resolution, while the recent half stays at full resolution.

export interface QueuedItem {
  /** Position in the queue: increases with every report, never reused while the report waits. */
  seq: number;
  /** When the report was made (device clock, epoch ms). */
  createdAt: number;
  bytes: number;
}

export interface OutboxLimits {
  maxBytes: number;
  maxReports: number;
  maxAgeMs: number;
}

/** The seqs to drop so that what remains fits the limits; the newest item always stays. */
export function itemsToDrop(items: readonly QueuedItem[], limits: OutboxLimits, nowMs: number): Set<number> {
  const drop = new Set<number>();
  if (items.length <= 1) return drop;
  const newest = items[items.length - 1]!;
  const kept = items.filter((it) => {
    if (it !== newest && it.createdAt < nowMs - limits.maxAgeMs) {
      drop.add(it.seq);
      return false;
    }
    return true;
  });
  let bytes = kept.reduce((sum, it) => sum + it.bytes, 0);
  while (kept.length > 1 && (bytes > limits.maxBytes || kept.length > limits.maxReports)) {
    const i = thinningVictim(kept);
    drop.add(kept[i]!.seq);
    bytes -= kept[i]!.bytes;
    kept.splice(i, 1);
  }
  return drop;
}

/**
 * The index to drop: among the older half (never the first, which marks where the gap began, nor
 * the newest), the one whose neighbours are closest in time. With two items, the older one.
 */
function thinningVictim(items: readonly QueuedItem[]): number {
  const last = Math.min(items.length - 2, Math.max(1, Math.floor(items.length / 2)));
  if (last < 1) return 0;
  let best = 1;
  let bestGap = Infinity;
  for (let i = 1; i <= last; i++) {
    const gap = items[i + 1]!.createdAt - items[i - 1]!.createdAt;
    if (gap < bestGap) {
      best = i;
      bestGap = gap;
    }
  }
  return best;
}
