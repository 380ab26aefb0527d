// Alertmanager's webhook payload (version 4, https://prometheus.io/docs/alerting/latest/configuration/#webhook_config)
// as the receiver accepts it, and its conversion to one Notification. Alertmanager has already
// grouped, waited, repeated, inhibited and silenced: one payload is one message, forwarded as given.
import { createHash } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import type { Mentions, Notification, NotifiedAlert } from './types.js';

const Labels = Type.Record(Type.String({ maxLength: 1024 }), Type.String({ maxLength: 8192 }));
const Status = Type.Union([Type.Literal('firing'), Type.Literal('resolved')]);
const Time = Type.String({ maxLength: 64 });

const AmAlert = Type.Object({
  status: Status,
  labels: Labels,
  annotations: Labels,
  startsAt: Time,
  endsAt: Type.Optional(Time),
  generatorURL: Type.Optional(Type.String({ maxLength: 8192 })),
  fingerprint: Type.Optional(Type.String({ maxLength: 128 })),
});

export const AlertmanagerWebhookSchema = Type.Object({
  version: Type.Literal('4'),
  groupKey: Type.String({ maxLength: 8192 }),
  truncatedAlerts: Type.Optional(Type.Integer({ minimum: 0 })),
  status: Status,
  receiver: Type.String({ maxLength: 1024 }),
  groupLabels: Labels,
  commonLabels: Labels,
  commonAnnotations: Labels,
  externalURL: Type.String({ maxLength: 8192 }),
  alerts: Type.Array(AmAlert, { minItems: 1, maxItems: 1000 }),
});
export type AlertmanagerWebhook = Static<typeof AlertmanagerWebhookSchema>;

/** Alertmanager writes 0001-01-01T00:00:00Z for "no end yet". */
function timeMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

export function fromAlertmanager(a: AlertmanagerWebhook['alerts'][number], publicUrl: string | undefined, devicePath: (device: string) => string): NotifiedAlert {
  const l = a.labels;
  const an = a.annotations;
  const text = (en: string | undefined, zh: string | undefined, fallback: string) => ({ en: en ?? zh ?? fallback, zh: zh ?? en ?? fallback });
  const device = l.device;
  return {
    alert: l.alertname ?? 'alert',
    status: a.status,
    severity: l.severity ?? 'warning',
    ...(l.indicator !== undefined ? { indicator: l.indicator } : {}),
    ...(device !== undefined ? { device } : {}),
    site: l.site ?? 'unknown',
    summary: text(an.summary, an.summary_zh, l.alertname ?? 'alert'),
    description: text(an.description, an.description_zh, ''),
    startsAtMs: timeMs(a.startsAt) ?? Date.now(),
    ...(a.status === 'resolved' && timeMs(a.endsAt) !== undefined ? { endsAtMs: timeMs(a.endsAt)! } : {}),
    ...(an.runbook_url !== undefined ? { runbookUrl: an.runbook_url } : {}),
    ...(device !== undefined ? { deviceUrl: (publicUrl ? publicUrl.replace(/\/+$/, '') : '') + devicePath(device) } : {}),
    labels: { ...l },
  };
}

/**
 * The payload's alerts of one site as one notification. Its id is new per receipt (a repeat of the
 * same group is a message of its own); channels that carry ids (the webhook) let a receiver de-duplicate.
 */
export function notificationOf(p: AlertmanagerWebhook, alerts: NotifiedAlert[], mentions: Mentions, nowMs: number): Notification {
  const first = alerts[0]!;
  const devices = new Set(alerts.map((a) => a.device));
  const device = devices.size === 1 ? first.device : undefined;
  const id = `am-${createHash('sha256').update(JSON.stringify([p.groupKey, p.status, nowMs, alerts.map((a) => [a.labels, a.status, a.startsAtMs])])).digest('hex').slice(0, 32)}`;
  return {
    id,
    groupKey: p.groupKey,
    site: first.site,
    ...(device !== undefined ? { device } : {}),
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    repeat: false,
    alerts,
    mentions,
    source: 'alertmanager',
    createdMs: nowMs,
  };
}
