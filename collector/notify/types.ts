// What the notifier hands to a channel, and what a channel answers. One shape for both deployments:
// the collector's own catalog evaluation (all-in-one, no Prometheus) and Alertmanager's webhook
// (POST to the collector's receiver) both become Notifications; the engine (grouping, repeats,
// silences, routing, the durable queue, rate limits and retries: collector/notify/) never knows a
// platform, and a channel (collector/notify/channels/: DingTalk, Feishu/Lark, WeCom, e-mail, webhook)
// never decides whether to send — it formats and delivers what it is given.
import type { Text } from '../../alerts/catalog/types.js';

export type AlertStatus = 'firing' | 'resolved';

export interface NotifiedAlert {
  /** The alert's name (catalog rule name, or Alertmanager's `alertname`). */
  alert: string;
  status: AlertStatus;
  severity: 'warning' | 'critical' | string;
  /** The catalog indicator, when known. */
  indicator?: string;
  device?: string;
  site: string;
  /** From the catalog's EN/中文 texts, values filled in; Alertmanager alerts carry what their annotations say (en = zh when only one). */
  summary: Text;
  description: Text;
  /** Since when it has been firing. */
  startsAtMs: number;
  /** When it resolved (resolved alerts only). */
  endsAtMs?: number;
  runbookUrl?: string;
  /** The device page on this collector (absolute when `publicUrl` is configured). */
  deviceUrl?: string;
  labels: Record<string, string>;
}

/** The on-call people of a site, as each platform addresses them. */
export interface Mentions {
  /** DingTalk: phone numbers (atMobiles); WeCom: mentioned_mobile_list. */
  mobiles: string[];
  /** DingTalk atUserIds, Feishu open_id / user_id, WeCom userid (mentioned_list). */
  userIds: string[];
  /** Everyone in the group (@all); only when configured. */
  all: boolean;
}

/** One message's worth: the alerts of one group (a site, or one device of it) that are new, repeated or resolved. */
export interface Notification {
  /** Unique per message (durable queue key, record id, retry dedupe on the receiving side where supported). */
  id: string;
  /** What grouped these alerts: `site` or `site/device`. */
  groupKey: string;
  site: string;
  device?: string;
  /** firing when any alert in it fires; resolved when all resolved. */
  status: AlertStatus;
  /** A reminder of alerts already notified and still firing (repeat interval). */
  repeat: boolean;
  alerts: NotifiedAlert[];
  mentions: Mentions;
  source: 'collector' | 'alertmanager' | 'test';
  createdMs: number;
}

export type SendOutcome =
  | { ok: true; detail?: string }
  /** `retryable`: a 5xx, a timeout, a platform's rate-limit answer; not a refused signature or a wrong URL. */
  | { ok: false; retryable: boolean; detail: string; retryAfterMs?: number };

/** What the platform allows a robot (facts.md): the engine's limiter keeps under it and merges under pressure. */
export interface ChannelLimits {
  perMinute: number;
  perSecond?: number;
  /** After exceeding, the platform blocks the robot for this long (DingTalk: 10 minutes). */
  blockedForMsAfterExceeding?: number;
}

export type ChannelType = 'dingtalk' | 'feishu' | 'wecom' | 'email' | 'webhook';

export interface Channel {
  /** The configured name, used in routes, records, metrics (`channel` label) and logs. Never a secret. */
  readonly name: string;
  readonly type: ChannelType;
  readonly limits: ChannelLimits;
  /**
   * Delivers one message. Several notifications are merged into one message (one markdown summary,
   * the platforms' own advice) when the engine is under the channel's rate limit pressure. Never
   * throws: every failure is an outcome, its detail the platform's own answer with secrets removed.
   */
  send(batch: readonly Notification[], signal: AbortSignal): Promise<SendOutcome>;
}
