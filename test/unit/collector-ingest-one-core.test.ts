// The ingest route as it runs on one core (a small VM, a container limited to one CPU, `taskset`):
// no ingest workers (collector/ingest-pool.ts), so the body is read as a string and parsed by
// fastify's parser, and the route checks, indexes and renders (collector/routes/ingest.ts). The suites of the route
// (collector-ingest) and of compressed bodies over a real socket (collector-content-encoding) run
// here again with availableParallelism() answering 1; the tests below add what only this path does.
import { afterEach, describe, expect, it, vi } from 'vitest';

vi.mock('node:os', async (importOriginal) => ({ ...(await importOriginal<typeof import('node:os')>()), availableParallelism: () => 1 }));

const { defaultIngestWorkers } = await import('../../collector/ingest-pool.js');
const { buildCollector } = await import('../../collector/app.js');
const { resolveCollectorConfig } = await import('../../collector/config.js');
const { silentLogger } = await import('../../common/logger.js');
const { makeReport } = await import('../helpers/reports.js');
await import('./collector-ingest.test.js');
await import('./collector-content-encoding.test.js');

const TOKEN = 'token-for-pc-01-xxxxxxxx';
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function collector() {
  const config = resolveCollectorConfig({ devices: [{ name: 'pc-01', token: TOKEN, site: 'branch-a' }] }, {}, 'test');
  const c = await buildCollector(config, { log: silentLogger, nowMs: () => 1_700_000_000_000 });
  closers.push(() => c.app.close());
  const post = (payload: string) => c.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, payload });
  return { c, post };
}

describe('ingest on one core', () => {
  it('runs without ingest workers (the suites above ran on this path)', () => {
    expect(defaultIngestWorkers()).toBe(0);
  });

  it('a body with a byte-order mark is accepted; its durable text is plain JSON without the mark', async () => {
    const { c, post } = await collector();
    const text = JSON.stringify(makeReport({ site: '北京-分部' }));
    expect((await post(`\ufeff${text}`)).statusCode).toBe(202);
    // The stored text is parsed back with JSON.parse, which a byte-order mark would fail.
    expect((await c.ctx.db.devices.loadAll()).map((s) => s.report)).toEqual([JSON.parse(text)]);
    expect((await c.app.inject('/metrics')).body).toContain('stationwatch_cpu_utilisation_ratio{device="pc-01",site="branch-a"} 0.42');
  });

  it('prototype keys and escapes that could spell them get fastify parser’s answer and change nothing', async () => {
    const { c, post } = await collector();
    const report = JSON.stringify(makeReport());
    for (const hostile of [report.replace('{', '{"__proto__":{"x":1},'), report.replace('{', '{"\\u005f_proto__":{"x":1},'), report.replace('{', '{"constructor":{"prototype":{"x":1}},')]) {
      const res = await post(hostile);
      expect(res.statusCode, hostile.slice(0, 40)).toBe(400);
    }
    expect(c.ctx.store.get('pc-01')?.report).toBeUndefined();
    // The same text without them is taken.
    expect((await post(report)).statusCode).toBe(202);
  });
});
