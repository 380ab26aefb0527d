// DingTalk custom robot (自定义机器人). One markdown message per send: {msgtype: markdown, markdown:
// {title, text}, at: {atMobiles, atUserIds, isAtAll}}. Security settings the robot may have:
// - signing (加签): `timestamp` (ms) and `sign` = urlencode(base64(HmacSHA256(key = secret,
//   message = timestamp + "\n" + secret))) as query parameters; DingTalk refuses a timestamp more than
//   an hour from its clock;
// - keyword (自定义关键词): the message must contain one of the words: the configured `keyword` leads
//   the title and therefore the text's heading;
// - IP allow-list: nothing to do here, the answer says which address was refused.
// Answers are HTTP 200 with {errcode, errmsg}: 0 is delivered. 20 messages a minute per robot, after
// which DingTalk throttles it for 10 minutes (errcode 130101, "send too fast").
import { createHmac } from 'node:crypto';
import type { Channel, ChannelLimits, Notification, SendOutcome } from '../types.js';
import { signedWebhookChannel, type ChannelDeps } from './base.js';
import type { DingTalkChannelConfig } from './config.js';
import { buildMessage, cutBytes, dingtalkMarkdown, renderWithin } from './format.js';
import { parseJsonObject, statusOutcome } from './http.js';

export const DINGTALK_LIMITS: ChannelLimits = { perMinute: 20, blockedForMsAfterExceeding: 10 * 60_000 };
/** The markdown text we send at most (DingTalk limits a message's content to 20,000 bytes; room kept for the rest of the body). */
export const DINGTALK_MAX_TEXT_BYTES = 18_000;
/** errcode DingTalk answers when a robot sends too fast ("send too fast, exceed 20 times per minute"), and "system busy": worth retrying later. */
const DINGTALK_RATE_LIMITED = new Set([130101]);
const DINGTALK_BUSY = new Set([-1]);

export function dingtalkSign(timestampMs: number, secret: string): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64');
}

export function dingtalkBody(batch: readonly Notification[], config: Pick<DingTalkChannelConfig, 'keyword' | 'timeZone'>, nowMs: number): { body: Record<string, unknown>; shown: number; omitted: number } {
  const model = buildMessage(batch, { nowMs, timeZone: config.timeZone, keyword: config.keyword });
  const mobiles = [...new Set(batch.flatMap((n) => n.mentions.mobiles))];
  const userIds = [...new Set(batch.flatMap((n) => n.mentions.userIds))];
  const all = batch.some((n) => n.mentions.all);
  // DingTalk highlights an @ only when the text contains "@<mobile>" / "@<userId>" too.
  const tail = [...mobiles, ...userIds].length ? [[...mobiles, ...userIds].map((m) => `@${m}`).join(' ')] : [];
  const { text, shown, omitted } = renderWithin(model, dingtalkMarkdown, DINGTALK_MAX_TEXT_BYTES, tail);
  return {
    body: { msgtype: 'markdown', markdown: { title: cutBytes(model.title, 300), text }, at: { atMobiles: mobiles, atUserIds: userIds, isAtAll: all } },
    shown,
    omitted,
  };
}

export function dingtalkOutcome(status: number, body: string): SendOutcome {
  const json = parseJsonObject(body);
  if (status !== 200 || !json || typeof json.errcode !== 'number') return statusOutcome(status, body);
  const detail = `DingTalk errcode ${json.errcode}: ${String(json.errmsg ?? '')}`;
  if (json.errcode === 0) return { ok: true, detail };
  if (DINGTALK_RATE_LIMITED.has(json.errcode)) return { ok: false, retryable: true, detail, retryAfterMs: DINGTALK_LIMITS.blockedForMsAfterExceeding! };
  if (DINGTALK_BUSY.has(json.errcode)) return { ok: false, retryable: true, detail };
  // 310000 (signature, keyword, IP allow-list), 300001/300005 (token), 400xxx (body): a person must fix the robot or the configuration.
  return { ok: false, retryable: false, detail };
}

export function createDingTalkChannel(config: DingTalkChannelConfig, deps: ChannelDeps): Channel {
  return signedWebhookChannel(config, deps, { type: 'dingtalk', limits: DINGTALK_LIMITS }, (batch, { url, secret, nowMs }) => {
    const target = new URL(url);
    const derived: string[] = [];
    if (secret) {
      const sign = dingtalkSign(nowMs, secret);
      derived.push(sign);
      target.searchParams.set('timestamp', String(nowMs));
      target.searchParams.set('sign', sign);
    }
    return { url: target.toString(), body: JSON.stringify(dingtalkBody(batch, config, nowMs).body), derived };
  }, (status, body) => dingtalkOutcome(status, body));
}
