// The evaluator's compact counter histories (alerts/counter-history.ts): the shortest window sees
// exactly what the former list of every sample gave it, resets survive thinning, and a day of 15 s
// samples read over 1 h and 1 day stays bounded. Memory itself is measured by the benchmark.
import { describe, expect, it } from 'vitest';
import { CounterHistory, tiersOf } from '../../alerts/counter-history.js';
import { extrapolatedIncrease, type Point } from '../../alerts/evaluate-increase.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('counter history', () => {
  it('keeps the short window exact and the day bounded, with resets', () => {
    const h = new CounterHistory(tiersOf([HOUR, DAY], 400));
    const all: Point[] = [];
    let v = 0;
    for (let t = 0; t <= 1.5 * DAY; t += 15_000) {
      // Grows now and then; restarts from 0 every 5 hours.
      v = t % (5 * HOUR) === 0 ? 0 : v + (t % 600_000 === 0 ? 1 : 0);
      h.record(t, v);
      all.push({ t, v });
      if (!h.prune(t)) throw new Error('emptied');
      if (t % HOUR === 0 && t >= DAY) {
        const kept = all.filter((p) => p.t >= t - DAY);
        expect(h.increase(t, HOUR)).toBe(extrapolatedIncrease(kept, t, HOUR));
        // Over the day: the same growth (resets counted), the extrapolation from fewer samples.
        const full = extrapolatedIncrease(kept, t, DAY)!;
        expect(Math.abs(h.increase(t, DAY)! - full)).toBeLessThanOrEqual(full * 0.01 + 1e-9);
      }
    }
    // Every 15 s sample of the day was 5,760; now the last hour at full resolution and the rest thinned.
    expect(h.size).toBeLessThan(1000);
    expect(h.bytes).toBeLessThan(1000 * 16 * 1.25);
  });
});
