// The ring the event loop hands frames to the scrape thread through (collector/scrape/byte-ring.ts):
// frames come out whole and in order, never over bytes the reader has not consumed, wrapping to the
// start (with a mark, or without one when fewer than 4 bytes are left); and the frames themselves
// (target-frame.ts) read back as written.
import { describe, expect, it } from 'vitest';
import { ByteRing } from '../../collector/scrape/byte-ring.js';
import { frameLength, readFrame, writeFrame, type TargetUpdate } from '../../collector/scrape/target-frame.js';

const frame = (n: number, fillByte: number) => (bytes: Buffer, at: number) => void bytes.fill(fillByte, at, at + n);
function readAll(r: ByteRing, stopAt = Infinity): number[][] {
  const out: number[][] = [];
  r.read((f) => {
    if (out.length >= stopAt) return false;
    out.push([f.length, f[0]!, f[f.length - 1]!]);
    return true;
  });
  return out;
}

describe('byte ring', () => {
  it('hands frames over in order and refuses one the unread frames leave no room for', () => {
    const writer = ByteRing.create(100);
    const reader = new ByteRing(writer.data, writer.control);
    expect(writer.maxFrame).toBe(46);
    expect(writer.write(36, frame(36, 1))).toBe(true); // 0..40
    expect(writer.write(36, frame(36, 2))).toBe(true); // 40..80
    // 20 bytes left before the end, none read: 26 + 4 do not fit, and nothing is written.
    expect(writer.write(26, frame(26, 3))).toBe(false);
    expect(readAll(reader, 1)).toEqual([[36, 1, 1]]);
    // Wraps: a 0 mark at 80, then the frame at 0 (40 bytes consumed).
    expect(writer.write(26, frame(26, 3))).toBe(true); // 0..30
    // 40..80 still unread and 80..100 skipped: 10 bytes free at 30..40.
    expect(writer.write(7, frame(7, 4))).toBe(false);
    expect(writer.write(6, frame(6, 4))).toBe(true); // 30..40
    expect(readAll(reader)).toEqual([[36, 2, 2], [26, 3, 3], [6, 4, 4]]);
    expect(readAll(reader)).toEqual([]);
    expect(() => writer.write(47, frame(47, 5))).toThrow(RangeError);
  });

  it('wraps without a mark when fewer than 4 bytes are left at the end', () => {
    const writer = ByteRing.create(100);
    const reader = new ByteRing(writer.data, writer.control);
    expect(writer.write(44, frame(44, 1))).toBe(true); // 0..48
    expect(writer.write(46, frame(46, 2))).toBe(true); // 48..98: 2 bytes left
    expect(readAll(reader)).toEqual([[44, 1, 1], [46, 2, 2]]);
    expect(writer.write(10, frame(10, 3))).toBe(true); // 0..14
    expect(readAll(reader)).toEqual([[10, 3, 3]]);
  });

  it('reads a frame again when the reader stops before it', () => {
    const writer = ByteRing.create(100);
    const reader = new ByteRing(writer.data, writer.control);
    writer.write(10, frame(10, 1));
    writer.write(10, frame(10, 2));
    expect(readAll(reader, 1)).toEqual([[10, 1, 1]]);
    expect(readAll(reader)).toEqual([[10, 2, 2]]);
  });
});

describe('target frames', () => {
  it('read back as written: removals, updates with and without a record', () => {
    const record = Buffer.from('record bytes of pc-01');
    const set: TargetUpdate[] = [
      { name: 'pc-01', receivedAtMs: 1_790_000_000_000, reportingUntilMs: 1_790_000_045_000, record: { length: record.length, write: (into, at) => at + record.copy(into, at) } },
      { name: '柜台-02' },
    ];
    const length = frameLength(['gone'], set);
    const bytes = Buffer.alloc(length + 3);
    expect(writeFrame(bytes, 3, 7, ['gone'], set)).toBe(length + 3);
    const seen: unknown[] = [];
    const { seq } = readFrame(bytes.subarray(3), {
      removed: (name) => seen.push(['removed', name]),
      set: (name, received, until, rec) => seen.push([name, received, until, rec?.toString()]),
    });
    expect(seq).toBe(7);
    expect(seen).toEqual([['removed', 'gone'], ['pc-01', 1_790_000_000_000, 1_790_000_045_000, 'record bytes of pc-01'], ['柜台-02', undefined, undefined, undefined]]);
  });

  it('refuses a record that writes another length than it announced', () => {
    const set: TargetUpdate[] = [{ name: 'pc-01', receivedAtMs: 1, reportingUntilMs: 2, record: { length: 10, write: (_into, at) => at + 9 } }];
    expect(() => writeFrame(Buffer.alloc(frameLength([], set)), 0, 0, [], set)).toThrow(/wrote 9 bytes, not 10/);
  });
});
