// The words of a notification, for every channel: a bilingual (English / 简体中文) title and, per
// alert, what fires where since when, with its runbook and device page links. Built once as lines of
// segments (text, bold, link) and rendered per platform dialect: DingTalk/WeCom markdown, Feishu
// lark_md or post elements, plain text and HTML for e-mail. Several notifications merged into one
// message (under rate-limit pressure) become one summary. A message over a platform's size limit
// loses whole alerts from its end and says "… and N more" — the platform would refuse it whole.
import type { Notification, NotifiedAlert } from '../types.js';

export type Segment = { text: string; bold?: boolean; href?: string };
export type Line = Segment[];

export type MessageKind = 'firing' | 'repeat' | 'resolved' | 'test' | 'mixed';

export interface MessageModel {
  kind: MessageKind;
  /** One line, both languages: subject, card header, DingTalk's notification preview. */
  title: string;
  /** Lines every rendering keeps. */
  head: Line[];
  /** One block per alert (and a site/device line before each notification's first alert when merged). */
  blocks: Line[][];
  alertCount: number;
}

export interface FormatOptions {
  nowMs: number;
  /** IANA zone times are written in; default the process's own. */
  timeZone?: string;
  /** Robot keyword rule: the title starts with it unless it already contains it. */
  keyword?: string;
}

/** A field of an alert longer than this is cut: one alert with a huge description must not hide the others. */
const MAX_FIELD_CHARS = 600;

const KIND_LABEL: Record<MessageKind, { icon: string; en: string; zh: string }> = {
  firing: { icon: '🔴', en: 'FIRING', zh: '告警' },
  repeat: { icon: '🔁', en: 'STILL FIRING', zh: '仍在告警' },
  resolved: { icon: '✅', en: 'RESOLVED', zh: '已恢复' },
  test: { icon: '🧪', en: 'TEST', zh: '测试' },
  mixed: { icon: '📋', en: 'SUMMARY', zh: '汇总' },
};

export function notificationKind(n: Notification): MessageKind {
  if (n.source === 'test') return 'test';
  if (n.status === 'resolved') return 'resolved';
  return n.repeat ? 'repeat' : 'firing';
}

export function batchKind(batch: readonly Notification[]): MessageKind {
  const kinds = new Set(batch.map(notificationKind));
  return kinds.size === 1 ? [...kinds][0]! : 'mixed';
}

function clip(s: string, max = MAX_FIELD_CHARS): string {
  const flat = s.replace(/\s*\n\s*/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** 2026-12-05T18:20:00+08:00 in the zone (ISO 8601 with its offset: unambiguous for people in any site). */
export function isoInZone(ms: number, timeZone?: string): string {
  let parts: Record<string, string>;
  try {
    const fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'longOffset',
    });
    parts = Object.fromEntries(fmt.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  } catch {
    return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  const offset = (parts.timeZoneName ?? 'GMT').replace(/^GMT/, '') || '+00:00';
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${offset}`;
}

/** "12 min" / "12 分钟", "2 h 5 min" / "2 小时 5 分钟", "3 d 4 h" / "3 天 4 小时". */
export function duration(ms: number): { en: string; zh: string } {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return { en: `${s} s`, zh: `${s} 秒` };
  const m = Math.floor(s / 60);
  if (m < 60) return { en: `${m} min`, zh: `${m} 分钟` };
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? { en: `${h} h ${m % 60} min`, zh: `${h} 小时 ${m % 60} 分钟` } : { en: `${h} h`, zh: `${h} 小时` };
  const d = Math.floor(h / 24);
  return h % 24 ? { en: `${d} d ${h % 24} h`, zh: `${d} 天 ${h % 24} 小时` } : { en: `${d} d`, zh: `${d} 天` };
}

function bilingual(t: { en: string; zh: string }): string {
  const en = clip(t.en);
  const zh = clip(t.zh);
  return en === zh || zh === '' ? en : en === '' ? zh : `${en} / ${zh}`;
}

function where(site: string, device: string | undefined): string {
  return device ? `${site} / ${device}` : site;
}

function alertBlock(a: NotifiedAlert, o: FormatOptions): Line[] {
  const firing = a.status === 'firing';
  const lines: Line[] = [];
  lines.push([{ text: `${firing ? '🔴' : '✅'} ` }, { text: bilingual(a.summary), bold: true }, { text: ` (${a.severity}${firing ? '' : ', resolved 已恢复'})` }]);
  const description = bilingual(a.description);
  if (description && description !== bilingual(a.summary)) lines.push([{ text: description }]);
  const facts = [
    ...(a.device ? [`Device 设备: ${a.device}`] : []),
    `Site 站点: ${a.site}`,
    ...(a.indicator ? [`Indicator 指标: ${a.indicator}`] : []),
    `Alert 告警: ${a.alert}`,
  ];
  lines.push([{ text: facts.join(' · ') }]);
  const since = isoInZone(a.startsAtMs, o.timeZone);
  if (firing) {
    const d = duration(o.nowMs - a.startsAtMs);
    lines.push([{ text: `Since 开始于: ${since} (for ${d.en} / 已持续 ${d.zh})` }]);
  } else {
    const end = a.endsAtMs ?? o.nowMs;
    const d = duration(end - a.startsAtMs);
    lines.push([{ text: `Resolved 恢复于: ${isoInZone(end, o.timeZone)} (lasted ${d.en} / 持续 ${d.zh}, since 开始于 ${since})` }]);
  }
  const links: Segment[] = [];
  if (a.runbookUrl) links.push({ text: 'Runbook 处置手册', href: a.runbookUrl });
  if (a.deviceUrl) links.push(...(links.length ? [{ text: ' · ' }] : []), { text: 'Device page 设备页面', href: a.deviceUrl });
  if (links.length) lines.push(links);
  return lines;
}

function singleTitle(n: Notification): string {
  const k = KIND_LABEL[notificationKind(n)];
  const first = n.alerts[0];
  const more = n.alerts.length > 1 ? ` (+${n.alerts.length - 1} more 另有 ${n.alerts.length - 1} 条)` : '';
  const what = first ? bilingual({ en: clip(first.summary.en, 120), zh: clip(first.summary.zh, 120) }) : '';
  return `${k.icon} ${k.en} ${k.zh} · ${where(n.site, n.device)} · ${what}${more}`;
}

function mergedTitle(batch: readonly Notification[], kind: MessageKind): string {
  const k = KIND_LABEL[kind];
  const alerts = batch.flatMap((n) => n.alerts);
  const firing = alerts.filter((a) => a.status === 'firing').length;
  const resolved = alerts.length - firing;
  const sites = [...new Set(batch.map((n) => n.site))];
  const siteText = sites.length > 3 ? `${sites.slice(0, 3).join(', ')} +${sites.length - 3}` : sites.join(', ');
  return `${k.icon} ${k.en} ${k.zh} · ${batch.length} notifications 条通知 · ${firing} firing 告警, ${resolved} resolved 恢复 · sites 站点: ${siteText}`;
}

export function buildMessage(batch: readonly Notification[], o: FormatOptions): MessageModel {
  const kind = batchKind(batch);
  let title = batch.length === 1 ? singleTitle(batch[0]!) : mergedTitle(batch, kind);
  if (o.keyword && !title.includes(o.keyword)) title = `[${o.keyword}] ${title}`;
  const head: Line[] = [];
  if (batch.length > 1) head.push([{ text: 'Several notifications merged into one message (the robot\'s rate limit) · 多条通知已合并为一条消息(机器人频率限制)' }]);
  const blocks: Line[][] = [];
  for (const n of batch) {
    n.alerts.forEach((a, i) => {
      const block = alertBlock(a, o);
      if (i === 0 && batch.length > 1) {
        const k = KIND_LABEL[notificationKind(n)];
        block.unshift([{ text: `${k.icon} ${k.en} ${k.zh} · ${where(n.site, n.device)}`, bold: true }]);
      }
      blocks.push(block);
    });
  }
  return { kind, title, head, blocks, alertCount: blocks.length };
}

export function omittedLine(n: number): Line {
  return [{ text: `… and ${n} more alert${n === 1 ? '' : 's'} not shown (message size limit) · 还有 ${n} 条告警未显示(消息长度限制)`, bold: true }];
}

/**
 * The head and as many alert blocks as `fits` accepts (most first), plus "… and N more" when some
 * are left out. `fits` measures the whole final message, so each platform counts what it limits
 * (DingTalk's text, WeCom's content bytes, Feishu's request body).
 */
export function fitBlocks(model: MessageModel, fits: (lines: Line[]) => boolean): { lines: Line[]; shown: number; omitted: number } {
  const compose = (k: number): Line[] => [...model.head, ...model.blocks.slice(0, k).flat(), ...(k < model.blocks.length ? [omittedLine(model.blocks.length - k)] : [])];
  const all = compose(model.blocks.length);
  if (fits(all)) return { lines: all, shown: model.blocks.length, omitted: 0 };
  // fits(compose(k)) is monotone in k for all practical purposes: binary search the largest k.
  let lo = 0;
  let hi = model.blocks.length - 1;
  let best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (fits(compose(mid))) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  const k = Math.max(best, 0);
  return { lines: compose(k), shown: k, omitted: model.blocks.length - k };
}

export function bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Cuts a string to at most `max` UTF-8 bytes without splitting a character, ending with "…". */
export function cutBytes(s: string, max: number): string {
  if (bytes(s) <= max) return s;
  const chars = [...s];
  let out = '';
  let size = 0;
  for (const c of chars) {
    const b = bytes(c);
    if (size + b + 3 > max) break;
    out += c;
    size += b;
  }
  return `${out}…`;
}

export interface Dialect {
  line(l: Line): string;
  /** Between lines. */
  join: string;
  /** Between alert blocks is the same join: blocks are just lines. */
  heading(text: string): string;
}

/** DingTalk markdown: a single newline does not break a line in the client; a blank line does. */
export const dingtalkMarkdown: Dialect = {
  line: (l) => l.map((s) => (s.href ? `[${s.text}](${s.href})` : s.bold ? `**${s.text}**` : s.text)).join(''),
  join: '\n\n',
  heading: (t) => `#### ${t}`,
};

/** WeCom markdown and Feishu lark_md: one newline is one line break. */
export const lineMarkdown: Dialect = {
  line: (l) => l.map((s) => (s.href ? `[${s.text}](${s.href})` : s.bold ? `**${s.text}**` : s.text)).join(''),
  join: '\n',
  heading: (t) => `**${t}**`,
};

export const plainText: Dialect = {
  line: (l) => l.map((s) => (s.href ? `${s.text}: ${s.href}` : s.text)).join(''),
  join: '\n',
  heading: (t) => t,
};

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export const html: Dialect = {
  line: (l) =>
    `<p style="margin:0 0 6px 0">${l
      .map((s) => (s.href ? `<a href="${escapeHtml(s.href)}">${escapeHtml(s.text)}</a>` : s.bold ? `<b>${escapeHtml(s.text)}</b>` : escapeHtml(s.text)))
      .join('')}</p>`,
  join: '\n',
  heading: (t) => `<h3 style="margin:0 0 10px 0">${escapeHtml(t)}</h3>`,
};

/** Title as a heading, then the fitted lines, then `tail` (mentions) — within `maxBytes` of UTF-8. */
export function renderWithin(model: MessageModel, d: Dialect, maxBytes: number, tail: string[] = []): { text: string; shown: number; omitted: number } {
  const render = (lines: Line[]) => [d.heading(model.title), ...lines.map((l) => d.line(l)), ...tail].join(d.join);
  const fitted = fitBlocks(model, (lines) => bytes(render(lines)) <= maxBytes);
  const text = render(fitted.lines);
  // Only when the head and the title alone are over the limit (never with sane limits).
  return { text: bytes(text) <= maxBytes ? text : cutBytes(text, maxBytes), shown: fitted.shown, omitted: fitted.omitted };
}

