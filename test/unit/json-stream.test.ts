// /api/v1/status is written device by device in time slices (collector/status/json-stream.ts): the
// text must be exactly JSON.stringify of the whole answer, whatever the number of items and slices.
import { describe, expect, it } from 'vitest';
import { jsonObjectStream } from '../../collector/status/json-stream.js';

async function text(s: NodeJS.ReadableStream): Promise<{ text: string; chunks: number }> {
  let out = '';
  let chunks = 0;
  for await (const c of s) {
    out += typeof c === 'string' ? c : (c as Buffer).toString('utf8');
    chunks++;
  }
  return { text: out, chunks };
}

describe('jsonObjectStream', () => {
  it('writes exactly JSON.stringify of the answer, with and without head fields or items', async () => {
    const cases: Array<[Record<string, unknown>, number[]]> = [
      [{ a: 1, b: null, c: 'x"\u2028中文' }, [1, 2, 3]],
      [{}, [1]],
      [{ a: 1 }, []],
      [{}, []],
    ];
    for (const [head, items] of cases) {
      const { text: got } = await text(jsonObjectStream(head, 'devices', items, (n) => ({ n, s: `d-${n}` })));
      expect(got).toBe(JSON.stringify({ ...head, devices: items.map((n) => ({ n, s: `d-${n}` })) }));
      expect(JSON.parse(got)).toEqual({ ...head, devices: items.map((n) => ({ n, s: `d-${n}` })) });
    }
  });

  it('hands a large answer over in many chunks, each item made only as it is written', async () => {
    const items = Array.from({ length: 20_000 }, (_, i) => i);
    let made = 0;
    const stream = jsonObjectStream({ evaluatedAt: 'now' }, 'devices', items, (i) => {
      made++;
      return { name: `pc-${i}`, badges: Array.from({ length: 12 }, (_, k) => ({ indicator: `i${k}`, state: 'ok' })) };
    });
    expect(made).toBe(0);
    const { text: got, chunks } = await text(stream);
    expect(made).toBe(items.length);
    expect(chunks).toBeGreaterThan(20);
    const parsed = JSON.parse(got) as { devices: Array<{ name: string }> };
    expect(parsed.devices).toHaveLength(items.length);
    expect(parsed.devices[19_999]!.name).toBe('pc-19999');
  });
});
