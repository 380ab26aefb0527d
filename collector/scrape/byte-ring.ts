// A ring of shared memory through which the event loop hands renderings to the scrape thread: the
// thread copies them into its arena (target-arena.ts) and says how far it has read. Sending each batch
// as a buffer of its own made the thread allocate ~13 MB/s of ArrayBuffers at 10,000 devices, and V8,
// counting them as external memory, ran a full collection of the thread's heap every ~1.5 s (one took
// 1.9 s while the evaluation worker's collection had the machine): with the ring nothing is allocated
// per batch on either side. A batch that does not fit (the first full sync, a ring the thread has not
// drained) goes as a buffer of its own, as before.

/** Where a batch was written: bytes [offset, offset + length) of the ring; the reader releases up to `end`. */
export interface RingSlot {
  offset: number;
  length: number;
  end: number;
}

export class ByteRing {
  readonly bytes: Uint8Array;
  /** [0]: bytes the reader has released, counted from the start (monotonic). */
  private readonly released: BigInt64Array;
  /** Bytes the writer has used, padding included, counted from the start (monotonic). */
  private written = 0;

  constructor(
    readonly data: SharedArrayBuffer,
    readonly control: SharedArrayBuffer,
  ) {
    this.bytes = new Uint8Array(data);
    this.released = new BigInt64Array(control);
  }

  static create(size: number): ByteRing {
    return new ByteRing(new SharedArrayBuffer(size), new SharedArrayBuffer(8));
  }

  /** The writer's side: room for `length` contiguous bytes, or undefined when the ring has none now. */
  reserve(length: number): RingSlot | undefined {
    const size = this.bytes.length;
    const at = this.written % size;
    const pad = at + length > size ? size - at : 0;
    const free = size - (this.written - Number(Atomics.load(this.released, 0)));
    if (pad + length > free) return undefined;
    this.written += pad + length;
    return { offset: pad > 0 ? 0 : at, length, end: this.written };
  }

  /** The reader's side: everything up to `end` (a slot's) has been copied out and may be overwritten. */
  release(end: number): void {
    Atomics.store(this.released, 0, BigInt(end));
  }
}
