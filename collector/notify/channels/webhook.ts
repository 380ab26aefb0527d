// Generic webhook: one POST of JSON per send, for any receiver a site runs (a ticket system, a script).
// Body (version 1; a receiver should ignore unknown keys):
//   { "version": 1, "source": "stationwatch", "channel": "<name>",
//     "title": "<one line, English / 中文>", "text": "<the message as plain text>",
//     "notifications": [ <collector/notify/types.ts Notification>, … ] }
// Headers: X-Stationwatch-Notification-Ids (comma-separated, for the receiver's de-duplication of a
// retried send) and, when a `secret` is configured, X-Stationwatch-Timestamp (Unix milliseconds) and
// X-Stationwatch-Signature: sha256=<hex HmacSHA256(secret, timestamp + "." + raw body)>. The receiver
// recomputes it over the bytes it received and refuses an old timestamp (replay).
// Any 2xx is delivered; 408, 429 and 5xx are retried (Retry-After honoured); other answers are not.
import { createHmac } from 'node:crypto';
import type { Channel, Notification } from '../types.js';
import { channelContext, guarded, type ChannelDeps } from './base.js';
import type { WebhookChannelConfig } from './config.js';
import { buildMessage, plainText, renderWithin } from './format.js';
import { postJson, statusOutcome } from './http.js';
import { resolveUrlAndSecret } from './secrets.js';

export const WEBHOOK_SIGNATURE_HEADER = 'x-stationwatch-signature';
export const WEBHOOK_TIMESTAMP_HEADER = 'x-stationwatch-timestamp';
export const WEBHOOK_IDS_HEADER = 'x-stationwatch-notification-ids';

export function webhookSignature(secret: string, timestampMs: number, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampMs}.${rawBody}`).digest('hex')}`;
}

export function webhookBody(batch: readonly Notification[], config: Pick<WebhookChannelConfig, 'name' | 'timeZone'>, nowMs: number): Record<string, unknown> {
  const model = buildMessage(batch, { nowMs, timeZone: config.timeZone });
  // The structured notifications are the payload; the text is a convenience, not size-limited by a platform.
  const { text } = renderWithin(model, plainText, 256 * 1024);
  return { version: 1, source: 'stationwatch', channel: config.name, title: model.title, text, notifications: batch };
}

export function createWebhookChannel(config: WebhookChannelConfig, deps: ChannelDeps): Channel {
  const ctx = channelContext(config.name, deps);
  let secrets: string[] = [];
  return {
    name: config.name,
    type: 'webhook',
    limits: { perMinute: config.perMinute ?? 60 },
    send: (batch, signal) =>
      guarded(ctx, () => secrets, async () => {
        const resolved = await resolveUrlAndSecret(config, ctx.sources);
        // Configured header values (an Authorization) are secrets too.
        secrets = resolved.known.concat(Object.values(config.headers ?? {}));
        if ('problem' in resolved) return { ok: false, retryable: false, detail: resolved.problem };
        const { url, secret } = resolved;
        const now = ctx.now();
        const raw = JSON.stringify(webhookBody(batch, config, now));
        const headers: Record<string, string> = { ...config.headers, [WEBHOOK_IDS_HEADER]: batch.map((n) => n.id).join(',') };
        if (secret) {
          headers[WEBHOOK_TIMESTAMP_HEADER] = String(now);
          headers[WEBHOOK_SIGNATURE_HEADER] = webhookSignature(secret, now, raw);
        }
        const answer = await postJson(url, raw, { timeoutMs: ctx.timeoutMs, signal, headers });
        if (answer.kind === 'failed') return { ok: false, retryable: answer.retryable, detail: answer.detail };
        return statusOutcome(answer.status, answer.body, answer.retryAfterMs);
      }),
  };
}
