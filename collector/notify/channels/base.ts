// What every channel shares: its dependencies (logger, deadline, clock, where secrets come from) and
// the last step of a send — the outcome's detail redacted, a debug log line, never a throw.
import type { Logger } from '../../../common/logger.js';
import type { SendOutcome } from '../types.js';
import { redact, type SecretSources } from './secrets.js';

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
