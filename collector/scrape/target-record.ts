// One device's target as the scrape thread keeps it: a record of bytes holding its families' spans and
// its rendered lines (DeviceExposition's body), so the thread's heap keeps no array per device:
//   u32 n, then n × (u32 family index, u32 start, u32 end) relative to the lines, then the lines.
import { familyHeaderBytes } from '../device-exposition.js';

/** The record's length for a rendering (its body and family ranges, -1 for a family it has not). */
export function recordLength(body: Uint8Array, ranges: Int32Array): number {
  let n = 0;
  for (let i = 0; i < ranges.length; i += 2) if (ranges[i] !== -1) n++;
  return 4 + 12 * n + body.length;
}

/** Writes the record at `at` of `into` (room for recordLength bytes); returns the end. */
export function writeRecord(into: Buffer, at: number, body: Uint8Array, ranges: Int32Array): number {
  const head = at;
  let p = at + 4;
  for (let i = 0; i < ranges.length / 2; i++) {
    const start = ranges[2 * i]!;
    if (start === -1) continue;
    into.writeUInt32LE(i, p);
    into.writeUInt32LE(start, p + 4);
    into.writeUInt32LE(ranges[2 * i + 1]!, p + 8);
    p += 12;
  }
  into.writeUInt32LE((p - head - 4) / 12, head);
  into.set(body, p);
  return p + body.length;
}

/** The length in bytes of the target's text (recordTextInto's). */
export function recordTextLength(rec: Buffer): number {
  const n = rec.readUInt32LE(0);
  let length = 0;
  for (let k = 0; k < n; k++) {
    const at = 4 + 12 * k;
    length += familyHeaderBytes(rec.readUInt32LE(at), k === 0).length + rec.readUInt32LE(at + 8) - rec.readUInt32LE(at + 4);
  }
  return length;
}

/** Copies the target's text (DeviceExposition.deviceText's, byte for byte) into `into` (recordTextLength bytes). */
export function recordTextInto(rec: Buffer, into: Buffer): void {
  const n = rec.readUInt32LE(0);
  const lines = 4 + 12 * n;
  let p = 0;
  for (let k = 0; k < n; k++) {
    const at = 4 + 12 * k;
    const header = familyHeaderBytes(rec.readUInt32LE(at), k === 0);
    into.set(header, p);
    p += header.length;
    p += rec.copy(into, p, lines + rec.readUInt32LE(at + 4), lines + rec.readUInt32LE(at + 8));
  }
}
