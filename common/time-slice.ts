// Long loops on the event loop cut into slices of a few milliseconds: between two slices the loop
// answers whatever waits (a per-device scrape, a report), so no request waits longer than one slice.
// Cut by time, not by a count of items: the cost of an item varies by machine, load and fleet.
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Milliseconds of work per slice: well under the per-device target's p99 of 5 ms (issue 18). */
export const SLICE_MS = 3;

export class TimeSlicer {
  private startedAt = performance.now();
  constructor(private readonly sliceMs = SLICE_MS) {}

  /** True when the current slice has had its time: `await next()` before going on. */
  due(): boolean {
    return performance.now() - this.startedAt >= this.sliceMs;
  }

  /** Lets the event loop run (I/O included), then starts a new slice. */
  async next(): Promise<void> {
    await nextTurn();
    this.startedAt = performance.now();
  }
}
