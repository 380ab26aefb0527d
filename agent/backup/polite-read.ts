// Reading multi-GB backups inside the agent without starving it or the workstation: fixed-size
// chunks (bounded memory whatever the file size), a turn of the event loop after every chunk so
// the report cycle keeps its schedule, an optional byte-rate budget, progress and cancellation.
// The whole agent's priority is left alone: os.setPriority would slow its heartbeat too.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export const CHUNK_BYTES = 256 * 1024;

export interface ReadBudget {
  signal?: AbortSignal;
  /** 0 or absent: as fast as the disk allows (still yielding after each chunk). */
  bytesPerSecond?: number;
  /** Called with every chunk's length: progress bars, and counting what a check really read. */
  onBytes?: (n: number) => void;
}

/** A pass-through that yields after each chunk and keeps to the budget's byte rate. */
export function politeTransform(budget: ReadBudget): Transform {
  const t0 = performance.now();
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      total += chunk.length;
      budget.onBytes?.(chunk.length);
      const rate = budget.bytesPerSecond ?? 0;
      const aheadMs = rate > 0 ? (total / rate) * 1000 - (performance.now() - t0) : 0;
      if (aheadMs > 1) setTimeout(() => done(null, chunk), aheadMs);
      else setImmediate(() => done(null, chunk));
    },
  });
}

/** The bytes of `file` from `start` to `end` inclusive (whole file without them), read politely. */
export function politeRead(file: string, budget: ReadBudget, range: { start?: number; end?: number } = {}): Readable {
  // Each read opens the file itself: destroying an fs stream closes its descriptor even with
  // autoClose off, so a descriptor shared between reads would be closed under the others.
  const source = createReadStream(file, { highWaterMark: CHUNK_BYTES, ...range });
  const out = politeTransform(budget);
  source.on('error', (e) => out.destroy(e));
  out.on('close', () => source.destroy());
  return source.pipe(out);
}

/** Feeds every chunk to a hash on its way through (one read serves checksum and archive check). */
export function hashingTransform(hash = createHash('sha256')): { stream: Transform; hex: () => string } {
  let hex: string | undefined;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  return { stream, hex: () => (hex ??= hash.digest('hex')) };
}

/** A sink that drops what it is given: archive entries are read to check them, not to keep them. */
export function discard(onChunk?: (chunk: Buffer) => void): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      onChunk?.(chunk);
      done();
    },
  });
}

export async function sha256File(file: string, budget: ReadBudget): Promise<string> {
  const h = hashingTransform();
  await pipeline(politeRead(file, budget), h.stream, discard(), { signal: budget.signal });
  return h.hex();
}
