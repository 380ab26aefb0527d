// Content-Encoding on the ingest route, over a real socket: gzip and deflate bodies are read, a gzip
// bomb is cut off with 413 while it is still being sent (the collector does not inflate it whole),
// a corrupt stream is a 400, and an encoding the collector cannot read (br) is a 415 — never misparsed.
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, constants, createGzip, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCollector, type CollectorApp } from '../../collector/app.js';
import { resolveCollectorConfig } from '../../collector/config.js';
import { silentLogger } from '../../common/logger.js';
import { makeReport } from '../helpers/reports.js';

const TOKEN = 'token-for-pc-01-xxxxxxxx';
const LIMIT = 64 * 1024;
let c: CollectorApp;
let port: number;
let seq = 1;

beforeAll(async () => {
  const config = resolveCollectorConfig({ bodyLimitBytes: LIMIT, devices: [{ name: 'pc-01', token: TOKEN }], limits: { reportsPerSecond: 1000, reportBurst: 1000 } }, {}, 'test');
  c = await buildCollector(config, { log: silentLogger });
  await c.app.listen({ host: '127.0.0.1', port: 0 });
  port = (c.app.server.address() as AddressInfo).port;
});
afterAll(async () => c.app.close());

interface Answer {
  status: number;
  body: { error?: string; status?: string; message?: string };
}

/** POSTs a body (or a stream of chunks written until the answer comes) over a real connection. */
function post(body: Buffer | ((write: (b: Buffer) => boolean) => () => void), encoding?: string): Promise<Answer & { sentBytes: number }> {
  return new Promise((resolve, reject) => {
    let sentBytes = 0;
    let stop = () => {};
    const headers: Record<string, string | number> = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };
    if (encoding) headers['content-encoding'] = encoding;
    if (Buffer.isBuffer(body)) headers['content-length'] = body.length;
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/api/v1/reports', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (ch: Buffer) => chunks.push(ch));
      res.on('end', () => {
        stop();
        req.destroy();
        resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString() || '{}'), sentBytes });
      });
    });
    // The server may close the connection once it has answered: that is expected for a refused body.
    req.on('error', (err) => (sentBytes > 0 ? undefined : reject(err)));
    if (Buffer.isBuffer(body)) {
      sentBytes = body.length;
      req.end(body);
    } else {
      stop = body((b) => {
        sentBytes += b.length;
        return req.write(b);
      });
    }
  });
}

const report = () => Buffer.from(JSON.stringify(makeReport({ seq: seq++ })));

describe('Content-Encoding on POST /api/v1/reports', () => {
  it('reads a gzip body and a deflate body', async () => {
    const g = await post(gzipSync(report()), 'gzip');
    expect(g.status).toBe(202);
    expect(g.body.status).toBe('accepted');
    const d = await post(deflateSync(report()), 'deflate');
    expect(d.status).toBe(202);
    expect(c.ctx.store.get('pc-01')!.report!.seq).toBe(seq - 1);
    // identity, said or not, is the plain body
    expect((await post(report(), 'identity')).status).toBe(202);
  });

  it('refuses an encoding it cannot read with 415, and does not read a plain body labelled br', async () => {
    const before = c.ctx.store.get('pc-01')!.report!.seq;
    for (const [body, enc] of [[report(), 'br'], [brotliCompressSync(report()), 'br'], [report(), 'gzip, gzip'], [report(), 'zstd']] as const) {
      const res = await post(body, enc);
      expect(res.status, enc).toBe(415);
      expect(res.body.error).toBe('unsupported_encoding');
    }
    expect(c.ctx.store.get('pc-01')!.report!.seq).toBe(before);
  });

  it('a corrupt or truncated gzip body is a 400, not a 5xx', async () => {
    const gz = gzipSync(report());
    const corrupt = Buffer.from(gz);
    corrupt.fill(0x55, 12, 40);
    for (const body of [corrupt, gz.subarray(0, gz.length - 10), report()]) {
      const res = await post(body, 'gzip');
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_encoding');
    }
  });

  it('a gzip body that inflates past the limit is a 413 (a bomb of 64 MiB zeros in 64 KiB)', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: constants.Z_BEST_COMPRESSION });
    expect(bomb.length).toBeLessThan(LIMIT);
    const res = await post(bomb, 'gzip');
    expect(res.status).toBe(413);
    expect(res.body.error).toBe('body_too_large');
  });

  it('an endless gzip stream is cut off with 413 after about the limit inflated, while it is still being sent', async () => {
    // Zeros compress about 1000:1: the inflated limit is passed after well under 1 KiB on the wire,
    // the compressed limit only after 64 KiB. An answer before 32 KiB were sent shows the cut was made
    // on the inflated bytes, while inflating, and not after reading (or inflating) everything.
    const res = await post((write) => {
      const gzip = createGzip({ level: constants.Z_BEST_COMPRESSION });
      gzip.on('data', (b: Buffer) => write(b));
      const zeros = Buffer.alloc(64 * 1024);
      let timer: NodeJS.Timeout;
      const more = () => {
        gzip.write(zeros);
        gzip.flush();
        timer = setTimeout(more, 5);
      };
      more();
      return () => {
        clearTimeout(timer);
        gzip.destroy();
      };
    }, 'gzip');
    expect(res.status).toBe(413);
    expect(res.body.error).toBe('body_too_large');
    expect(res.sentBytes).toBeLessThan(32 * 1024);
  });
});
