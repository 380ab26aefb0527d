// A large JSON answer written item by item, in time slices: /api/v1/status at 10,000 devices is
// ~10 MiB of JSON, and building and serialising it in one go held the event loop ~700 ms (issue 18),
// during which no per-device scrape, report or /healthz was answered. Each item is made and
// serialised only when the stream is read, at most a slice's worth per turn, and the stream waits
// for the socket (backpressure), so neither the answer nor its objects pile up in memory.
import { Readable } from 'node:stream';
import { TimeSlicer } from '../../common/time-slice.js';

/** Characters per chunk handed to the socket. */
const CHUNK_CHARS = 64 * 1024;

/**
 * `{...head, [key]: [...items.map(item)]}` as a stream of JSON text. `head` must not hold `key`.
 * The text is exactly JSON.stringify of that object (the key comes last).
 */
export function jsonObjectStream<T>(head: Record<string, unknown>, key: string, items: readonly T[], item: (t: T) => unknown): Readable {
  const open = JSON.stringify(head);
  const prefix = `${open.length > 2 ? `${open.slice(0, -1)},` : '{'}${JSON.stringify(key)}:[`;
  async function* text(): AsyncGenerator<string> {
    const slicer = new TimeSlicer();
    let chunk = prefix;
    for (let i = 0; i < items.length; i++) {
      if (slicer.due()) {
        if (chunk.length > 0) yield chunk;
        chunk = '';
        await slicer.next();
      }
      chunk += (i > 0 ? ',' : '') + JSON.stringify(item(items[i]!));
      if (chunk.length >= CHUNK_CHARS) {
        yield chunk;
        chunk = '';
      }
    }
    yield `${chunk}]}`;
  }
  return Readable.from(text(), { objectMode: false });
}
