// Times one GET to its last byte and counts the bytes without keeping them (a /metrics of 10,000
// devices is over 100 MiB).
import { get } from 'node:http';

export function timedGet(url: string, timeoutMs = 120_000): Promise<{ ms: number; bytes: number; status: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = get(url, { signal: AbortSignal.timeout(timeoutMs) }, (res) => {
      let bytes = 0;
      res.on('data', (b: Buffer) => (bytes += b.length));
      res.on('error', reject);
      res.on('end', () => resolve({ ms: performance.now() - t0, bytes, status: res.statusCode ?? 0 }));
    });
    req.on('error', reject);
  });
}
