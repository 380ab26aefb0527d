// Administrators forgetting a decommissioned device (collector/forget-device.ts):
// DELETE /api/v1/devices/<name> (bearer session token: `stationwatch collector devices forget`, or
// the session cookie with a CSRF token) and POST /devices/<name>/forget (the device page's form,
// which asks for the name to be typed again, so a slip of the mouse forgets nothing).
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.js';
import { forgetDevice } from '../forget-device.js';
import { html } from '../status/html.js';
import { authorize } from '../status/request-auth.js';
import { refuse, sendPage } from '../status/respond.js';
import type { StatusService } from '../status/service.js';
import { csrfGuard } from '../web-plugins.js';

export async function deviceAdminRoutes(app: FastifyInstance, { svc }: { svc: StatusService }): Promise<void> {
  const checkCsrf = csrfGuard(app);

  app.delete<{ Params: { device: string } }>('/api/v1/devices/:device', { preHandler: checkCsrf }, async (req, reply) => {
    const gate = await authorize(svc, req, 'admin');
    if (!gate.ok) throw new ApiError(gate.status === 401 ? 'login_required' : 'admin_required');
    const outcome = await forgetDevice(svc, req.params.device);
    if ('refused' in outcome) {
      if (outcome.refused === 'not_found') throw new ApiError('not_found', undefined, `no device named "${req.params.device}"`);
      throw new ApiError('invalid_request', [`/device: "${req.params.device}" is configured in the collector's configuration file (a device token or an SNMP target): remove it there and restart the collector`]);
    }
    req.log.info({ device: outcome.forgotten, user: gate.caller.user!.name }, 'device forgotten by an administrator');
    return reply.code(200).send(outcome);
  });

  app.post<{ Params: { device: string } }>('/devices/:device/forget', { preHandler: checkCsrf }, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const back = `/devices/${encodeURIComponent(req.params.device)}`;
    const gate = await authorize(svc, req, 'admin', reply);
    if (!gate.ok) return refuse(req, reply, gate.caller, gate.status, back);
    const { t } = gate.caller;
    if (body.confirm !== req.params.device) throw new ApiError('invalid_request', ['/confirm: type the device name to confirm']);
    const outcome = await forgetDevice(svc, req.params.device);
    if ('refused' in outcome) {
      if (outcome.refused === 'not_found') throw new ApiError('not_found');
      return sendPage(req, reply, gate.caller, t('forgetDevice'), html`<p class="error" role="alert">${t('forgetConfigured')}</p><p><a href="${back}">←</a></p>`, { status: 409 });
    }
    req.log.info({ device: outcome.forgotten, user: gate.caller.user!.name }, 'device forgotten by an administrator');
    return sendPage(req, reply, gate.caller, t('forgetDevice'), html`<p class="notice" role="status">${t('forgotten', { device: outcome.forgotten })}</p><p><a href="/">←</a></p>`);
  });
}
