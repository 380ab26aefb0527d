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
import { signedWebhookChannel, type ChannelDeps } from './base.js';
import type { WebhookChannelConfig } from './config.js';
import { buildMessage, plainText, renderWithin } from './format.js';
import { statusOutcome } from './http.js';

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
  // Configured header values (an Authorization) are secrets too.
  const kind = { type: 'webhook' as const, limits: { perMinute: config.perMinute ?? 60 }, extraSecrets: Object.values(config.headers ?? {}) };
  return signedWebhookChannel(config, deps, kind, (batch, { url, secret, nowMs }) => {
    const body = JSON.stringify(webhookBody(batch, config, nowMs));
    const headers: Record<string, string> = { ...config.headers, [WEBHOOK_IDS_HEADER]: batch.map((n) => n.id).join(',') };
    if (secret) {
      headers[WEBHOOK_TIMESTAMP_HEADER] = String(nowMs);
      headers[WEBHOOK_SIGNATURE_HEADER] = webhookSignature(secret, nowMs, body);
    }
    return { url, body, headers };
  }, statusOutcome);
}
