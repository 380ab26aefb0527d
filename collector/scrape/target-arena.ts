// Where the scrape thread keeps every device's target bytes: in a few large slabs, reused, instead of
// one buffer per device. With a buffer per rendering (10,000 devices, 667 new renderings a second),
// the thread's old generation held thousands of buffers that died after 15 s, and V8, counting their
// bytes as external memory, ran a full collection about every second (pauses up to ~37 ms, incremental
// steps up to ~28 ms in a --trace-gc of the benchmark): the scrape latency's tail. Here a rendering is
// copied into the slab being filled; a slab whose every entry was replaced goes back to a small pool
// and is filled again; a slab left mostly empty by devices that stopped reporting has its few live
// entries moved out. Steady state: no buffer allocated or freed at all.
//
// A request copies its bytes out synchronously (scrape-thread.ts), so a slab can be reused at any
// time after its entries were freed: nothing else holds a view into it across a turn.

/** Where one device's bytes are. */
export interface Placed {
  slab: Slab;
  offset: number;
  length: number;
}

interface Slab {
  readonly bytes: Buffer;
  /** Bytes handed out so far (the slab is filled front to back). */
  used: number;
  /** Of those, bytes still referenced. */
  live: number;
  readonly entries: Set<Placed>;
}

export class TargetArena {
  private readonly slabs = new Set<Slab>();
  private readonly pool: Slab[] = [];
  private head: Slab;

  /**
   * `slabBytes`: each slab's size; a rendering larger than a quarter of it gets a slab of its own.
   * `poolSlabs`: empty slabs kept for reuse (beyond them, released to the garbage collector).
   */
  constructor(
    private readonly slabBytes = 8 * 1024 * 1024,
    private readonly poolSlabs = 4,
  ) {
    this.head = this.fresh(slabBytes);
  }

  /**
   * Copies `bytes` in; the returned place stays valid (the arena may move it: read its fields each
   * time) until freed. `reuse`: a device's previous place, freed and filled again, so that a device's
   * new rendering allocates nothing that outlives the turn (objects that live 15 s were most of what
   * the thread's collections had to copy and promote).
   */
  put(bytes: Uint8Array, reuse?: Placed): Placed {
    if (reuse) this.free(reuse);
    const p = reuse ?? ({ slab: this.head, offset: 0, length: 0 } as Placed);
    if (bytes.length > this.slabBytes / 4) return this.place(this.fresh(bytes.length), bytes, p);
    if (this.head.used + bytes.length > this.head.bytes.length) this.nextHead();
    return this.place(this.head, bytes, p);
  }

  free(p: Placed): void {
    const s = p.slab;
    if (!s.entries.delete(p)) return;
    s.live -= p.length;
    if (s.entries.size === 0 && s !== this.head) this.release(s);
  }

  /** The bytes of a place, as a view valid until the arena is next changed. */
  view(p: Placed): Buffer {
    return p.slab.bytes.subarray(p.offset, p.offset + p.length);
  }

  /** Slabs held (in use and pooled) and their bytes: for the tests and the collector's memory figures. */
  stats(): { slabs: number; pooled: number; bytes: number; liveBytes: number } {
    let bytes = 0;
    let liveBytes = 0;
    for (const s of this.slabs) {
      bytes += s.bytes.length;
      liveBytes += s.live;
    }
    for (const s of this.pool) bytes += s.bytes.length;
    return { slabs: this.slabs.size, pooled: this.pool.length, bytes, liveBytes };
  }

  private place(s: Slab, bytes: Uint8Array, p: Placed): Placed {
    p.slab = s;
    p.offset = s.used;
    p.length = bytes.length;
    s.bytes.set(bytes, s.used);
    s.used += bytes.length;
    s.live += bytes.length;
    s.entries.add(p);
    return p;
  }

  private nextHead(): void {
    const old = this.head;
    this.head = this.pool.pop() ?? this.fresh(this.slabBytes);
    this.head.used = 0;
    this.head.live = 0;
    this.slabs.add(this.head);
    if (old.entries.size === 0) this.release(old);
    // Devices that stopped reporting pin the slabs they were written into: move the entries of one
    // mostly empty slab per new head, so such slabs are freed over time (bounded work per step).
    for (const s of this.slabs) {
      if (s === this.head || s.bytes.length !== this.slabBytes || s.live * 4 > s.used) continue;
      if (this.head.used + s.live > this.head.bytes.length) break;
      for (const p of [...s.entries]) {
        const bytes = s.bytes.subarray(p.offset, p.offset + p.length);
        s.entries.delete(p);
        p.slab = this.head;
        p.offset = this.head.used;
        this.head.bytes.set(bytes, this.head.used);
        this.head.used += p.length;
        this.head.live += p.length;
        this.head.entries.add(p);
      }
      s.live = 0;
      this.release(s);
      break;
    }
  }

  private release(s: Slab): void {
    this.slabs.delete(s);
    if (s.bytes.length === this.slabBytes && this.pool.length < this.poolSlabs) this.pool.push(s);
  }

  private fresh(size: number): Slab {
    // allocUnsafeSlow: a buffer of its own, never Node's shared pool; filled before any byte is read.
    const s: Slab = { bytes: Buffer.allocUnsafeSlow(size), used: 0, live: 0, entries: new Set() };
    this.slabs.add(s);
    return s;
  }
}
