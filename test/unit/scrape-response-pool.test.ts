// The scrape thread's answer buffers (collector/scrape/response-pool.ts): a buffer is handed out again
// only after it was given back, never while an answer may still be written from it, and an idle pool
// keeps no more than its bound.
import { describe, expect, it } from 'vitest';
import { ResponsePool } from '../../collector/scrape/response-pool.js';

describe('response pool', () => {
  it('gives a buffer of exactly the length asked, and its memory again only after it was released', () => {
    const pool = new ResponsePool();
    const a = pool.take(20_000);
    expect(a.bytes.length).toBe(20_000);
    a.bytes.fill(1);
    const b = pool.take(20_000);
    expect(b.bytes.buffer).not.toBe(a.bytes.buffer); // a is still being written: never shared
    a.release();
    expect(pool.freeBytes).toBe(32_768);
    const c = pool.take(17_000); // the same size class
    expect(c.bytes.buffer).toBe(a.bytes.buffer);
    expect(c.bytes.length).toBe(17_000);
    expect(pool.freeBytes).toBe(0);
    // Releasing twice gives nothing back twice.
    a.release();
    expect(pool.freeBytes).toBe(0);
    const d = pool.take(20_000);
    expect(d.bytes.buffer).not.toBe(c.bytes.buffer);
    b.release();
  });

  it('keeps at most its bound of idle bytes, and does not pool an answer bigger than its largest class', () => {
    const pool = new ResponsePool(64 << 10);
    const taken = Array.from({ length: 5 }, () => pool.take(30_000)); // 32 KiB each
    for (const t of taken) t.release();
    expect(pool.freeBytes).toBe(64 << 10);
    const huge = pool.take(5 << 20);
    expect(huge.bytes.length).toBe(5 << 20);
    huge.release();
    expect(pool.freeBytes).toBe(64 << 10);
  });

  it('gives tiny and empty answers a buffer of the smallest class', () => {
    const pool = new ResponsePool();
    const e = pool.take(0);
    expect(e.bytes.length).toBe(0);
    e.release();
    expect(pool.freeBytes).toBe(1024);
    expect(pool.take(100).bytes.buffer).toBe(e.bytes.buffer);
  });
});
