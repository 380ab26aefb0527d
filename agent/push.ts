// Push transport: POST a report with the device's bearer token. It answers "sent", "retry later",
// "unauthorized" (the token is not accepted: keep the reports) or "refused" (this report can never
// be accepted), so the queue in front of it decides what to keep. node:http(s) rather than fetch:
// a custom CA bundle for the collector's certificate needs the TLS options fetch does not take.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { Report } from '../protocol/report.js';

export type SendResult =
  | { kind: 'sent' }
  | { kind: 'retry'; reason: string; retryAfterMs?: number }
  /** 401/403: the collector answered but does not take this agent's token (revoked, wrong device). */
  | { kind: 'unauthorized'; status: number; reason: string }
  /** The collector will never take this report (invalid, too large): retrying cannot help. */
  | { kind: 'refused'; status: number; reason: string };

export interface Transport {
  send(report: Report): Promise<SendResult>;
}

export interface TransportOptions {
  timeoutMs: number;
  /** PEM CA bundle the collector's certificate must chain to; default: the system's CAs. */
  ca?: string | Buffer;
}

export interface HttpAnswer {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/** One JSON POST with a deadline for the whole exchange; the answer's body is capped at 64 KiB. */
export async function postJson(url: URL, body: string, headers: Record<string, string>, opts: TransportOptions): Promise<HttpAnswer> {
  // node:https (and with it TLS) is loaded only for an https:// collector: on plain http it would be
  // memory spent for nothing.
  const request = url.protocol === 'https:' ? (await import('node:https')).request : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
      signal: AbortSignal.timeout(opts.timeoutMs),
      ...(url.protocol === 'https:' && opts.ca ? { ca: opts.ca } : {}),
    });
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (text.length < 65_536) text += chunk;
      });
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.end(body);
  });
}

/** The token is read at each send: enrolment may store a new one while the agent runs. */
export function httpTransport(collectorUrl: string, token: string | (() => string), opts: TransportOptions | number): Transport {
  const url = new URL('/api/v1/reports', collectorUrl);
  const options: TransportOptions = typeof opts === 'number' ? { timeoutMs: opts } : opts;
  return {
    async send(report) {
      let res: HttpAnswer;
      try {
        res = await postJson(url, JSON.stringify(report), { authorization: `Bearer ${typeof token === 'function' ? token() : token}` }, options);
      } catch (err) {
        const e = err as Error & { cause?: Error; code?: string };
        return { kind: 'retry', reason: `${e.code ? `${e.code} ` : ''}${e.message}${e.cause ? `: ${e.cause.message}` : ''}` };
      }
      if (res.status >= 200 && res.status < 300) return { kind: 'sent' };
      const reason = `HTTP ${res.status} ${res.body.slice(0, 500)}`;
      // 408/429 and 5xx are the collector being busy or away; 401/403 are about this agent; other 4xx about this report.
      if (res.status === 408 || res.status === 429 || res.status >= 500) {
        const after = Number(res.headers['retry-after']);
        return Number.isFinite(after) && after > 0 ? { kind: 'retry', reason, retryAfterMs: Math.min(after, 3600) * 1000 } : { kind: 'retry', reason };
      }
      if (res.status === 401 || res.status === 403) return { kind: 'unauthorized', status: res.status, reason };
      return { kind: 'refused', status: res.status, reason };
    },
  };
}
