// Bytes in a SharedArrayBuffer: posted to another thread they are shared, not copied. A device's
// rendered exposition text lives this way (collector/device-exposition.ts), so the ingest worker that
// renders it, the event loop that serves /metrics and the scrape thread that serves per-device targets
// (collector/scrape/) all hold one copy.

/** A copy of `bytes` in shared memory (a Buffer over a SharedArrayBuffer of exactly its length). */
export function sharedBytes(bytes: Uint8Array): Buffer {
  const out = Buffer.from(new SharedArrayBuffer(bytes.length));
  out.set(bytes);
  return out;
}
