// /metrics is written through a few reused buffers (collector/pooled-body.ts): over a real loopback
// socket with a slow reader, the bytes received must be exactly the bytes read — a buffer refilled
// before the socket finished with it would show as corrupted text — and a client that goes away ends
// the write without reading the rest. The collector registry's text made family by family
// (collector/registry-text.ts) is prom-client's own registry.metrics().
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { writePooledBody } from '../../collector/pooled-body.js';
import { registryText } from '../../collector/registry-text.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

/** A body of `total` bytes whose every byte depends on its position, read in pieces into the buffers given. */
function patterned(total: number) {
  let at = 0;
  let reads = 0;
  const byteAt = (i: number) => (i * 7 + (i >> 10)) & 0xff;
  return {
    byteAt,
    reads: () => reads,
    read(into: Buffer): number {
      reads++;
      const n = Math.min(into.length, total - at);
      for (let k = 0; k < n; k++) into[k] = byteAt(at + k);
      at += n;
      return n;
    },
  };
}

async function serve(handler: Parameters<typeof createServer>[1]): Promise<number> {
  server = createServer(handler);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

describe('pooled body', () => {
  it('delivers every byte intact to a slow reader, through two small buffers', async () => {
    const total = 6 * 2 ** 20 + 123;
    const body = patterned(total);
    let finished: Promise<void> | undefined;
    const port = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      finished = writePooledBody(res, 'head:', (into) => body.read(into), { bufferBytes: 4096, buffers: 2 });
    });
    const received = await new Promise<Buffer>((resolve, reject) => {
      get(`http://127.0.0.1:${port}/`, (res) => {
        const parts: Buffer[] = [];
        // Pauses now and then, so the socket's buffers fill and writes complete late.
        res.on('data', (b: Buffer) => {
          parts.push(b);
          if (parts.length % 50 === 0) {
            res.pause();
            setTimeout(() => res.resume(), 5);
          }
        });
        res.on('end', () => resolve(Buffer.concat(parts)));
        res.on('error', reject);
      }).on('error', reject);
    });
    await finished;
    expect(received.subarray(0, 5).toString()).toBe('head:');
    const data = received.subarray(5);
    expect(data.length).toBe(total);
    let bad = -1;
    for (let i = 0; i < total && bad < 0; i++) if (data[i] !== body.byteAt(i)) bad = i;
    expect(bad).toBe(-1);
  });

  it('stops reading when the client goes away', async () => {
    const body = patterned(512 * 2 ** 20);
    let finished: Promise<void> | undefined;
    const port = await serve((_req, res) => {
      res.writeHead(200);
      finished = writePooledBody(res, '', (into) => body.read(into), { bufferBytes: 64 * 1024, buffers: 2 });
    });
    await new Promise<void>((resolve, reject) => {
      const req = get(`http://127.0.0.1:${port}/`, (res) => {
        let got = 0;
        res.on('data', (b: Buffer) => {
          got += b.length;
          if (got > 2 ** 20) req.destroy();
        });
        res.on('close', () => resolve());
      }).on('error', () => resolve());
      req.on('error', reject);
    });
    await finished;
    // Far less than the 512 MiB body was read: the write ended with the connection.
    expect(body.reads() * 64 * 1024).toBeLessThan(64 * 2 ** 20);
  });
});

describe('registry text', () => {
  it('is what registry.metrics() prints', async () => {
    const r = new Registry();
    const c = new Counter({ name: 'x_total', help: 'a counter', labelNames: ['a'], registers: [r] });
    c.inc({ a: 'one' }, 2);
    c.inc({ a: 'two "quoted"\nline' });
    new Gauge({ name: 'y', help: 'a gauge\\with a backslash', registers: [r], collect() { this.set(3.5); } });
    new Gauge({ name: 'z', help: 'collected later', labelNames: ['d'], registers: [r], async collect() { await new Promise((res) => setTimeout(res, 5)); for (let i = 0; i < 1000; i++) this.set({ d: `pc-${i}` }, i); } });
    new Gauge({ name: 'empty', help: 'no series', registers: [r] });
    expect(await registryText(r)).toBe(await r.metrics());
  });
});
