// The channels a notification can go out through, behind one constructor. The engine
// (collector/notify/) validates `notifications.channels` of the collector configuration with
// ChannelConfigSchema + channelListProblems, builds each with createChannel, and only ever calls
// Channel.send (collector/notify/types.ts). The test-send command and the status page's button call
// sendTestNotification.
import type { Channel, Notification, SendOutcome } from '../types.js';
import type { ChannelDeps } from './base.js';
import type { ChannelConfig } from './config.js';
import { createDingTalkChannel } from './dingtalk.js';
import { createEmailChannel } from './email.js';
import { createFeishuChannel } from './feishu.js';
import { createWebhookChannel } from './webhook.js';
import { createWeComChannel } from './wecom.js';

export {
  ChannelConfigSchema,
  ChannelName,
  CHANNEL_TYPES,
  channelConfigProblems,
  channelListProblems,
  channelWithDefaults,
  DingTalkChannelSchema,
  EmailChannelSchema,
  FeishuChannelSchema,
  WebhookChannelSchema,
  WeComChannelSchema,
  type ChannelConfig,
  type DingTalkChannelConfig,
  type EmailChannelConfig,
  type FeishuChannelConfig,
  type WebhookChannelConfig,
  type WeComChannelConfig,
} from './config.js';
export type { ChannelDeps } from './base.js';
export { redact } from './secrets.js';
export { DINGTALK_LIMITS } from './dingtalk.js';
export { FEISHU_LIMITS } from './feishu.js';
export { WECOM_LIMITS } from './wecom.js';
export { WEBHOOK_IDS_HEADER, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER, webhookSignature } from './webhook.js';

/**
 * A channel for one configured entry (already validated). `deps.env` and `deps.baseDir` say where
 * `…Env` and relative `…File` secrets are found; they are read at every send, never here.
 */
export function createChannel(config: ChannelConfig, deps: ChannelDeps): Channel {
  switch (config.type) {
    case 'dingtalk':
      return createDingTalkChannel(config, deps);
    case 'feishu':
      return createFeishuChannel(config, deps);
    case 'wecom':
      return createWeComChannel(config, deps);
    case 'email':
      return createEmailChannel(config, deps);
    case 'webhook':
      return createWebhookChannel(config, deps);
  }
}

/** A notification that says plainly it is a test, for one channel: what `stationwatch notify test` and the status page's button send. */
export function testNotification(channel: Pick<Channel, 'name' | 'type'>, nowMs: number): Notification {
  const text = {
    summary: { en: `Test message from stationwatch through channel "${channel.name}"`, zh: `stationwatch 测试消息(通道「${channel.name}」)` },
    description: {
      en: `If you read this, the ${channel.type} channel "${channel.name}" works. Nothing is wrong; no action needed.`,
      zh: `收到此消息说明 ${channel.type} 通道「${channel.name}」工作正常。没有故障,无需处理。`,
    },
  };
  return {
    id: `test-${channel.name}-${nowMs}`,
    groupKey: 'test',
    site: 'test',
    status: 'firing',
    repeat: false,
    alerts: [{ alert: 'StationwatchTestNotification', status: 'firing', severity: 'info', site: 'test', ...text, startsAtMs: nowMs, labels: {} }],
    mentions: { mobiles: [], userIds: [], all: false },
    source: 'test',
    createdMs: nowMs,
  };
}

/** Sends the test notification through `channel` and answers its outcome (never throws). */
export async function sendTestNotification(channel: Channel, nowMs: number, signal: AbortSignal = new AbortController().signal): Promise<SendOutcome> {
  return channel.send([testNotification(channel, nowMs)], signal);
}
