// The binary form of one stored chunk: one device, one tier, `bucketsPerChunk` consecutive buckets,
// every line the device had in them. Column by column (all counts of a line, then all its minima,
// averages, maxima), so that similar bytes sit together and deflate finds them; float32 values (7
// significant digits: more than any chart shows); a bucket without a sample costs only its count
// (n = 0: a gap, drawn as null, never 0); line keys once per chunk. This keeps a device's 400 days
// under the 5 MiB target (BENCHMARKS.md, History). Both stores keep it as an opaque blob, so SQLite
// and PostgreSQL hold the very same bytes and the merge logic exists once, here.
//
//   u8 format (1: raw, 2: deflate-raw of the rest)  u16 lines
//   per line: u8 kind (0 gauge, 1 sum, 2 last)  u8 key bytes  key (UTF-8)
//   per line, for its P buckets with n > 0:  u16[B] n, then
//     gauge: f32[P] min, f32[P] avg, f32[P] max | sum: f32[P] sum |
//     last: f32[P] last, f32[P] min, f32[P] max, u16[P] seconds of the last sample into its bucket
// Decoded, a line is columns of numbers (no object per bucket: reading a quarter of hours stays cheap).
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { historyZlib } from './zlib-offload.js';
import type { Agg, BucketLines } from './aggregate.js';
import type { LineKind } from './charts.js';
import type { Tier } from './tiers.js';

const kinds: readonly LineKind[] = ['gauge', 'sum', 'last'];
const N_MAX = 0xffff;

/** One line's buckets as columns; n[i] = 0: no sample in bucket i. */
export interface Columns {
  kind: LineKind;
  n: Float64Array;
  min: Float64Array;
  max: Float64Array;
  /** gauge: sum of values (avg × n); sum: the summed increases; last: last × n (unused). */
  sum: Float64Array;
  last: Float64Array;
  lastAt: Float64Array;
}

export function columns(kind: LineKind, length: number): Columns {
  return { kind, n: new Float64Array(length), min: new Float64Array(length), max: new Float64Array(length), sum: new Float64Array(length), last: new Float64Array(length), lastAt: new Float64Array(length) };
}

/** A decoded chunk: per stored line, its columns over the chunk's buckets. */
export type ChunkLines = Map<string, Columns>;

/** Merges one aggregate into bucket i of the columns. */
export function mergeAt(c: Columns, i: number, a: Agg): void {
  if (c.n[i] === 0) {
    c.n[i] = a.n;
    c.min[i] = a.min;
    c.max[i] = a.max;
    c.sum[i] = a.sum;
    c.last[i] = a.last;
    c.lastAt[i] = a.lastAt;
    return;
  }
  c.n[i]! += a.n;
  if (a.min < c.min[i]!) c.min[i] = a.min;
  if (a.max > c.max[i]!) c.max[i] = a.max;
  c.sum[i]! += a.sum;
  if (a.lastAt >= c.lastAt[i]!) {
    c.last[i] = a.last;
    c.lastAt[i] = a.lastAt;
  }
}

/** Merges bucket j of `from` into bucket i of `into`. */
export function mergeColumn(into: Columns, i: number, from: Columns, j: number): void {
  const n = from.n[j]!;
  if (n === 0) return;
  if (into.n[i] === 0) {
    into.n[i] = n;
    into.min[i] = from.min[j]!;
    into.max[i] = from.max[j]!;
    into.sum[i] = from.sum[j]!;
    into.last[i] = from.last[j]!;
    into.lastAt[i] = from.lastAt[j]!;
    return;
  }
  into.n[i]! += n;
  if (from.min[j]! < into.min[i]!) into.min[i] = from.min[j]!;
  if (from.max[j]! > into.max[i]!) into.max[i] = from.max[j]!;
  into.sum[i]! += from.sum[j]!;
  if (from.lastAt[j]! >= into.lastAt[i]!) {
    into.last[i] = from.last[j]!;
    into.lastAt[i] = from.lastAt[j]!;
  }
}

/** Bucket i as an aggregate (undefined: no sample). */
export function aggAt(c: Columns | undefined, i: number): Agg | undefined {
  if (!c || !(c.n[i]! > 0)) return undefined;
  return { n: c.n[i]!, min: c.min[i]!, max: c.max[i]!, sum: c.sum[i]!, last: c.last[i]!, lastAt: c.lastAt[i]! };
}

const payload = (k: LineKind) => (k === 'gauge' ? 12 : k === 'sum' ? 4 : 14);

export function encodeChunk(tier: Tier, startMs: number, lines: ChunkLines, compress: boolean): Uint8Array {
  const buf = encodeRaw(tier, startMs, lines);
  return compress ? deflated(deflateRawSync(buf.subarray(1), { level: 6 })) : buf;
}

/**
 * The same bytes as encodeChunk, the deflating done on the history's zlib thread (zlib-offload.ts):
 * the history writer encodes thousands of chunks at a time, and deflating them on the event loop
 * held it for hundreds of milliseconds (issue 18).
 */
export async function encodeChunkAsync(tier: Tier, startMs: number, lines: ChunkLines, compress: boolean): Promise<Uint8Array> {
  const buf = encodeRaw(tier, startMs, lines);
  return compress ? deflated(await historyZlib.deflate(buf.subarray(1))) : buf;
}

function deflated(packed: Buffer): Uint8Array {
  const out = Buffer.alloc(packed.length + 1);
  out.writeUInt8(2, 0);
  packed.copy(out, 1);
  return out;
}

/** The chunk in format 1 (uncompressed). */
function encodeRaw(tier: Tier, startMs: number, lines: ChunkLines): Buffer {
  const B = tier.bucketsPerChunk;
  let size = 3;
  const keys = new Map<string, Buffer>();
  for (const [key, l] of lines) {
    let kb = Buffer.from(key, 'utf8');
    if (kb.length > 255) kb = kb.subarray(0, 255);
    keys.set(key, kb);
    size += 2 + kb.length + 2 * B;
    for (let i = 0; i < B; i++) if (l.n[i]! > 0) size += payload(l.kind);
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
  }
  for (const l of lines.values()) {
    const present: number[] = [];
    for (let i = 0; i < B; i++) {
      const n = l.n[i]!;
      // A count past 65535 (an hour of 0.2 s reports) saturates: the average stays right, merges weigh it a little low.
      buf.writeUInt16LE(n > 0 ? Math.min(n, N_MAX) : 0, o);
      o += 2;
      if (n > 0) present.push(i);
    }
    const f32 = (v: (i: number) => number) => {
      for (const i of present) {
        buf.writeFloatLE(v(i), o);
        o += 4;
      }
    };
    if (l.kind === 'gauge') {
      f32((i) => l.min[i]!);
      f32((i) => l.sum[i]! / l.n[i]!);
      f32((i) => l.max[i]!);
    } else if (l.kind === 'sum') f32((i) => l.sum[i]!);
    else {
      f32((i) => l.last[i]!);
      f32((i) => l.min[i]!);
      f32((i) => l.max[i]!);
      for (const i of present) {
        buf.writeUInt16LE(Math.max(0, Math.min(N_MAX, Math.round((l.lastAt[i]! - (startMs + i * tier.stepMs)) / 1000))), o);
        o += 2;
      }
    }
  }
  return buf;
}

export function decodeChunk(tier: Tier, startMs: number, data: Uint8Array): ChunkLines {
  const raw = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const format = formatOf(raw);
  return format === 2 ? parseBody(tier, startMs, inflateRawSync(raw.subarray(1)), 0) : parseBody(tier, startMs, raw, 1);
}

/** decodeChunk with the inflating done on the history's zlib thread (see encodeChunkAsync). */
export async function decodeChunkAsync(tier: Tier, startMs: number, data: Uint8Array): Promise<ChunkLines> {
  const raw = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const format = formatOf(raw);
  return format === 2 ? parseBody(tier, startMs, await historyZlib.inflate(raw.subarray(1)), 0) : parseBody(tier, startMs, raw, 1);
}

function formatOf(raw: Buffer): 1 | 2 {
  const format = raw.readUInt8(0);
  if (format !== 1 && format !== 2) throw new Error(`history chunk format ${format} is unknown (written by a newer stationwatch?)`);
  return format;
}

/** A chunk's lines from its uncompressed body, which starts at `o` in `buf`. */
function parseBody(tier: Tier, startMs: number, buf: Buffer, o: number): ChunkLines {
  const B = tier.bucketsPerChunk;
  const count = buf.readUInt16LE(o);
  o += 2;
  const heads: { key: string; kind: LineKind }[] = [];
  for (let li = 0; li < count; li++) {
    const kind = kinds[buf.readUInt8(o++)]!;
    const kl = buf.readUInt8(o++);
    heads.push({ key: buf.toString('utf8', o, o + kl), kind });
    o += kl;
  }
  const lines: ChunkLines = new Map();
  for (const { key, kind } of heads) {
    const c = columns(kind, B);
    const present: number[] = [];
    for (let i = 0; i < B; i++) {
      const n = buf.readUInt16LE(o);
      o += 2;
      c.n[i] = n;
      if (n > 0) present.push(i);
    }
    const f32 = (into: Float64Array) => {
      for (const i of present) {
        into[i] = buf.readFloatLE(o);
        o += 4;
      }
    };
    if (kind === 'gauge') {
      f32(c.min);
      f32(c.sum);
      f32(c.max);
      for (const i of present) {
        c.sum[i]! *= c.n[i]!;
        c.lastAt[i] = startMs + i * tier.stepMs;
      }
    } else if (kind === 'sum') {
      f32(c.sum);
      for (const i of present) c.lastAt[i] = startMs + i * tier.stepMs;
    } else {
      f32(c.last);
      f32(c.min);
      f32(c.max);
      for (const i of present) {
        c.lastAt[i] = startMs + i * tier.stepMs + buf.readUInt16LE(o) * 1000;
        o += 2;
      }
    }
    lines.set(key, c);
  }
  return lines;
}

/** Merges one bucket's lines into a decoded chunk (bucketMs inside the chunk). */
export function mergeIntoChunk(tier: Tier, startMs: number, chunk: ChunkLines, bucketMs: number, lines: BucketLines): void {
  const i = Math.round((bucketMs - startMs) / tier.stepMs);
  if (i < 0 || i >= tier.bucketsPerChunk) throw new Error(`bucket ${bucketMs} is outside the chunk starting ${startMs}`);
  for (const [key, { kind, agg }] of lines) {
    let l = chunk.get(key);
    if (!l) chunk.set(key, (l = columns(kind, tier.bucketsPerChunk)));
    mergeAt(l, i, agg);
  }
}
