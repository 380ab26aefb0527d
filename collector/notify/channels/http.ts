// One HTTP POST with a deadline, for the robots and the generic webhook. The deadline is an explicit
// timer that aborts the request (facts.md: a timeout signal combined with AbortSignal.any stopped
// firing after a GC on Node 20), and the engine's signal aborts it too (shutdown). Never throws: a
// refused connection, a timeout or a cancelled send is an answer like any other.
import type { SendOutcome } from '../types.js';

export type HttpAnswer =
  | { kind: 'answer'; status: number; body: string; retryAfterMs?: number }
  | { kind: 'failed'; retryable: boolean; detail: string };

/** How much of an answer's body is kept: platforms answer with a short JSON; a proxy's HTML page is cut. */
const MAX_ANSWER_CHARS = 2000;

function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

export async function postJson(url: string, body: string, opts: { timeoutMs: number; signal: AbortSignal; headers?: Record<string, string> }): Promise<HttpAnswer> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, opts.timeoutMs);
  const onAbort = () => controller.abort();
  if (opts.signal.aborted) controller.abort();
  else opts.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...opts.headers },
      body,
      signal: controller.signal,
      // A robot's webhook does not redirect; following one would send the message (and signature) elsewhere.
      redirect: 'manual',
    });
    const text = (await res.text()).slice(0, MAX_ANSWER_CHARS);
    const ra = retryAfter(res.headers.get('retry-after'));
    return { kind: 'answer', status: res.status, body: text, ...(ra !== undefined ? { retryAfterMs: ra } : {}) };
  } catch (cause) {
    if (timedOut) return { kind: 'failed', retryable: true, detail: `no answer within ${opts.timeoutMs} ms` };
    if (opts.signal.aborted) return { kind: 'failed', retryable: true, detail: 'cancelled (the collector is stopping)' };
    const err = cause as Error & { cause?: { code?: string; message?: string } };
    const reason = err.cause?.code ?? err.cause?.message ?? err.message;
    // A connection that cannot be made may come back (DNS, network, the service restarting): retry.
    return { kind: 'failed', retryable: true, detail: `request failed: ${reason}` };
  } finally {
    clearTimeout(timer);
    opts.signal.removeEventListener('abort', onAbort);
  }
}

/** HTTP status alone, for answers that are not the platform's JSON (a proxy, a load balancer). */
export function statusOutcome(status: number, body: string, retryAfterMs?: number): SendOutcome {
  const detail = `HTTP ${status}${body.trim() ? `: ${body.trim().replace(/\s+/g, ' ').slice(0, 500)}` : ''}`;
  if (status >= 200 && status < 300) return { ok: true, detail };
  if (status >= 300 && status < 400) return { ok: false, retryable: false, detail: `${detail} (a redirect: the webhook URL is wrong)` };
  if (status === 429) return { ok: false, retryable: true, detail, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  if (status === 408 || status >= 500) return { ok: false, retryable: true, detail, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  return { ok: false, retryable: false, detail };
}

/** The answer's JSON object, or undefined when it is not one. */
export function parseJsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(body);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
