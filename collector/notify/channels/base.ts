// What every channel shares: its dependencies (logger, deadline, clock, where secrets come from) and
// the last step of a send — the outcome's detail redacted, a debug log line, never a throw.
import type { Logger } from '../../../common/logger.js';
import type { Channel, ChannelLimits, ChannelType, Notification, SendOutcome } from '../types.js';
import { postJson } from './http.js';
import { redact, resolveUrlAndSecret, type SecretSources } from './secrets.js';

export interface ChannelDeps {
  log: Logger;
  /** Deadline of one send (HTTP request or SMTP conversation). Default 10 s. */
  timeoutMs?: number;
  now?: () => number;
  /** Where `…Env` secrets are read; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Directory relative `…File` names (secretFile, caFile) are relative to: the configuration file's. Default the cwd. */
  baseDir?: string;
}

export interface ChannelContext {
  log: Logger;
  timeoutMs: number;
  now: () => number;
  sources: SecretSources;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

export function channelContext(name: string, deps: ChannelDeps): ChannelContext {
  return {
    log: deps.log.child({ channel: name }),
    timeoutMs: deps.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    now: deps.now ?? Date.now,
    sources: { env: deps.env ?? process.env, baseDir: deps.baseDir ?? process.cwd() },
  };
}

/** The outcome with every secret removed from its detail, logged at debug (the engine reports failures). */
export function finish(ctx: ChannelContext, outcome: SendOutcome, secrets: readonly string[]): SendOutcome {
  const clean: SendOutcome = outcome.detail === undefined ? outcome : { ...outcome, detail: redact(outcome.detail, secrets) };
  ctx.log.debug({ ok: clean.ok, retryable: clean.ok ? undefined : clean.retryable, detail: clean.detail }, 'channel send');
  return clean;
}

/** A send's body run so that nothing escapes as an exception: a bug in a formatter is a failed send, not a dead notifier. */
export async function guarded(ctx: ChannelContext, secrets: () => readonly string[], body: () => Promise<SendOutcome>): Promise<SendOutcome> {
  try {
    return finish(ctx, await body(), secrets());
  } catch (cause) {
    return finish(ctx, { ok: false, retryable: true, detail: `internal error: ${(cause as Error).message}` }, secrets());
  }
}

/** What a signed-webhook channel builds for one send: the request, and any value derived from the secret (a signature) to redact. */
export interface SignedRequest {
  url: string;
  body: string;
  headers?: Record<string, string>;
  /** Values made from the secret that an answer could echo (a signature). */
  derived?: string[];
}

/**
 * A channel that POSTs to a webhook URL with an optional signing secret (DingTalk, Feishu/Lark, the
 * generic webhook): the URL and secret are resolved at each send (an environment variable or file
 * may change), every value learned is redacted from the outcome, and the platform's answer is judged
 * by `outcome`. `build` makes the request for this batch at `nowMs`.
 */
export function signedWebhookChannel<C extends { name: string }>(
  config: C,
  deps: ChannelDeps,
  kind: { type: ChannelType; limits: ChannelLimits; extraSecrets?: readonly string[] },
  build: (batch: readonly Notification[], target: { url: string; secret: string; nowMs: number }) => SignedRequest,
  outcome: (status: number, body: string, retryAfterMs?: number) => SendOutcome,
): Channel {
  const ctx = channelContext(config.name, deps);
  let secrets: string[] = [];
  return {
    name: config.name,
    type: kind.type,
    limits: kind.limits,
    send: (batch, signal) =>
      guarded(ctx, () => secrets, async () => {
        const resolved = await resolveUrlAndSecret(config as unknown as Record<string, unknown>, ctx.sources);
        secrets = [...resolved.known, ...(kind.extraSecrets ?? [])];
        if ('problem' in resolved) return { ok: false, retryable: false, detail: resolved.problem };
        const req = build(batch, { url: resolved.url, secret: resolved.secret, nowMs: ctx.now() });
        secrets.push(...(req.derived ?? []));
        const answer = await postJson(req.url, req.body, { timeoutMs: ctx.timeoutMs, signal, ...(req.headers ? { headers: req.headers } : {}) });
        if (answer.kind === 'failed') return { ok: false, retryable: answer.retryable, detail: answer.detail };
        return outcome(answer.status, answer.body, answer.retryAfterMs);
      }),
  };
}
