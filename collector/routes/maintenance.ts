// Maintenance periods: POST /devices/<name>/maintenance (form) or /api/v1/maintenance (JSON) marks a
// device as being worked on for some hours; POST .../maintenance/<id>/end ends it early. A
// technician is needed. With alertmanagerUrl configured the period becomes a silence on the device's
// alerts; if Alertmanager cannot be reached the period is still recorded and the page says so.
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.js';
import { authorize } from '../status/request-auth.js';
import { csrfGuard } from '../web-plugins.js';
import { refuse } from '../status/respond.js';
import type { StatusService } from '../status/service.js';
import { createSilence, expireSilence } from '../status/silences.js';
import type { User } from '../store/users.js';
import { noSuchDevice } from '../status/site-scope.js';

export function parseMaintenance(body: Record<string, unknown>): { hours: number; reason: string } | { problems: string[] } {
  const problems: string[] = [];
  const hours = Number(body.hours);
  if (!Number.isFinite(hours) || hours <= 0 || hours > 720) problems.push('/hours: a number of hours above 0 and at most 720');
  const reason = typeof body.reason === 'string' ? body.reason.replace(/[\u0000-\u001f\u007f]/g, ' ').trim() : '';
  if (!reason) problems.push('/reason: say what is being done');
  else if (reason.length > 500) problems.push('/reason: at most 500 characters');
  return problems.length > 0 ? { problems } : { hours, reason };
}

export async function maintenanceRoutes(app: FastifyInstance, { svc }: { svc: StatusService }): Promise<void> {
  const checkCsrf = csrfGuard(app);
  const am = svc.ctx.config.alertmanagerUrl;

  const start = async (device: string, user: User, f: { hours: number; reason: string }) => {
    // On a shared store a device another collector holds too: its holder reads open periods from the store on every pass.
    const d = svc.ctx.store.get(device) ?? svc.ctx.fleet?.get(device);
    if (!d) throw noSuchDevice(device);
    const now = svc.ctx.nowMs();
    const period = { device: d.name, startsMs: now, endsMs: now + Math.round(f.hours * 3_600_000), user: user.name, reason: f.reason, createdMs: now };
    let silenceId: string | null = null;
    let silenceError: string | null = null;
    if (am) {
      try {
        silenceId = await createSilence(am, { device: d.name, startsMs: period.startsMs, endsMs: period.endsMs, createdBy: user.name, comment: `stationwatch maintenance: ${f.reason}` });
      } catch (err) {
        silenceError = (err as Error).message;
        logSilenceFailure(svc, err, d.name);
      }
    }
    const created = await svc.maintenance.create({ ...period, silenceId, silenceError });
    await svc.monitor.update([d.name]);
    return created;
  };

  const end = async (device: string, id: number) => {
    if (!svc.ctx.store.get(device)) throw noSuchDevice(device);
    const m = await svc.maintenance.get(id);
    if (!m || m.device !== device) throw new ApiError('not_found', undefined, `no maintenance period ${id} for "${device}"`);
    await svc.maintenance.end(id, svc.ctx.nowMs());
    await svc.monitor.update([device]);
    if (am && m.silenceId) await expireSilence(am, m.silenceId).catch((err: unknown) => logSilenceFailure(svc, err, device));
  };

  app.post<{ Params: { device: string } }>('/devices/:device/maintenance', { preHandler: checkCsrf }, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const back = `/devices/${encodeURIComponent(req.params.device)}`;
    const gate = await authorize(svc, req, 'technician', reply);
    if (!gate.ok) return refuse(req, reply, gate.caller, gate.status, back);
    const f = parseMaintenance(body);
    if ('problems' in f) throw new ApiError('invalid_request', f.problems);
    await start(req.params.device, gate.caller.user!, f);
    return reply.redirect(`${back}?saved=1#h-maint`, 303);
  });

  app.post<{ Params: { device: string; id: string } }>('/devices/:device/maintenance/:id/end', { preHandler: checkCsrf }, async (req, reply) => {
    const back = `/devices/${encodeURIComponent(req.params.device)}`;
    const gate = await authorize(svc, req, 'technician', reply);
    if (!gate.ok) return refuse(req, reply, gate.caller, gate.status, back);
    await end(req.params.device, Number(req.params.id));
    return reply.redirect(`${back}?saved=1#h-maint`, 303);
  });

  app.post<{ Body: Record<string, unknown> }>('/api/v1/maintenance', { preHandler: checkCsrf }, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const gate = await authorize(svc, req, 'technician');
    if (!gate.ok) throw new ApiError(gate.status === 401 ? 'login_required' : 'forbidden');
    if (typeof body.device !== 'string') throw new ApiError('invalid_request', ['/device: the device name is required']);
    const f = parseMaintenance(body);
    if ('problems' in f) throw new ApiError('invalid_request', f.problems);
    const m = await start(body.device, gate.caller.user!, f);
    return reply.code(201).send({ ...m, startsAt: new Date(m.startsMs).toISOString(), endsAt: new Date(m.endsMs).toISOString() });
  });
}

function logSilenceFailure(svc: StatusService, err: unknown, device: string): void {
  svc.log.warn({ err, device }, 'Alertmanager silence failed');
}
