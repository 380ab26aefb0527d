// The scrape thread's arena (collector/scrape/target-arena.ts): every device's bytes read back intact
// however often they are replaced; slabs are reused, not allocated, in the steady state; slabs pinned
// by devices that stopped reporting are emptied over time; a large rendering gets a slab of its own.
import { describe, expect, it } from 'vitest';
import { TargetArena, type Placed } from '../../collector/scrape/target-arena.js';

const bytesOf = (device: number, version: number, length: number) => Buffer.alloc(length, `${device}:${version};`);

describe('target arena', () => {
  it('keeps every device\'s latest bytes through many replacements, with a bounded number of slabs', () => {
    const arena = new TargetArena(64 * 1024, 2);
    const devices = 200;
    const placed = new Map<number, { p: Placed; version: number; length: number }>();
    let maxSlabs = 0;
    for (let round = 0; round < 50; round++) {
      for (let d = 0; d < devices; d++) {
        const length = 100 + ((d * 37 + round * 11) % 900);
        const old = placed.get(d);
        // Every other device's place is refilled in place (the scrape thread's way), the rest freed and put anew.
        if (old && d % 2 === 0) {
          const p = arena.put(bytesOf(d, round, length), old.p);
          expect(p).toBe(old.p);
          placed.set(d, { p, version: round, length });
          continue;
        }
        if (old) arena.free(old.p);
        placed.set(d, { p: arena.put(bytesOf(d, round, length)), version: round, length });
      }
      // After the first rounds the arena only reuses what it has.
      const s = arena.stats();
      if (round > 3) maxSlabs = Math.max(maxSlabs, s.slabs + s.pooled);
      for (const [d, { p, version, length }] of placed) expect(arena.view(p).equals(bytesOf(d, version, length))).toBe(true);
    }
    const live = [...placed.values()].reduce((n, e) => n + e.length, 0);
    expect(arena.stats().liveBytes).toBe(live);
    // ~110 KB live in 64 KB slabs: a few slabs in use plus at most the pool, not one per round.
    expect(maxSlabs).toBeLessThanOrEqual(Math.ceil(live / (64 * 1024)) + 4);
  });

  it('moves the entries of devices that stopped reporting out of mostly empty slabs', () => {
    const arena = new TargetArena(16 * 1024, 0);
    // 40 devices × 1 KB: three slabs. Devices 0–3 stop reporting; the others report again and again.
    const placed = new Map<number, Placed>();
    for (let d = 0; d < 40; d++) placed.set(d, arena.put(bytesOf(d, 0, 1024)));
    const first = placed.get(0)!.slab;
    for (let round = 1; round < 20; round++) {
      for (let d = 4; d < 40; d++) {
        arena.free(placed.get(d)!);
        placed.set(d, arena.put(bytesOf(d, round, 1024)));
      }
    }
    // The stopped devices' bytes are intact wherever they were moved, and no slab is kept for them alone.
    for (let d = 0; d < 4; d++) {
      expect(arena.view(placed.get(d)!).equals(bytesOf(d, 0, 1024))).toBe(true);
      expect(placed.get(d)!.slab).not.toBe(first);
    }
    const s = arena.stats();
    expect(s.liveBytes).toBe(40 * 1024);
    expect(s.bytes).toBeLessThanOrEqual(4 * 16 * 1024);
    expect(s.slabs).toBeLessThanOrEqual(4);
  });

  it('gives a large rendering a slab of its own and releases it with the rendering', () => {
    const arena = new TargetArena(16 * 1024, 1);
    const small = arena.put(bytesOf(1, 0, 100));
    const big = arena.put(bytesOf(2, 0, 10_000));
    expect(arena.view(big).equals(bytesOf(2, 0, 10_000))).toBe(true);
    expect(arena.stats().slabs).toBe(2);
    arena.free(big);
    expect(arena.stats()).toMatchObject({ slabs: 1, pooled: 0, liveBytes: 100 });
    expect(arena.view(small).equals(bytesOf(1, 0, 100))).toBe(true);
    // Freeing twice changes nothing.
    arena.free(big);
    expect(arena.stats().liveBytes).toBe(100);
  });
});
