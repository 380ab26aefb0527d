// WeCom group robot (企业微信群机器人). The webhook's `key` query parameter is the only credential (no
// signing). markdown (default): {msgtype: markdown, markdown: {content}} with content at most 4096
// bytes, members @-mentioned with `<@userid>` in the content (WeCom's markdown extension); text:
// {msgtype: text, text: {content, mentioned_list, mentioned_mobile_list}}, content at most 2048 bytes,
// the only way to @ by mobile number or @all. Answers {errcode, errmsg}: 0 is delivered, 45009 over
// the rate limit (20 messages a minute per robot), 93000 an invalid webhook URL (key), 40008 a bad
// message type, -1 system busy.
import type { Channel, ChannelLimits, Notification, SendOutcome } from '../types.js';
import { channelContext, guarded, type ChannelDeps } from './base.js';
import type { WeComChannelConfig } from './config.js';
import { buildMessage, lineMarkdown, plainText, renderWithin } from './format.js';
import { parseJsonObject, postJson, statusOutcome } from './http.js';
import { resolveSecret } from './secrets.js';

export const WECOM_LIMITS: ChannelLimits = { perMinute: 20 };
export const WECOM_MARKDOWN_MAX_BYTES = 4096;
export const WECOM_TEXT_MAX_BYTES = 2048;

export function wecomBody(batch: readonly Notification[], config: Pick<WeComChannelConfig, 'format' | 'timeZone'>, nowMs: number): { body: Record<string, unknown>; shown: number; omitted: number } {
  const model = buildMessage(batch, { nowMs, timeZone: config.timeZone });
  const userIds = [...new Set(batch.flatMap((n) => n.mentions.userIds))];
  const mobiles = [...new Set(batch.flatMap((n) => n.mentions.mobiles))];
  const all = batch.some((n) => n.mentions.all);
  if (config.format === 'text') {
    const r = renderWithin(model, plainText, WECOM_TEXT_MAX_BYTES);
    const mentioned = [...userIds, ...(all ? ['@all'] : [])];
    return { body: { msgtype: 'text', text: { content: r.text, mentioned_list: mentioned, mentioned_mobile_list: mobiles } }, shown: r.shown, omitted: r.omitted };
  }
  const tail = userIds.length ? [userIds.map((id) => `<@${id}>`).join(' ')] : [];
  const r = renderWithin(model, lineMarkdown, WECOM_MARKDOWN_MAX_BYTES, tail);
  return { body: { msgtype: 'markdown', markdown: { content: r.text } }, shown: r.shown, omitted: r.omitted };
}

export function wecomOutcome(status: number, body: string, retryAfterMs?: number): SendOutcome {
  const json = parseJsonObject(body);
  if (status !== 200 || !json || typeof json.errcode !== 'number') return statusOutcome(status, body, retryAfterMs);
  const detail = `WeCom errcode ${json.errcode}: ${String(json.errmsg ?? '')}`;
  if (json.errcode === 0) return { ok: true, detail };
  if (json.errcode === 45009) return { ok: false, retryable: true, detail, retryAfterMs: 60_000 };
  if (json.errcode === -1) return { ok: false, retryable: true, detail };
  return { ok: false, retryable: false, detail };
}

export function createWeComChannel(config: WeComChannelConfig, deps: ChannelDeps): Channel {
  const ctx = channelContext(config.name, deps);
  let secrets: string[] = [];
  return {
    name: config.name,
    type: 'wecom',
    limits: WECOM_LIMITS,
    send: (batch, signal) =>
      guarded(ctx, () => secrets, async () => {
        const url = await resolveSecret(config, 'url', ctx.sources, true);
        secrets = 'value' in url ? [url.value] : [];
        if ('problem' in url) return { ok: false, retryable: false, detail: url.problem };
        const { body } = wecomBody(batch, config, ctx.now());
        const answer = await postJson(url.value, JSON.stringify(body), { timeoutMs: ctx.timeoutMs, signal });
        if (answer.kind === 'failed') return { ok: false, retryable: answer.retryable, detail: answer.detail };
        return wecomOutcome(answer.status, answer.body, answer.retryAfterMs);
      }),
  };
}
