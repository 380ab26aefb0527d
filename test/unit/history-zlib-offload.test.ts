// History chunks are deflated and inflated on a thread of their own (collector/history/zlib-offload.ts):
// the bytes must be exactly those of the synchronous path, errors must reach the caller, and work
// must go on (with Node's asynchronous zlib) when the thread is gone.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { ZlibOffload } from '../../collector/history/zlib-offload.js';
import { decodeChunk, decodeChunkAsync, encodeChunk, encodeChunkAsync, columns, mergeAt, type ChunkLines } from '../../collector/history/chunk.js';
import { tierById, minuteTier } from '../../collector/history/tiers.js';

const offloads: ZlibOffload[] = [];
afterAll(async () => {
  for (const o of offloads) await o.close();
});

function sample(i: number): Buffer {
  const b = Buffer.alloc(3_000 + (i % 7) * 1_000);
  for (let k = 0; k < b.length; k++) b[k] = (k * (i + 3)) % 97 < 40 ? k % 13 : (k * 7919 + i) % 251;
  return b;
}

describe('ZlibOffload', () => {
  it('deflates and inflates many chunks of one turn to exactly the synchronous bytes', async () => {
    const z = new ZlibOffload();
    offloads.push(z);
    const inputs = Array.from({ length: 450 }, (_, i) => sample(i));
    const deflated = await Promise.all(inputs.map((b) => z.deflate(b)));
    deflated.forEach((d, i) => expect(d.equals(deflateRawSync(inputs[i]!, { level: 6 }))).toBe(true));
    const inflated = await Promise.all(deflated.map((d) => z.inflate(d)));
    inflated.forEach((d, i) => expect(d.equals(inputs[i]!)).toBe(true));
    // The caller's bytes are left as they were (copies are transferred).
    expect(inputs[0]!.equals(sample(0))).toBe(true);
  });

  it('rejects a broken stream with zlib’s error and goes on with the others', async () => {
    const z = new ZlibOffload();
    offloads.push(z);
    const good = deflateRawSync(sample(1));
    const [bad, ok] = await Promise.allSettled([z.inflate(Buffer.from([0xff, 0xff, 0xff, 0x00, 0x12])), z.inflate(good)]);
    expect(bad.status).toBe('rejected');
    expect(String((bad as PromiseRejectedResult).reason)).toMatch(/invalid|incorrect|unexpected/i);
    expect(ok.status === 'fulfilled' && ok.value.equals(sample(1))).toBe(true);
  });

  it('falls back to Node’s asynchronous zlib, same bytes, once the thread is gone', async () => {
    const z = new ZlibOffload();
    offloads.push(z);
    expect((await z.deflate(sample(2))).equals(deflateRawSync(sample(2), { level: 6 }))).toBe(true);
    await z.close();
    const after = await Promise.all([z.deflate(sample(3)), z.inflate(deflateRawSync(sample(4)))]);
    expect(after[0].equals(deflateRawSync(sample(3), { level: 6 }))).toBe(true);
    expect(inflateRawSync(after[0]).equals(sample(3))).toBe(true);
    expect(after[1].equals(sample(4))).toBe(true);
  });
});

describe('history chunks through the zlib thread', () => {
  it('encodeChunkAsync writes the bytes encodeChunk writes, and decodeChunkAsync reads them back', async () => {
    const tier = tierById(minuteTier.id);
    const startMs = Date.UTC(2026, 11, 6, 3, 0);
    const lines: ChunkLines = new Map();
    const g = columns('gauge', tier.bucketsPerChunk);
    for (let i = 0; i < tier.bucketsPerChunk; i += 2) mergeAt(g, i, { n: 4, min: i, max: i + 3, sum: 4 * i + 6, last: i + 1, lastAt: startMs + i * tier.stepMs + 1_000 });
    lines.set('cpu', g);
    const chunks = await Promise.all(Array.from({ length: 50 }, () => encodeChunkAsync(tier, startMs, lines, true)));
    const sync = encodeChunk(tier, startMs, lines, true);
    for (const c of chunks) expect(Buffer.from(c).equals(Buffer.from(sync))).toBe(true);
    const back = await decodeChunkAsync(tier, startMs, sync);
    expect(back).toEqual(decodeChunk(tier, startMs, sync));
    expect(back.get('cpu')!.n[2]).toBe(4);
  });
});
