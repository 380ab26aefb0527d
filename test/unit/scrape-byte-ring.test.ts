// The ring the event loop hands renderings to the scrape thread through (collector/scrape/byte-ring.ts):
// contiguous slots, never over bytes the reader has not released, wrapping to the start.
import { describe, expect, it } from 'vitest';
import { ByteRing } from '../../collector/scrape/byte-ring.js';

describe('byte ring', () => {
  it('hands out contiguous slots until the unreleased bytes fill it, then wraps once released', () => {
    const writer = ByteRing.create(100);
    const reader = new ByteRing(writer.data, writer.control);
    const a = writer.reserve(40)!;
    const b = writer.reserve(40)!;
    expect([a.offset, b.offset]).toEqual([0, 40]);
    // 20 bytes left at the end, none released: 30 do not fit.
    expect(writer.reserve(30)).toBeUndefined();
    reader.release(a.end);
    // Wraps: 20 bytes of padding at the end, then 30 at the start (40 released).
    const c = writer.reserve(30)!;
    expect(c.offset).toBe(0);
    // b still holds 40..80 and c 0..30: 10 bytes free at 30..40, not 15.
    expect(writer.reserve(15)).toBeUndefined();
    expect(writer.reserve(10)!.offset).toBe(30);
    reader.release(b.end);
    // b's 40..80 released; 80..100 is padding the writer already skipped (counted as used until c is released).
    expect(writer.reserve(50)).toBeUndefined();
    expect(writer.reserve(40)!.offset).toBe(40);
    reader.release(c.end);
    expect(writer.reserve(61)).toBeUndefined();
  });
});
