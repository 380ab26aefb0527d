// Push transport: POST a report with the device's bearer token. It answers "sent", "retry later"
// or "refused" so the queue in front of it (in memory now, the disk outbox later) decides what to keep.
import type { Report } from '../protocol/report.js';

export type SendResult =
  | { kind: 'sent' }
  | { kind: 'retry'; reason: string }
  /** The collector will never take this report (bad token, invalid report): retrying cannot help. */
  | { kind: 'refused'; status: number; reason: string };

export interface Transport {
  send(report: Report): Promise<SendResult>;
}

export function httpTransport(collectorUrl: string, token: string, timeoutMs: number, fetchImpl: typeof fetch = fetch): Transport {
  const url = new URL('/api/v1/reports', collectorUrl).toString();
  return {
    async send(report) {
      let res: Response;
      try {
        res = await fetchImpl(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(report),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        const cause = (err as Error & { cause?: Error }).cause;
        return { kind: 'retry', reason: `${(err as Error).message}${cause ? `: ${cause.message}` : ''}` };
      }
      const text = await res.text().catch(() => '');
      if (res.ok) return { kind: 'sent' };
      const reason = `HTTP ${res.status} ${text.slice(0, 500)}`;
      // 408/429 and 5xx are the collector being busy or away; other 4xx are about this report.
      if (res.status === 408 || res.status === 429 || res.status >= 500) return { kind: 'retry', reason };
      return { kind: 'refused', status: res.status, reason };
    },
  };
}
