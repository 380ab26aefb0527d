// Feishu / Lark custom bot (自定义机器人). One message per send: an interactive card (header coloured
// by status, the body as lark_md) or a rich-text post. Security settings the bot may have:
// - signing (签名校验): `timestamp` (seconds, as a string) and `sign` in the JSON body, where
//   sign = base64(HmacSHA256(key = timestamp + "\n" + secret, message = empty)) — the key is the
//   string to sign, unlike DingTalk; Feishu refuses a timestamp more than an hour from its clock;
// - keyword (自定义关键词): the configured `keyword` leads the title;
// - IP allow-list.
// Answers: {code, msg} (older bots also StatusCode/StatusMessage): 0 is delivered; 19021 bad
// signature or timestamp, 19022 IP not allowed, 19024 keyword missing, 9499 bad request (also a body
// over 20 KB) or, with the message "too many request", too frequent; 11232 too frequent. 100 messages a minute and 5 a second per bot.
import { createHmac } from 'node:crypto';
import type { Channel, ChannelLimits, Notification, SendOutcome } from '../types.js';
import { signedWebhookChannel, type ChannelDeps } from './base.js';
import type { FeishuChannelConfig } from './config.js';
import { buildMessage, bytes, cutBytes, fitBlocks, lineMarkdown, type Line, type MessageKind } from './format.js';
import { parseJsonObject, statusOutcome } from './http.js';

export const FEISHU_LIMITS: ChannelLimits = { perMinute: 100, perSecond: 5 };
/** Feishu refuses a request body over 20 KB; the JSON we send stays under this (signature fields included). */
export const FEISHU_MAX_BODY_BYTES = 19_500;
const FEISHU_RATE_LIMITED = new Set([11232]);

export function feishuSign(timestampSeconds: number, secret: string): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64');
}

const TEMPLATE: Record<MessageKind, string> = { firing: 'red', repeat: 'orange', resolved: 'green', test: 'blue', mixed: 'purple' };

function mentionsOf(batch: readonly Notification[]): { userIds: string[]; all: boolean } {
  return { userIds: [...new Set(batch.flatMap((n) => n.mentions.userIds))], all: batch.some((n) => n.mentions.all) };
}

/** lark_md escapes: `<` starts a tag (<at>, <font>) in lark_md. */
function larkText(s: string): string {
  return s.replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function cardBody(title: string, kind: MessageKind, lines: Line[], mentions: { userIds: string[]; all: boolean }): Record<string, unknown> {
  const text = lines.map((l) => lineMarkdown.line(l.map((s) => ({ ...s, text: larkText(s.text) })))).join('\n');
  const at = [...mentions.userIds.map((id) => `<at id=${id}></at>`), ...(mentions.all ? ['<at id=all></at>'] : [])].join(' ');
  return {
    msg_type: 'interactive',
    card: {
      config: { wide_screen_mode: true },
      header: { title: { tag: 'plain_text', content: cutBytes(title, 600) }, template: TEMPLATE[kind] },
      elements: [{ tag: 'div', text: { tag: 'lark_md', content: at ? `${text}\n${at}` : text } }],
    },
  };
}

function postBody(title: string, lines: Line[], mentions: { userIds: string[]; all: boolean }): Record<string, unknown> {
  const content: unknown[][] = lines.map((l) =>
    l.map((s) => (s.href ? { tag: 'a', text: s.text, href: s.href } : s.bold ? { tag: 'text', text: s.text, style: ['bold'] } : { tag: 'text', text: s.text })),
  );
  const at = [...mentions.userIds.map((id) => ({ tag: 'at', user_id: id })), ...(mentions.all ? [{ tag: 'at', user_id: 'all' }] : [])];
  if (at.length) content.push(at);
  return { msg_type: 'post', content: { post: { zh_cn: { title: cutBytes(title, 600), content } } } };
}

/** The request body (without timestamp/sign), its alerts cut so that the signed body stays within Feishu's limit. */
export function feishuBody(batch: readonly Notification[], config: Pick<FeishuChannelConfig, 'keyword' | 'timeZone' | 'format'>, nowMs: number): { body: Record<string, unknown>; shown: number; omitted: number } {
  const model = buildMessage(batch, { nowMs, timeZone: config.timeZone, keyword: config.keyword });
  // The keyword leads the card's header too, but a bot's keyword rule is safest met in the message body.
  if (config.keyword) model.head.unshift([{ text: `[${config.keyword}]` }]);
  const mentions = mentionsOf(batch);
  const make = (lines: Line[]) => (config.format === 'post' ? postBody(model.title, lines, mentions) : cardBody(model.title, model.kind, lines, mentions));
  // timestamp (10 digits) and sign (44 characters) with their keys: under 100 bytes.
  const fitted = fitBlocks(model, (lines) => bytes(JSON.stringify(make(lines))) + 100 <= FEISHU_MAX_BODY_BYTES);
  return { body: make(fitted.lines), shown: fitted.shown, omitted: fitted.omitted };
}

export function feishuOutcome(status: number, body: string, retryAfterMs?: number): SendOutcome {
  const json = parseJsonObject(body);
  const code = typeof json?.code === 'number' ? json.code : typeof json?.StatusCode === 'number' ? json.StatusCode : undefined;
  if (!json || code === undefined) return statusOutcome(status, body, retryAfterMs);
  const detail = `Feishu code ${code}: ${String(json.msg ?? json.StatusMessage ?? '')}`;
  if (code === 0 && status >= 200 && status < 300) return { ok: true, detail };
  // Over the limit Feishu answers 11232 "frequency limited", or 9499 "too many request" with HTTP 400 —
  // the code it also uses for a malformed body, so the message tells them apart.
  const tooMany = FEISHU_RATE_LIMITED.has(code) || status === 429 || (code === 9499 && /too many request/i.test(String(json.msg ?? '')));
  if (tooMany) return { ok: false, retryable: true, detail, retryAfterMs: retryAfterMs ?? (FEISHU_RATE_LIMITED.has(code) ? 60_000 : 1_000) };
  if (status >= 500) return { ok: false, retryable: true, detail };
  // 19021 signature, 19022 IP, 19024 keyword, 9499 body, 19001 hook id: a person must fix it.
  return { ok: false, retryable: false, detail };
}

export function createFeishuChannel(config: FeishuChannelConfig, deps: ChannelDeps): Channel {
  return signedWebhookChannel(config, deps, { type: 'feishu', limits: FEISHU_LIMITS }, (batch, { url, secret, nowMs }) => {
    const { body } = feishuBody(batch, config, nowMs);
    const derived: string[] = [];
    if (secret) {
      const ts = Math.floor(nowMs / 1000);
      const sign = feishuSign(ts, secret);
      derived.push(sign);
      Object.assign(body, { timestamp: String(ts), sign });
    }
    return { url, body: JSON.stringify(body), derived };
  }, feishuOutcome);
}
