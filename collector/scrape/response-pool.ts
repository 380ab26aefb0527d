// Buffers the scrape thread answers from, reused: a target's text was a new string per scrape (built,
// measured, then encoded again by the socket), ~20 KiB of young garbage per answer at Prometheus' rate
// of hundreds of scrapes a second, and each scavenge stops this thread and posts jobs to the platform
// queue it shares with the event loop. A buffer goes back to the pool when the socket is done with it
// (the response's end callback); an answer whose connection dies before that leaves it to the GC.

/** Smallest and largest pooled sizes; a bigger answer gets a buffer of its own. */
const MIN_CLASS = 10; // 1 KiB
const MAX_CLASS = 23; // 8 MiB

export class ResponsePool {
  /** Free buffers by size class (2^class bytes). */
  private readonly free: Buffer[][] = [];
  private kept = 0;

  /** @param maxFreeBytes bytes kept while no answer uses them; what an idle pool may hold. */
  constructor(private readonly maxFreeBytes = 8 << 20) {}

  /** A buffer of exactly `length` bytes, and the call that gives its memory back once written. */
  take(length: number): { bytes: Buffer; release: () => void } {
    const cls = Math.max(MIN_CLASS, Math.ceil(Math.log2(Math.max(1, length))));
    if (cls > MAX_CLASS) return { bytes: Buffer.allocUnsafeSlow(length), release: () => undefined };
    const reused = this.free[cls]?.pop();
    if (reused) this.kept -= reused.length;
    const whole = reused ?? Buffer.allocUnsafeSlow(2 ** cls);
    let released = false;
    return {
      bytes: whole.subarray(0, length),
      release: () => {
        if (released) return;
        released = true;
        if (this.kept + whole.length > this.maxFreeBytes) return;
        (this.free[cls] ??= []).push(whole);
        this.kept += whole.length;
      },
    };
  }

  /** Bytes held for reuse now. */
  get freeBytes(): number {
    return this.kept;
  }
}
