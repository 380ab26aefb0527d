// The history's zlib thread (collector/history/zlib-offload.ts): deflates or inflates a batch of
// chunks and sends the results back, transferred. Synchronous zlib is right here: this thread does
// nothing else, and each call's set-up then costs the event loop nothing.
import { parentPort } from 'node:worker_threads';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { lowerThisThreadPriority } from '../thread-priority.js';
import type { ZlibReply, ZlibRequest } from './zlib-offload.js';

// Chunks are written about once and read for charts: never ahead of requests on a busy core.
lowerThisThreadPriority();

/** A buffer of its own (zlib may return a view of a larger or shared one), so it can be transferred. */
const own = (b: Buffer): Uint8Array => (b.byteOffset === 0 && b.buffer.byteLength === b.length ? b : new Uint8Array(b));

parentPort!.on('message', (m: ZlibRequest) => {
  const results: ZlibReply['results'] = m.items.map((bytes) => {
    try {
      return own(m.op === 'deflate' ? deflateRawSync(bytes, { level: m.level }) : inflateRawSync(bytes));
    } catch (err) {
      return { error: (err as Error).message };
    }
  });
  const transfer = results.flatMap((r) => (r instanceof Uint8Array ? [r.buffer as ArrayBuffer] : []));
  parentPort!.postMessage({ id: m.id, results } satisfies ZlibReply, transfer);
});
