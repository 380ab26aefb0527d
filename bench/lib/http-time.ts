// Times one GET to its last byte and counts the bytes without keeping them (a /metrics of 10,000
// devices is over 100 MiB).
import { execFile } from 'node:child_process';
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

/**
 * The same with curl, a native client: for a /metrics of 200 MiB, Node.js' own HTTP client spends as
 * much CPU reading as the collector spends serving, on the same two cores — curl shows what the
 * server takes, as a Go client like Prometheus would see it.
 */
export function curlGet(url: string, timeoutMs = 120_000): Promise<{ ms: number; bytes: number; status: number }> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-s', '-o', '/dev/null', '--max-time', String(timeoutMs / 1000), '-w', '%{http_code} %{size_download} %{time_total}', url], { timeout: timeoutMs + 5000 }, (err, stdout) => {
      if (err) return reject(new Error(`curl ${url}: ${err.message} (install curl)`));
      const [status, bytes, seconds] = stdout.trim().split(' ').map(Number);
      resolve({ ms: seconds! * 1000, bytes: bytes!, status: status! });
    });
  });
}
