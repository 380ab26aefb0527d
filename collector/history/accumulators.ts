// One device's buckets still in memory, as flat Float64Arrays — six numbers per line (n, min, max,
// sum, last, lastAt) at the line's slot in the device's line table — rather than an object per line
// and bucket: at 10,000 devices the open minutes and roll-ups are tens of thousands of arrays instead
// of millions of objects for the garbage collector to trace. n = 0 in a slot: no sample.
import type { Agg, BucketLines } from './aggregate.js';
import type { LineKind } from './charts.js';

const F = 6;

/**
 * Arrays of written buckets, kept for the next minutes' buckets instead of allocating anew: at
 * 10,000 devices every minute brings 10,000 new arrays (60 MiB), and allocating them as fast as the
 * old ones are dropped made the garbage collector run more often and longer (issue 18). Bounded.
 */
const spare = new Map<number, Float64Array[]>();
let spareBytes = 0;
const SPARE_LIMIT_BYTES = 64 << 20;

function take(length: number): Float64Array {
  const a = spare.get(length)?.pop();
  if (!a) return new Float64Array(length);
  spareBytes -= a.byteLength;
  a.fill(0);
  return a;
}

/** Hands an array back once nothing refers to it any more (its bucket was written, or merged into another). */
export function release(a: Float64Array): void {
  if (spareBytes + a.byteLength > SPARE_LIMIT_BYTES) return;
  let list = spare.get(a.length);
  if (!list) spare.set(a.length, (list = []));
  list.push(a);
  spareBytes += a.byteLength;
}

export class LineTable {
  readonly index = new Map<string, number>();
  readonly keys: string[] = [];
  readonly kinds: LineKind[] = [];

  slot(key: string, kind: LineKind): number {
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.keys.length;
      this.index.set(key, i);
      this.keys.push(key);
      this.kinds.push(kind);
    }
    return i;
  }

  get size(): number {
    return this.keys.length;
  }
}

const roundUp = (n: number) => Math.ceil(n / (16 * F)) * 16 * F;

/** Buckets by start, each an array of `table.size` slots (grown when the device gains a line). */
export class BucketArrays {
  readonly buckets = new Map<number, Float64Array>();
  constructor(readonly table: LineTable) {}

  array(bucketMs: number): Float64Array {
    let a = this.buckets.get(bucketMs);
    const need = this.table.size * F;
    // Sizes rounded up to a multiple of 16 slots, so that arrays of devices of about the same size can be reused.
    if (!a) this.buckets.set(bucketMs, (a = take(roundUp(Math.max(need, 8 * F)))));
    else if (a.length < need) {
      const b = take(roundUp(Math.max(need, a.length * 2)));
      b.set(a);
      release(a);
      this.buckets.set(bucketMs, (a = b));
    }
    return a;
  }

  put(bucketMs: number, slot: number, v: number, atMs: number): void {
    const a = this.array(bucketMs);
    const o = slot * F;
    if (a[o] === 0) {
      a[o] = 1;
      a[o + 1] = v;
      a[o + 2] = v;
      a[o + 3] = v;
      a[o + 4] = v;
      a[o + 5] = atMs;
      return;
    }
    a[o]! += 1;
    if (v < a[o + 1]!) a[o + 1] = v;
    if (v > a[o + 2]!) a[o + 2] = v;
    a[o + 3]! += v;
    if (atMs >= a[o + 5]!) {
      a[o + 4] = v;
      a[o + 5] = atMs;
    }
  }

  /** Merges a bucket array of the same table (another tier's, a closed minute) into bucket `bucketMs`. */
  mergeArray(bucketMs: number, from: Float64Array): void {
    const a = this.array(bucketMs);
    const slots = Math.min(from.length, a.length) / F;
    for (let s = 0; s < slots; s++) {
      const o = s * F;
      const n = from[o]!;
      if (n === 0) continue;
      if (a[o] === 0) {
        for (let k = 0; k < F; k++) a[o + k] = from[o + k]!;
        continue;
      }
      a[o]! += n;
      if (from[o + 1]! < a[o + 1]!) a[o + 1] = from[o + 1]!;
      if (from[o + 2]! > a[o + 2]!) a[o + 2] = from[o + 2]!;
      a[o + 3]! += from[o + 3]!;
      if (from[o + 5]! >= a[o + 5]!) {
        a[o + 4] = from[o + 4]!;
        a[o + 5] = from[o + 5]!;
      }
    }
  }

  /** A bucket array as lines (for writing and reading: allocated then, not per report). */
  lines(a: Float64Array): BucketLines {
    const out: BucketLines = new Map();
    const slots = Math.min(a.length / F, this.table.size);
    for (let s = 0; s < slots; s++) {
      const o = s * F;
      if (a[o] === 0) continue;
      const agg: Agg = { n: a[o]!, min: a[o + 1]!, max: a[o + 2]!, sum: a[o + 3]!, last: a[o + 4]!, lastAt: a[o + 5]! };
      out.set(this.table.keys[s]!, { kind: this.table.kinds[s]!, agg });
    }
    return out;
  }
}
