// The words of notifications (collector/notify/channels/format.ts) and each platform's body built from
// them: bilingual texts, times with their offset and how long, links, merged summaries, and the cut to
// each platform's size limit with "… and N more"; redaction of secrets; channel configuration checks.
import { describe, expect, it } from 'vitest';
import type { Notification, NotifiedAlert } from '../../collector/notify/types.js';
import { buildMessage, bytes, dingtalkMarkdown, duration, isoInZone, plainText, renderWithin } from '../../collector/notify/channels/format.js';
import { DINGTALK_MAX_TEXT_BYTES, dingtalkBody } from '../../collector/notify/channels/dingtalk.js';
import { FEISHU_MAX_BODY_BYTES, feishuBody } from '../../collector/notify/channels/feishu.js';
import { WECOM_MARKDOWN_MAX_BYTES, WECOM_TEXT_MAX_BYTES, wecomBody } from '../../collector/notify/channels/wecom.js';
import { emailContent } from '../../collector/notify/channels/email.js';
import { channelConfigProblems, channelListProblems, channelWithDefaults, redact, testNotification } from '../../collector/notify/channels/index.js';

const NOW = Date.parse('2026-12-05T10:32:00Z');

function alert(i: number, over: Partial<NotifiedAlert> = {}): NotifiedAlert {
  return {
    alert: 'StationwatchPrintQueueDisabled',
    status: 'firing',
    severity: 'critical',
    indicator: 'printer.queue',
    device: `pc-${String(i).padStart(3, '0')}`,
    site: 'beijing',
    summary: { en: `Print queue HP${i} is disabled`, zh: `打印队列 HP${i} 已停用` },
    description: { en: `The CUPS queue HP${i} refuses jobs since it was disabled.`, zh: `CUPS 队列 HP${i} 已停用,不再接受打印任务。` },
    startsAtMs: NOW - 12 * 60_000,
    runbookUrl: 'https://docs.example/runbooks/printer.queue#stationwatchprintqueuedisabled',
    deviceUrl: `https://monitor.example/devices/pc-${String(i).padStart(3, '0')}`,
    labels: {},
    ...over,
  };
}

function notification(alerts: NotifiedAlert[], over: Partial<Notification> = {}): Notification {
  return {
    id: `n-${Math.random().toString(36).slice(2)}`,
    groupKey: 'beijing/pc-001',
    site: 'beijing',
    device: 'pc-001',
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    repeat: false,
    alerts,
    mentions: { mobiles: ['13800000001'], userIds: ['zhangsan'], all: false },
    source: 'collector',
    createdMs: NOW,
    ...over,
  };
}

describe('times and durations', () => {
  it('writes ISO 8601 with the zone offset, and durations in both languages', () => {
    expect(isoInZone(NOW, 'Asia/Shanghai')).toBe('2026-12-05T18:32:00+08:00');
    expect(isoInZone(NOW, 'UTC')).toBe('2026-12-05T10:32:00+00:00');
    expect(isoInZone(NOW, 'America/New_York')).toBe('2026-12-05T05:32:00-05:00');
    expect(duration(40_000)).toEqual({ en: '40 s', zh: '40 秒' });
    expect(duration(12 * 60_000)).toEqual({ en: '12 min', zh: '12 分钟' });
    expect(duration(125 * 60_000)).toEqual({ en: '2 h 5 min', zh: '2 小时 5 分钟' });
    expect(duration(76 * 3600_000)).toEqual({ en: '3 d 4 h', zh: '3 天 4 小时' });
  });
});

describe('one notification', () => {
  it('firing: bilingual title and texts, device, site, indicator, since when and for how long, runbook and device page', () => {
    const m = buildMessage([notification([alert(1)])], { nowMs: NOW, timeZone: 'Asia/Shanghai' });
    expect(m.kind).toBe('firing');
    expect(m.title).toBe('🔴 FIRING 告警 · beijing / pc-001 · Print queue HP1 is disabled / 打印队列 HP1 已停用');
    const text = renderWithin(m, plainText, 100_000).text;
    expect(text).toContain('The CUPS queue HP1 refuses jobs since it was disabled. / CUPS 队列 HP1 已停用,不再接受打印任务。');
    expect(text).toContain('Device 设备: pc-001 · Site 站点: beijing · Indicator 指标: printer.queue · Alert 告警: StationwatchPrintQueueDisabled');
    expect(text).toContain('Since 开始于: 2026-12-05T18:20:00+08:00 (for 12 min / 已持续 12 分钟)');
    expect(text).toContain('Runbook 处置手册: https://docs.example/runbooks/printer.queue#stationwatchprintqueuedisabled');
    expect(text).toContain('Device page 设备页面: https://monitor.example/devices/pc-001');
    const md = renderWithin(m, dingtalkMarkdown, 100_000).text;
    expect(md).toContain('[Runbook 处置手册](https://docs.example/runbooks/printer.queue#stationwatchprintqueuedisabled)');
    expect(md.startsWith('#### 🔴 FIRING 告警')).toBe(true);
  });

  it('resolved says when and how long it lasted; a repeat says still firing; a test says test', () => {
    const resolved = buildMessage([notification([alert(1, { status: 'resolved', endsAtMs: NOW - 2 * 60_000 })])], { nowMs: NOW, timeZone: 'UTC' });
    expect(resolved.title.startsWith('✅ RESOLVED 已恢复 · beijing / pc-001')).toBe(true);
    expect(renderWithin(resolved, plainText, 100_000).text).toContain('Resolved 恢复于: 2026-12-05T10:30:00+00:00 (lasted 10 min / 持续 10 分钟, since 开始于 2026-12-05T10:20:00+00:00)');
    const repeat = buildMessage([notification([alert(1)], { repeat: true })], { nowMs: NOW });
    expect(repeat.title.startsWith('🔁 STILL FIRING 仍在告警')).toBe(true);
    const test = buildMessage([testNotification({ name: 'ops-dingtalk', type: 'dingtalk' }, NOW)], { nowMs: NOW });
    expect(test.title).toContain('🧪 TEST 测试');
    expect(renderWithin(test, plainText, 100_000).text).toContain('no action needed');
  });

  it('the robot keyword leads the title unless the title has it', () => {
    expect(buildMessage([notification([alert(1)])], { nowMs: NOW, keyword: '告警通知' }).title.startsWith('[告警通知] 🔴')).toBe(true);
    expect(buildMessage([notification([alert(1)])], { nowMs: NOW, keyword: 'FIRING' }).title.startsWith('🔴 FIRING')).toBe(true);
  });

  it('several alerts of one device: the first in the title, how many more beside it', () => {
    const m = buildMessage([notification([alert(1), alert(2), alert(3)])], { nowMs: NOW });
    expect(m.title).toBe('🔴 FIRING 告警 · beijing / pc-001 · Print queue HP1 is disabled / 打印队列 HP1 已停用 (+2 more 另有 2 条)');
    expect(m.alertCount).toBe(3);
  });

  it('a summary with only one language is written once', () => {
    const m = buildMessage([notification([alert(1, { summary: { en: 'Disk full', zh: 'Disk full' } })])], { nowMs: NOW });
    expect(m.title.endsWith('· Disk full')).toBe(true);
  });
});

describe('merged notifications', () => {
  it('several notifications become one summary with a line per group', () => {
    const batch = [
      notification([alert(1), alert(2)]),
      notification([alert(3, { status: 'resolved', endsAtMs: NOW })], { site: 'shanghai', device: 'pc-003', status: 'resolved' }),
      notification([alert(4)], { repeat: true, device: 'pc-004' }),
    ];
    const m = buildMessage(batch, { nowMs: NOW });
    expect(m.kind).toBe('mixed');
    expect(m.title).toBe('📋 SUMMARY 汇总 · 3 notifications 条通知 · 3 firing 告警, 1 resolved 恢复 · sites 站点: beijing, shanghai');
    const text = renderWithin(m, plainText, 100_000).text;
    expect(text).toContain('merged into one message');
    expect(text).toContain('✅ RESOLVED 已恢复 · shanghai / pc-003');
    expect(text).toContain('🔁 STILL FIRING 仍在告警 · beijing / pc-004');
    expect(m.alertCount).toBe(4);
  });
});

describe('size limits: whole alerts are left out, "… and N more" says how many', () => {
  const many = (n: number) => [notification(Array.from({ length: n }, (_, i) => alert(i)))];

  it('DingTalk markdown stays within its limit', () => {
    const { body, shown, omitted } = dingtalkBody(many(400), { keyword: 'stationwatch' }, NOW);
    const text = (body.markdown as { text: string }).text;
    expect(bytes(text)).toBeLessThanOrEqual(DINGTALK_MAX_TEXT_BYTES);
    expect(shown).toBeGreaterThan(10);
    expect(shown + omitted).toBe(400);
    expect(text).toContain(`… and ${omitted} more alerts not shown (message size limit) · 还有 ${omitted} 条告警未显示(消息长度限制)`);
    expect(text).toContain('@13800000001 @zhangsan');
    expect(body.at).toEqual({ atMobiles: ['13800000001'], atUserIds: ['zhangsan'], isAtAll: false });
  });

  it('WeCom markdown content ≤ 4096 bytes, text ≤ 2048 bytes; mentions as <@userid> or the text lists', () => {
    const md = wecomBody(many(60), { format: 'markdown' }, NOW);
    const content = (md.body.markdown as { content: string }).content;
    expect(bytes(content)).toBeLessThanOrEqual(WECOM_MARKDOWN_MAX_BYTES);
    expect(md.omitted).toBeGreaterThan(0);
    expect(content).toContain('<@zhangsan>');
    const text = wecomBody(many(60), { format: 'text' }, NOW);
    const t = text.body.text as { content: string; mentioned_list: string[]; mentioned_mobile_list: string[] };
    expect(bytes(t.content)).toBeLessThanOrEqual(WECOM_TEXT_MAX_BYTES);
    expect(t.mentioned_list).toEqual(['zhangsan']);
    expect(t.mentioned_mobile_list).toEqual(['13800000001']);
    expect(t.content).toContain('more alerts not shown');
  });

  it('a single alert fits whole in every platform', () => {
    expect(wecomBody(many(1), { format: 'markdown' }, NOW).omitted).toBe(0);
    expect(wecomBody(many(1), { format: 'text' }, NOW).omitted).toBe(0);
    expect(dingtalkBody(many(1), {}, NOW).omitted).toBe(0);
    expect(feishuBody(many(1), { format: 'card' }, NOW).omitted).toBe(0);
  });

  it('Feishu card and post bodies stay under 20 KB', () => {
    for (const format of ['card', 'post'] as const) {
      const r = feishuBody(many(300), { format }, NOW);
      expect(bytes(JSON.stringify(r.body)) + 100).toBeLessThanOrEqual(FEISHU_MAX_BODY_BYTES);
      expect(r.omitted).toBeGreaterThan(0);
      expect(JSON.stringify(r.body)).toContain(`… and ${r.omitted} more alerts`);
    }
    const card = feishuBody(many(1), { format: 'card' }, NOW).body as { card: { header: { template: string }; elements: Array<{ text: { content: string } }> } };
    expect(card.card.header.template).toBe('red');
    expect(card.card.elements[0]!.text.content).toContain('<at id=zhangsan></at>');
  });

  it('a huge description is cut, the other alerts still shown', () => {
    const big = alert(0, { description: { en: 'x'.repeat(50_000), zh: '长'.repeat(20_000) } });
    const { omitted, body } = wecomBody([notification([big, alert(1)])], { format: 'markdown' }, NOW);
    expect(omitted).toBe(0);
    const content = (body.markdown as { content: string }).content;
    expect(content).toContain('Print queue HP1 is disabled');
    expect(content).toContain('xxx…');
  });

  it('e-mail: bilingual subject, plain-text and HTML parts, HTML escaped', () => {
    const c = emailContent([notification([alert(1, { summary: { en: 'Queue <HP1> & co', zh: '队列 <HP1>' } })])], { timeZone: 'Asia/Shanghai' }, NOW);
    expect(c.subject).toBe('[stationwatch] 🔴 FIRING 告警 · beijing / pc-001 · Queue <HP1> & co / 队列 <HP1>');
    expect(c.text).toContain('Since 开始于: 2026-12-05T18:20:00+08:00');
    expect(c.html).toContain('Queue &lt;HP1&gt; &amp; co');
    expect(c.html).toContain('<a href="https://monitor.example/devices/pc-001">Device page 设备页面</a>');
  });
});

describe('redact', () => {
  it('removes secrets in every form they travel in, and credential-shaped URL parts', () => {
    const url = 'https://oapi.dingtalk.com/robot/send?access_token=abcdef0123456789abcdef';
    const secret = 'SECa1b2c3d4e5f6+/=';
    const text = `POST ${url}&timestamp=1&sign=xyz failed; secret ${secret} or ${encodeURIComponent(secret)} or ${Buffer.from(secret).toString('base64')}; token abcdef0123456789abcdef`;
    const out = redact(text, [url, secret]);
    for (const s of ['abcdef0123456789abcdef', secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64'), 'sign=xyz']) expect(out).not.toContain(s);
    expect(out.startsWith('POST ***&timestamp=1&sign=*** failed')).toBe(true);
    expect(redact('GET /robot/send?access_token=zzzz9999&x=1', [])).toBe('GET /robot/send?access_token=***&x=1');
    expect(redact('see https://open.feishu.cn/open-apis/bot/v2/hook/0f1e2d3c-4b5a-6978 now', [])).toBe('see https://open.feishu.cn/open-apis/bot/v2/hook/*** now');
    expect(redact('smtp://ops:hunter22@mail.example', [])).toBe('smtp://***@mail.example');
    expect(redact('wecom ?key=693a91f6-7b2c&debug=1', [])).toBe('wecom ?key=***&debug=1');
  });
});

describe('channel configuration', () => {
  const ok = { name: 'ops', type: 'dingtalk', url: 'https://oapi.dingtalk.com/robot/send?access_token=abc', secretEnv: 'DT_SECRET' };

  it('accepts a complete entry and fills its defaults', () => {
    expect(channelConfigProblems(ok, '/c')).toEqual([]);
    expect(channelWithDefaults({ name: 'mail', type: 'email', host: 'mail.example', from: 'a@b.c', to: ['x@y.z'] })).toMatchObject({ security: 'starttls', perMinute: 30 });
    expect(channelWithDefaults({ name: 'f', type: 'feishu', url: 'https://open.feishu.cn/open-apis/bot/v2/hook/x' })).toMatchObject({ format: 'card' });
  });

  it('names what is wrong with its path', () => {
    expect(channelConfigProblems({ name: 'ops', type: 'slack' }, '/c')).toEqual(['/c/type: "slack" is not a channel type: one of dingtalk, feishu, wecom, email, webhook']);
    expect(channelConfigProblems({ name: 'ops', type: 'dingtalk' }, '/c')).toEqual(['/c/url: required (or urlEnv naming an environment variable, or urlFile naming a file)']);
    expect(channelConfigProblems({ ...ok, secret: 'SECx' }, '/c')).toEqual(['/c/secretEnv: give only one of secret, secretEnv']);
    expect(channelConfigProblems({ ...ok, url: 'https://oapi.dingtalk.com/robot/send' }, '/c')).toEqual(['/c/url: does not look like a dingtalk robot\'s webhook (https://oapi.dingtalk.com/robot/send?access_token=…)']);
    expect(channelConfigProblems({ ...ok, keywrod: 'x' }, '/c').join('\n')).toContain('/c/keywrod');
    expect(channelConfigProblems({ name: 'w', type: 'wecom', url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k', format: 'html' }, '/c').join('\n')).toContain('/c/format');
    const mail = { name: 'mail', type: 'email', host: 'mail.example', from: 'a@b.c', to: ['x@y.z'] };
    expect(channelConfigProblems({ ...mail, passwordEnv: 'P' }, '/c')).toEqual(['/c/user: a password needs the user it belongs to']);
    expect(channelConfigProblems({ ...mail, user: 'u' }, '/c')).toEqual(['/c/password: user "u" needs a password (or passwordEnv / passwordFile)']);
    expect(channelConfigProblems({ ...mail, user: 'u', password: 'pass', security: 'none' }, '/c')).toEqual(['/c/security: "none" would send the SMTP password unencrypted to mail.example; use starttls or tls']);
    expect(channelConfigProblems({ ...mail, host: '127.0.0.1', user: 'u', password: 'pass', security: 'none' }, '/c')).toEqual([]);
    expect(channelConfigProblems({ ...ok, timeZone: 'Asia/Beijing' }, '/c')).toEqual(['/c/timeZone: "Asia/Beijing" is not a time zone (an IANA name such as Asia/Shanghai)']);
    expect(channelListProblems([ok, ok], '/n')).toEqual(['/n/1/name: "ops" is already used by /n/0']);
  });
});
