// A large response body written through a few reused buffers. /metrics at 10,000 devices is ~200 MiB:
// made as fresh buffers it is 200 MiB of memory outside the JavaScript heap per scrape, and on
// Node.js 24 that sets off a full garbage collection of the collector's heap every ~100 MiB (seconds
// of CPU per scrape; bench/notes/scrape-cost.md). A buffer is filled again only after the socket has
// finished with it (its write's callback), and the work is cut into slices of a few milliseconds so
// per-device targets, ingest and /healthz are answered during a full scrape.
import type { ServerResponse } from 'node:http';
import { TimeSlicer } from '../common/time-slice.js';

export interface PooledBodyOptions {
  /** Bytes per buffer. */
  bufferBytes?: number;
  /** Buffers in flight at most. */
  buffers?: number;
}

/**
 * Writes `head`, then what `read` copies into the buffers until it returns 0, and ends the response
 * (headers must have been set). Resolves once everything is handed to the socket, or as soon as the
 * client has gone away (nothing more is read then).
 */
export async function writePooledBody(res: ServerResponse, head: string, read: (into: Buffer) => number, opts: PooledBodyOptions = {}): Promise<void> {
  const size = opts.bufferBytes ?? 256 * 1024;
  const free: Buffer[] = Array.from({ length: opts.buffers ?? 4 }, () => Buffer.allocUnsafe(size));
  let closed = false;
  let wake: (() => void) | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const onClose = () => {
    closed = true;
    poke();
  };
  res.on('close', onClose);
  res.on('drain', poke);
  const slicer = new TimeSlicer();
  try {
    res.write(head);
    for (;;) {
      while (!closed && (free.length === 0 || res.writableNeedDrain)) await new Promise<void>((r) => (wake = r));
      if (closed) return;
      if (slicer.due()) {
        await slicer.next();
        if (closed) return;
      }
      const buf = free.pop()!;
      const n = read(buf);
      if (n === 0) break;
      res.write(n === size ? buf : buf.subarray(0, n), (err) => {
        // After a failed write the buffer is never reused: whether the socket still holds it is unknown.
        if (err) closed = true;
        else free.push(buf);
        poke();
      });
    }
    res.end();
  } finally {
    res.off('close', onClose);
    res.off('drain', poke);
  }
}
