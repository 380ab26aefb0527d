// Notification routes. POST /api/v1/notify/alertmanager: Alertmanager's webhook (bearer token,
// payload version 4 checked against its schema) — the alerts of sites in mode alertmanager are queued
// for their routed channels as one notification per site, as given (Alertmanager grouped, repeated
// and silenced them); a bad token or payload is refused and changes nothing; a store that cannot
// queue answers 503, which Alertmanager retries. POST /notify/channels/<name>/test: an administrator's
// test message through one channel (the status page's button; CSRF-checked like every form).
import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Value } from '@sinclair/typebox/value';
import { ApiError } from '../errors.js';
import { AlertmanagerWebhookSchema, fromAlertmanager, notificationOf, type AlertmanagerWebhook } from '../notify/alertmanager-webhook.js';
import { mentionsFor } from '../notify/routing.js';
import type { Notifier } from '../notify/service.js';
import type { NotifiedAlert } from '../notify/types.js';
import { html } from '../status/html.js';
import { authorize } from '../status/request-auth.js';
import { refuse, sendPage } from '../status/respond.js';
import type { StatusService } from '../status/service.js';
import { csrfGuard } from '../web-plugins.js';

export const receiverPath = '/api/v1/notify/alertmanager';

const digest = (s: string) => createHash('sha256').update(s).digest();

function tokenMatches(req: FastifyRequest, token: string): boolean {
  const given = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
  // Compared as hashes: equal lengths, constant time.
  return given !== undefined && timingSafeEqual(digest(given), digest(token));
}

export async function notifyRoutes(app: FastifyInstance, { svc, notifier }: { svc: StatusService; notifier: Notifier }): Promise<void> {
  const config = svc.ctx.config.notifications;
  const token = config.receiverToken;

  // Up to collectorReceiverMaxAlerts alerts with their annotations: more than a report's limit.
  app.post(receiverPath, { bodyLimit: 16 * 1024 * 1024 }, async (req, reply) => {
    if (!token) throw new ApiError('not_found', undefined, 'the Alertmanager receiver is off: no site is in notifications mode alertmanager');
    if (!tokenMatches(req, token)) throw new ApiError('notify_unauthorized');
    const body = req.body;
    if (!Value.Check(AlertmanagerWebhookSchema, body)) {
      const problems = [...Value.Errors(AlertmanagerWebhookSchema, body)].slice(0, 20).map((e) => `${e.path || '/'}: ${e.message}`);
      throw new ApiError('invalid_request', problems, 'the body is not an Alertmanager webhook payload (version 4)');
    }
    const p = body as AlertmanagerWebhook;
    const now = svc.ctx.nowMs();
    const bySite = new Map<string, NotifiedAlert[]>();
    for (const a of p.alerts) {
      const alert = fromAlertmanager(a, config.publicUrl, (d) => `/devices/${encodeURIComponent(d)}`);
      let list = bySite.get(alert.site);
      if (!list) bySite.set(alert.site, (list = []));
      list.push(alert);
    }
    const forwarded: string[] = [];
    const ignored: string[] = [];
    let ignoredAlerts = 0;
    const notifications = [];
    for (const [site, alerts] of bySite) {
      if (notifier.modeOf(site) !== 'alertmanager') {
        ignored.push(site);
        ignoredAlerts += alerts.length;
        continue;
      }
      forwarded.push(site);
      notifications.push(notificationOf(p, alerts, mentionsFor(config.onCall, site), now));
    }
    if (ignored.length > 0) notifier.ignored(ignored, ignoredAlerts);
    let queued = 0;
    try {
      queued = await notifier.enqueue(notifications);
    } catch (err) {
      req.log.error({ err }, 'could not queue notifications from Alertmanager');
      throw new ApiError('notify_unavailable');
    }
    return reply.code(200).send({ forwarded, ignored, queued });
  });

  const checkCsrf = csrfGuard(app);
  app.post<{ Params: { channel: string } }>('/notify/channels/:channel/test', { preHandler: checkCsrf }, async (req, reply) => {
    const gate = await authorize(svc, req, 'admin', reply);
    if (!gate.ok) return refuse(req, reply, gate.caller, gate.status, '/');
    const zh = gate.caller.lang === 'zh';
    const outcome = await notifier.test(req.params.channel);
    if (!outcome) throw new ApiError('not_found', undefined, `no notification channel named "${req.params.channel}"`);
    req.log.info({ channel: req.params.channel, user: gate.caller.user!.name, ok: outcome.ok }, 'test notification sent by an administrator');
    const title = zh ? '测试消息' : 'Test message';
    const text = outcome.ok
      ? html`<p class="notice" role="status" id="test-result">${zh ? `已通过通道「${req.params.channel}」发送测试消息` : `Test message sent through "${req.params.channel}"`}${outcome.detail ? `: ${outcome.detail}` : ''}</p>`
      : html`<p class="error" role="alert" id="test-result">${zh ? `通道「${req.params.channel}」发送失败` : `"${req.params.channel}" failed`}: ${outcome.detail}</p>`;
    return sendPage(req, reply, gate.caller, title, html`${text}<p><a href="/">←</a></p>`, { status: outcome.ok ? 200 : 502 });
  });
}
