// Content-Encoding of report bodies: identity, gzip or deflate (zlib-wrapped, as RFC 9110 defines it),
// inflated as a stream (node:zlib) under the same byte limit as a plain body — a gzip bomb is cut off
// with 413 once the inflated bytes pass the limit, never inflated whole into memory. Any other coding
// (br, zstd, a list of codings) is refused with 415 rather than read as something it is not.
import { Transform, pipeline, type Readable, type TransformCallback } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';
import { errorCodes } from 'fastify';

export type Coding = 'identity' | 'gzip' | 'deflate';

/** The body's one content coding, or undefined when the collector cannot read it. */
export function contentCoding(header: string | string[] | undefined): Coding | undefined {
  if (header === undefined) return 'identity';
  if (Array.isArray(header)) return undefined;
  const coding = header.trim().toLowerCase();
  if (coding === '' || coding === 'identity') return 'identity';
  if (coding === 'gzip' || coding === 'x-gzip') return 'gzip';
  if (coding === 'deflate') return 'deflate';
  return undefined;
}

/** Counts the bytes that pass: what was received on the wire, before inflating. */
class Counter extends Transform {
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    done(null, chunk);
  }
}

/** Passes at most `limit` bytes; one more fails the stream with fastify's own "body too large" (413). */
class Limit extends Transform {
  private passed = 0;
  constructor(private readonly limit: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.passed += chunk.length;
    if (this.passed > this.limit) done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
    else done(null, chunk);
  }
}

/**
 * The inflated body as a stream for fastify's body reader. `receivedEncodedLength` is what fastify
 * compares with Content-Length and with the limit (the compressed bytes); the inflated bytes are
 * limited here and again by fastify. Any failure (a corrupt or truncated stream: zlib's Z_* codes, or
 * the limit) destroys the inflating chain, so nothing goes on inflating.
 */
export function inflated(raw: Readable, coding: Exclude<Coding, 'identity'>, limit: number): Readable & { readonly receivedEncodedLength: number } {
  const counter = new Counter();
  const out = new Limit(limit);
  // The request is piped in, not part of the pipeline: destroying it would close the socket before
  // the 413 or 400 is written. On an error pipe() unhooks it and fastify answers with `connection: close`.
  raw.pipe(counter);
  raw.once('error', (err) => counter.destroy(err));
  pipeline(counter, coding === 'gzip' ? createGunzip() : createInflate(), out, () => {
    // Errors reach the reader through `out` (pipeline destroys it with the error).
  });
  Object.defineProperty(out, 'receivedEncodedLength', { get: () => counter.bytes });
  return out as Limit & { readonly receivedEncodedLength: number };
}
