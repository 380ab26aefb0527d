// A ring of shared memory through which the event loop hands the scrape thread its frames (each
// device's new rendering and reporting window, target-frame.ts), and the thread reads them on its own
// timer. Nothing goes through a MessagePort: its queue is a mutex the event loop holds while it posts,
// and the scrape thread, running real-time, then waited for the event loop's thread to be scheduled
// again — up to 20 ms, 500 times in 40 s at 10,000 devices (perf, bench/notes/status-evaluation-under-load.md).
// Nor is anything allocated per frame on either side: a buffer per batch made V8 run a full collection
// of the thread's heap every ~1.5 s (external memory).
//
// Layout: frames are a u32 length then that many bytes, contiguous; where one does not fit before the
// end, the writer leaves a u32 0 there (when 4 bytes remain) and the frame starts at 0. Both positions
// are counts of bytes from the start, padding included, so they only grow.

/** The control block: [0] bytes the reader has consumed, [1] bytes the writer has published, [2] the owner's (ByteRing.OWNER). */
const READ = 0;
const WRITTEN = 1;
const HEAD = 4;

export class ByteRing {
  /** The index in `shared` that the ring leaves to its owner (the scrape listener: the collector's clock skew). */
  static readonly OWNER = 2;
  readonly bytes: Buffer;
  /** Shared with the other side (Atomics): READ, WRITTEN, OWNER. */
  readonly shared: BigInt64Array;
  /** The writer's position, published to the reader by commit(). */
  private written = 0;

  constructor(
    readonly data: SharedArrayBuffer,
    readonly control: SharedArrayBuffer,
  ) {
    this.bytes = Buffer.from(data);
    this.shared = new BigInt64Array(control);
    this.written = Number(Atomics.load(this.shared, WRITTEN));
  }

  static create(size: number): ByteRing {
    return new ByteRing(new SharedArrayBuffer(size), new SharedArrayBuffer(32));
  }

  /** The largest frame that can ever fit. */
  get maxFrame(): number {
    return this.bytes.length / 2 - HEAD;
  }

  /**
   * The writer's side: `length` bytes for a frame, filled by `fill(bytes, at)` and then published.
   * False when the reader has not consumed enough to make room (nothing written then).
   */
  write(length: number, fill: (bytes: Buffer, at: number) => void): boolean {
    if (length <= 0 || length > this.maxFrame) throw new RangeError(`a frame of ${length} bytes does not fit a ring of ${this.bytes.length}`);
    const size = this.bytes.length;
    const at = this.written % size;
    const pad = at + HEAD + length > size ? size - at : 0;
    const free = size - (this.written - Number(Atomics.load(this.shared, READ)));
    if (pad + HEAD + length > free) return false;
    if (pad >= HEAD) this.bytes.writeUInt32LE(0, at);
    const start = pad > 0 ? 0 : at;
    this.bytes.writeUInt32LE(length, start);
    fill(this.bytes, start + HEAD);
    this.written += pad + HEAD + length;
    // After the bytes: a reader that sees the new position sees them too (Atomics are sequentially consistent).
    Atomics.store(this.shared, WRITTEN, BigInt(this.written));
    return true;
  }

  /**
   * The reader's side: each published frame in order, as a view of the ring valid during the call;
   * `use` returns false to stop before that frame (it is read again next time). Each frame is
   * consumed once `use` returns, so the writer may reuse its bytes.
   */
  read(use: (frame: Buffer) => boolean): void {
    const size = this.bytes.length;
    const end = Number(Atomics.load(this.shared, WRITTEN));
    let pos = Number(Atomics.load(this.shared, READ));
    while (pos < end) {
      let at = pos % size;
      if (size - at < HEAD || this.bytes.readUInt32LE(at) === 0) {
        pos += size - at;
        at = 0;
      }
      const length = this.bytes.readUInt32LE(at);
      if (!use(this.bytes.subarray(at + HEAD, at + HEAD + length))) break;
      pos += HEAD + length;
      Atomics.store(this.shared, READ, BigInt(pos));
    }
  }
}
