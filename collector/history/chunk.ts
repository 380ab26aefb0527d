// The binary form of one stored chunk: one device, one tier, `bucketsPerChunk` consecutive buckets,
// every line the device had in them. Values are float32 (7 significant digits: more than any chart
// shows), a bucket without a sample costs 2 bytes (n = 0: a gap, drawn as null, never 0), and line
// keys are written once per chunk rather than once per bucket. This is what keeps a device's 400 days
// under the 5 MiB target (BENCHMARKS.md, History). Both stores keep it as an opaque blob, so SQLite and
// PostgreSQL hold the very same bytes and the merge logic exists once, here.
//
//   u8 format (1: raw, 2: deflate-raw of the rest)  u16 lines
//   per line: u8 kind (0 gauge, 1 sum, 2 last)  u8 key bytes  key (UTF-8)
//             per bucket: u16 n; when n > 0: gauge f32 min, f32 avg, f32 max | sum f32 sum |
//                                       last f32 last, f32 min, f32 max, u16 seconds of last into the bucket
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Agg, BucketLines } from './aggregate.js';
import type { LineKind } from './charts.js';
import type { Tier } from './tiers.js';

const kinds: readonly LineKind[] = ['gauge', 'sum', 'last'];
const N_MAX = 0xffff;

/** A decoded chunk: per stored line, one aggregate (or undefined: no sample) per bucket. */
export type ChunkLines = Map<string, { kind: LineKind; buckets: (Agg | undefined)[] }>;

export function encodeChunk(tier: Tier, startMs: number, lines: ChunkLines, compress: boolean): Uint8Array {
  let size = 3;
  const keys = new Map<string, Buffer>();
  for (const [key, l] of lines) {
    let kb = Buffer.from(key, 'utf8');
    if (kb.length > 255) kb = kb.subarray(0, 255);
    keys.set(key, kb);
    size += 2 + kb.length;
    for (let i = 0; i < tier.bucketsPerChunk; i++) {
      const a = l.buckets[i];
      size += 2 + (a && a.n > 0 ? (l.kind === 'gauge' ? 12 : l.kind === 'sum' ? 4 : 14) : 0);
    }
  }
  const buf = Buffer.alloc(size);
  let o = 0;
  buf.writeUInt8(1, o++);
  buf.writeUInt16LE(lines.size, o);
  o += 2;
  for (const [key, l] of lines) {
    const kb = keys.get(key)!;
    buf.writeUInt8(kinds.indexOf(l.kind), o++);
    buf.writeUInt8(kb.length, o++);
    kb.copy(buf, o);
    o += kb.length;
    for (let i = 0; i < tier.bucketsPerChunk; i++) {
      const a = l.buckets[i];
      if (!a || a.n <= 0) {
        buf.writeUInt16LE(0, o);
        o += 2;
        continue;
      }
      // A count past 65535 (an hour of 0.2 s reports) saturates: the average stays right, merges weigh it a little low.
      buf.writeUInt16LE(Math.min(a.n, N_MAX), o);
      o += 2;
      if (l.kind === 'gauge') {
        buf.writeFloatLE(a.min, o);
        buf.writeFloatLE(a.sum / a.n, o + 4);
        buf.writeFloatLE(a.max, o + 8);
        o += 12;
      } else if (l.kind === 'sum') {
        buf.writeFloatLE(a.sum, o);
        o += 4;
      } else {
        buf.writeFloatLE(a.last, o);
        buf.writeFloatLE(a.min, o + 4);
        buf.writeFloatLE(a.max, o + 8);
        const bucket = startMs + i * tier.stepMs;
        buf.writeUInt16LE(Math.max(0, Math.min(N_MAX, Math.round((a.lastAt - bucket) / 1000))), o + 12);
        o += 14;
      }
    }
  }
  if (!compress) return buf;
  const packed = deflateRawSync(buf.subarray(1), { level: 6 });
  const out = Buffer.alloc(packed.length + 1);
  out.writeUInt8(2, 0);
  packed.copy(out, 1);
  return out;
}

export function decodeChunk(tier: Tier, startMs: number, data: Uint8Array): ChunkLines {
  let buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const format = buf.readUInt8(0);
  if (format === 2) buf = Buffer.concat([Buffer.from([1]), inflateRawSync(buf.subarray(1))]);
  else if (format !== 1) throw new Error(`history chunk format ${format} is unknown (written by a newer stationwatch?)`);
  let o = 1;
  const count = buf.readUInt16LE(o);
  o += 2;
  const lines: ChunkLines = new Map();
  for (let li = 0; li < count; li++) {
    const kind = kinds[buf.readUInt8(o++)]!;
    const kl = buf.readUInt8(o++);
    const key = buf.toString('utf8', o, o + kl);
    o += kl;
    const buckets: (Agg | undefined)[] = new Array<Agg | undefined>(tier.bucketsPerChunk);
    for (let i = 0; i < tier.bucketsPerChunk; i++) {
      const n = buf.readUInt16LE(o);
      o += 2;
      if (n === 0) continue;
      const bucket = startMs + i * tier.stepMs;
      if (kind === 'gauge') {
        const min = buf.readFloatLE(o);
        const avg = buf.readFloatLE(o + 4);
        const max = buf.readFloatLE(o + 8);
        o += 12;
        buckets[i] = { n, min, max, sum: avg * n, last: avg, lastAt: bucket };
      } else if (kind === 'sum') {
        const sum = buf.readFloatLE(o);
        o += 4;
        buckets[i] = { n, min: sum, max: sum, sum, last: sum, lastAt: bucket };
      } else {
        const last = buf.readFloatLE(o);
        const min = buf.readFloatLE(o + 4);
        const max = buf.readFloatLE(o + 8);
        const at = buf.readUInt16LE(o + 12);
        o += 14;
        buckets[i] = { n, min, max, sum: last * n, last, lastAt: bucket + at * 1000 };
      }
    }
    lines.set(key, { kind, buckets });
  }
  return lines;
}

/** Merges one bucket's lines into a decoded chunk (bucketMs inside the chunk). */
export function mergeIntoChunk(tier: Tier, startMs: number, chunk: ChunkLines, bucketMs: number, lines: BucketLines): void {
  const i = Math.round((bucketMs - startMs) / tier.stepMs);
  if (i < 0 || i >= tier.bucketsPerChunk) throw new Error(`bucket ${bucketMs} is outside the chunk starting ${startMs}`);
  for (const [key, { kind, agg }] of lines) {
    let l = chunk.get(key);
    if (!l) chunk.set(key, (l = { kind, buckets: new Array<Agg | undefined>(tier.bucketsPerChunk) }));
    const cur = l.buckets[i];
    if (!cur) l.buckets[i] = { ...agg };
    else {
      cur.n += agg.n;
      if (agg.min < cur.min) cur.min = agg.min;
      if (agg.max > cur.max) cur.max = agg.max;
      cur.sum += agg.sum;
      if (agg.lastAt >= cur.lastAt) {
        cur.last = agg.last;
        cur.lastAt = agg.lastAt;
      }
    }
  }
}
