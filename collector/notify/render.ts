// What the status page shows of notifications: on the fleet page, a banner naming each channel whose
// last attempt failed (with the channel's own answer, never a secret: channels redact them) and, for
// administrators, the channels with a test button; on the device page, the notifications of the
// device sent, failed or still waiting. Texts in English and 简体中文 like the rest of the page.
import { hasRole } from '../store/users.js';
import { html, type Html } from '../status/html.js';
import { time } from '../status/render-common.js';
import type { Caller } from '../status/request-auth.js';
import type { Notifier } from './service.js';
import type { NotificationStore } from '../store/store.js';

const texts = {
  en: {
    failing: 'Notification channel failing',
    since: 'last failure',
    channels: 'Notification channels',
    test: 'Send test message',
    ok: 'working',
    unknown: 'no message yet',
    section: 'Notifications',
    none: 'No notifications for this device yet.',
    sent: 'sent',
    failed: 'failed',
    waiting: 'waiting',
    resolved: 'resolved',
    firing: 'firing',
    repeat: 'reminder',
    attempt: 'attempts',
    time: 'Time',
    channel: 'Channel',
    result: 'Result',
    what: 'Alerts',
    detail: 'Answer',
  },
  zh: {
    failing: '通知通道发送失败',
    since: '最近一次失败',
    channels: '通知通道',
    test: '发送测试消息',
    ok: '正常',
    unknown: '尚未发送',
    section: '通知',
    none: '此设备尚无通知。',
    sent: '已发送',
    failed: '失败',
    waiting: '等待发送',
    resolved: '已恢复',
    firing: '告警',
    repeat: '重复提醒',
    attempt: '次尝试',
    time: '时间',
    channel: '通道',
    result: '结果',
    what: '告警',
    detail: '平台答复',
  },
} as const;

/** The fleet page's banner (failing channels) and, for administrators, the channel list with test buttons. */
export function notificationsBanner(notifier: Notifier | undefined, c: Caller): Html {
  if (!notifier) return html``;
  const x = texts[c.lang];
  const health = notifier.health();
  const failing = health.filter((h) => h.failing && h.lastFailure);
  const banner = failing.map(
    (h) => html`<p class="error notify-failing" role="alert" data-channel="${h.channel}">${x.failing}: ${h.channel} (${h.type}) — ${h.lastFailure!.detail} <span class="muted">${x.since} ${time(h.lastFailure!.atMs, c.lang, c.t)}</span></p>`,
  );
  if (!hasRole(c.user, 'admin')) return html`${banner}`;
  const csrf = html`<input type="hidden" name="_csrf" value="${c.csrf ?? ''}">`;
  const rows = health.map(
    (h) =>
      html`<li data-channel="${h.channel}">${h.channel} (${h.type}): ${h.failing ? html`<span class="error">${h.lastFailure?.detail ?? ''}</span>` : h.lastSuccessMs ? x.ok : x.unknown}
<form method="post" action="/notify/channels/${encodeURIComponent(h.channel)}/test" class="inline">${csrf}<button type="submit">${x.test}</button></form></li>`,
  );
  return html`${banner}<details id="notify-channels"><summary>${x.channels} (${health.length})</summary><ul>${rows}</ul></details>`;
}

/** The device page's "Notifications" section: waiting, then sent or failed, newest first. */
export async function notificationsSection(store: NotificationStore | undefined, device: string, c: Caller): Promise<Html> {
  if (!store) return html``;
  const x = texts[c.lang];
  const [records, queued] = await Promise.all([store.forDevice(device, 20), store.queuedForDevice(device, 20)]);
  const kind = (status: string, repeat: boolean) => (repeat ? x.repeat : status === 'resolved' ? x.resolved : x.firing);
  const rows = [
    ...queued.map(
      (q) =>
        html`<tr data-result="waiting"><td>${time(q.notification.createdMs, c.lang, c.t)}</td><td>${q.channel}</td><td>${x.waiting} (${q.attempts} ${x.attempt})</td><td>${kind(q.notification.status, q.notification.repeat)}: ${q.notification.alerts.map((a) => a.alert).join(', ')}</td><td>${q.lastError ?? ''}</td></tr>`,
    ),
    ...records.map(
      (r) =>
        html`<tr data-result="${r.result}"><td>${time(r.atMs, c.lang, c.t)}</td><td>${r.channel}</td><td>${r.result === 'sent' ? x.sent : html`<span class="error">${x.failed}</span>`} (${r.attempts} ${x.attempt})</td><td>${kind(r.status, r.repeat)}: ${r.alerts.join(', ')}</td><td>${r.detail}</td></tr>`,
    ),
  ];
  return html`<section aria-labelledby="h-notify" id="notifications"><h2 id="h-notify">${x.section}</h2>
${rows.length === 0 ? html`<p>${x.none}</p>` : html`<div class="scroll"><table><thead><tr><th scope="col">${x.time}</th><th scope="col">${x.channel}</th><th scope="col">${x.result}</th><th scope="col">${x.what}</th><th scope="col">${x.detail}</th></tr></thead><tbody>${rows}</tbody></table></div>`}</section>`;
}
