// The `notifications` section of the collector's configuration, and the one rule that keeps a site
// from being notified twice for the same alert.
//
// Every site has exactly one mode: `sites.<site>.mode` when set, else `mode`:
//   off          — the collector sends nothing for the site;
//   collector    — all-in-one: the collector's own evaluation drives notifications (collector/notify/service.ts);
//   alertmanager — Prometheus evaluates the rules and Alertmanager groups, repeats and silences; the
//                  collector's receiver (POST /api/v1/notify/alertmanager) forwards what it is given.
// Start-up errors ("configured both ways"):
//   - a site in `collector` mode while `alertmanagerUrl` is set: the same rules reach that Alertmanager,
//     which would notify a second time (through its own receivers or ours) — use mode `alertmanager`;
//   - a site in `alertmanager` mode without a receiver token (receiverToken or
//     STATIONWATCH_NOTIFY_RECEIVER_TOKEN): Alertmanager could not deliver;
//   - a receiver token while no site is in `alertmanager` mode: the receiver would forward alerts the
//     collector already notifies (or that were switched off).
// At run time the receiver forwards only alerts of sites in `alertmanager` mode; others are ignored
// (answered, counted, logged).
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { SiteName } from '../../protocol/report.js';
import {
  ChannelName,
  channelListProblems,
  DingTalkChannelSchema,
  EmailChannelSchema,
  FeishuChannelSchema,
  WebhookChannelSchema,
  WeComChannelSchema,
  type ChannelConfig,
} from './channels/index.js';

export const notifyModes = ['off', 'collector', 'alertmanager'] as const;
export type NotifyMode = (typeof notifyModes)[number];
const Mode = Type.Union(notifyModes.map((m) => Type.Literal(m)));

const RouteSchema = Type.Object(
  {
    /** Sites this route is for; absent or empty: every site. */
    sites: Type.Optional(Type.Array(SiteName)),
    /** Severities this route is for (warning, critical); absent or empty: every severity. */
    severities: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 32 }))),
    channels: Type.Array(ChannelName, { minItems: 1 }),
  },
  { additionalProperties: false },
);

const OnCallSchema = Type.Object(
  {
    /** DingTalk atMobiles, WeCom mentioned_mobile_list. */
    mobiles: Type.Optional(Type.Array(Type.String({ pattern: '^\\+?[0-9-]{5,20}$' }))),
    /** DingTalk atUserIds, Feishu open_id/user_id, WeCom userid. */
    userIds: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }))),
    /** @all: everyone in the group. */
    all: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const NotificationsSchema = Type.Object(
  {
    mode: Type.Optional(Mode),
    /** Per-site mode, overriding `mode` for that site. */
    sites: Type.Record(Type.String(), Type.Object({ mode: Mode }, { additionalProperties: false }), { default: {} }),
    /** The robots, mailboxes and webhooks (collector/notify/channels/config.ts); validated by channelListProblems. */
    channels: Type.Array(Type.Unknown(), { default: [] }),
    /** Tried in order per alert; the first whose sites and severities match gives the channels. */
    routes: Type.Array(RouteSchema, { default: [] }),
    /** Channels for alerts no route matches. */
    defaultChannels: Type.Array(ChannelName, { default: [] }),
    /** On-call people per site (`*`: sites without their own), @-mentioned where the platform supports it. */
    onCall: Type.Record(Type.String(), OnCallSchema, { default: {} }),
    /** All-in-one: alerts of one device arriving within this window make one message. */
    groupWaitSeconds: Type.Number({ minimum: 0.1, maximum: 3600, default: 30 }),
    /** All-in-one: an alert still firing is announced again after this long. */
    repeatIntervalMinutes: Type.Number({ minimum: 0.01, maximum: 7 * 24 * 60, default: 240 }),
    /** The collector's address as people reach it (https://monitor.example.com): device-page and runbook links in messages are absolute. */
    publicUrl: Type.Optional(Type.String({ pattern: '^https?://[^\\s/]+(/\\S*)?$' })),
    /** The bearer token Alertmanager sends to the receiver (at least 16 characters); better STATIONWATCH_NOTIFY_RECEIVER_TOKEN. */
    receiverToken: Type.Optional(Type.String({ minLength: 16, maxLength: 512 })),
    /** The deadline of one send. */
    sendTimeoutSeconds: Type.Number({ minimum: 0.1, maximum: 300, default: 15 }),
    /** A notification not delivered after this long is recorded failed and no longer retried. */
    giveUpAfterHours: Type.Number({ minimum: 0.001, maximum: 24 * 30, default: 24 }),
    /** The first retry waits about this long; each next one twice as long, up to `retryMaxSeconds`. */
    retryBaseSeconds: Type.Number({ minimum: 0.05, maximum: 3600, default: 5 }),
    retryMaxSeconds: Type.Number({ minimum: 0.1, maximum: 86_400, default: 600 }),
    /** A failing channel is logged at most once per this interval. */
    logFailuresEveryMinutes: Type.Number({ minimum: 0.01, maximum: 1440, default: 10 }),
  },
  { additionalProperties: false, default: {} },
);

export type NotificationsConfig = Omit<Static<typeof NotificationsSchema>, 'channels'> & { channels: ChannelConfig[] };

const channelSchemas = { dingtalk: DingTalkChannelSchema, feishu: FeishuChannelSchema, wecom: WeComChannelSchema, email: EmailChannelSchema, webhook: WebhookChannelSchema } as const;

/** The section's channels with their defaults filled in (after channelListProblems found none). */
export function withChannelDefaults(list: readonly unknown[]): ChannelConfig[] {
  return list.map((c) => Value.Default(channelSchemas[(c as { type: keyof typeof channelSchemas }).type], Value.Clone(c)) as ChannelConfig);
}

export function modeOf(n: Pick<NotificationsConfig, 'mode' | 'sites'>, site: string): NotifyMode {
  return n.sites[site]?.mode ?? n.mode ?? 'off';
}

/** Every mode in use: the default's and each site's. */
export function modesInUse(n: Pick<NotificationsConfig, 'mode' | 'sites'>): Set<NotifyMode> {
  return new Set([n.mode ?? 'off', ...Object.values(n.sites).map((s) => s.mode)]);
}

/** Problems the schema cannot see (the raw section, before defaults): channels, names, the both-ways rule. */
export function notificationProblems(raw: unknown, alertmanagerUrl: unknown): string[] {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return [];
  const n = raw as Record<string, unknown>;
  const problems: string[] = [];
  const channels = n.channels ?? [];
  problems.push(...channelListProblems(channels, '/notifications/channels'));
  const names = new Set(Array.isArray(channels) ? channels.map((c) => (c as Record<string, unknown> | null)?.name) : []);
  const known = (list: unknown, path: string) => {
    if (!Array.isArray(list)) return;
    list.forEach((c, i) => {
      if (typeof c === 'string' && !names.has(c)) problems.push(`${path}/${i}: no channel named "${c}" in /notifications/channels`);
    });
  };
  if (Array.isArray(n.routes)) n.routes.forEach((r, i) => known((r as Record<string, unknown> | null)?.channels, `/notifications/routes/${i}/channels`));
  known(n.defaultChannels, '/notifications/defaultChannels');
  const sites = (typeof n.sites === 'object' && n.sites !== null ? n.sites : {}) as Record<string, { mode?: unknown } | null>;
  const modes: [string, unknown][] = [['/notifications/mode', n.mode ?? 'off'], ...Object.entries(sites).map(([s, v]): [string, unknown] => [`/notifications/sites/${s}/mode`, v?.mode])];
  for (const [path, mode] of modes) {
    if (mode === 'collector' && typeof alertmanagerUrl === 'string') {
      problems.push(`${path}: collector, but alertmanagerUrl is set: Prometheus' rules reach that Alertmanager, which would notify a second time — use mode alertmanager (Alertmanager delivers through the collector's receiver) or remove alertmanagerUrl`);
    }
  }
  const anyAlertmanager = modes.some(([, m]) => m === 'alertmanager');
  const token = n.receiverToken;
  if (anyAlertmanager && token === undefined) problems.push('/notifications/receiverToken: a site is in mode alertmanager: set the receiver token (at least 16 characters; STATIONWATCH_NOTIFY_RECEIVER_TOKEN) that Alertmanager sends');
  if (!anyAlertmanager && token !== undefined) problems.push('/notifications/receiverToken: set, but no site is in mode alertmanager: the receiver would forward alerts that are notified otherwise or switched off — remove it or set a mode alertmanager');
  const anyOn = modes.some(([, m]) => m === 'collector' || m === 'alertmanager');
  if (anyOn && names.size === 0) problems.push('/notifications/channels: notifications are on but no channel is configured');
  if (anyOn && (!Array.isArray(n.defaultChannels) || n.defaultChannels.length === 0) && !Array.isArray(n.routes)) problems.push('/notifications/defaultChannels: notifications are on but no route or default channel says where they go');
  return problems;
}
