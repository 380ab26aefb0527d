// Recording physical inspections: POST /devices/<name>/inspections (the page's form: session cookie
// + CSRF token) and POST /api/v1/inspections (JSON, bearer session token: `stationwatch inspect`).
// Both need a technician. GET /api/v1/devices/<name>/inspections lists them (viewing rights).
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.js';
import type { InspectionResult } from '../store/store.js';
import { authorize } from '../status/request-auth.js';
import { csrfGuard } from '../web-plugins.js';
import { refuse } from '../status/respond.js';
import type { StatusService } from '../status/service.js';
import type { User } from '../store/users.js';
import { noSuchDevice } from '../status/site-scope.js';

/** The inspection's fields, or the problems with them (a refused request changes nothing). */
export function parseInspection(body: Record<string, unknown>): { result: InspectionResult; note: string } | { problems: string[] } {
  const problems: string[] = [];
  const result = body.result;
  if (result !== 'ok' && result !== 'fault') problems.push('/result: must be "ok" or "fault"');
  const note = body.note ?? '';
  if (typeof note !== 'string') problems.push('/note: must be text');
  else if (note.length > 2000) problems.push('/note: at most 2000 characters');
  if (problems.length > 0) return { problems };
  // Control characters other than line breaks and tabs only garble exports and pages.
  return { result: result as InspectionResult, note: (note as string).replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '').trim() };
}

export async function inspectionRoutes(app: FastifyInstance, { svc }: { svc: StatusService }): Promise<void> {
  const checkCsrf = csrfGuard(app);

  const record = async (device: string, user: User, fields: { result: InspectionResult; note: string }) => {
    // On a shared store a device another collector holds is inspected here too: the inspection is in the
    // shared store at once; its holder's evaluation reads it at its next full read of the fleet (remote-fleet.ts).
    const d = svc.ctx.store.get(device) ?? svc.ctx.fleet?.get(device);
    if (!d) throw noSuchDevice(device);
    const saved = await svc.inspections.record({ device: d.name, site: d.site, atMs: svc.ctx.nowMs(), user: user.name, ...fields });
    // Re-evaluate this device now (not the fleet) so the page the technician is sent back to shows the effect.
    if (svc.ctx.store.get(device)) await svc.monitor.update([d.name]);
    return saved;
  };

  app.post<{ Params: { device: string } }>('/devices/:device/inspections', { preHandler: checkCsrf }, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const back = `/devices/${encodeURIComponent(req.params.device)}`;
    const gate = await authorize(svc, req, 'technician', reply);
    if (!gate.ok) return refuse(req, reply, gate.caller, gate.status, back);
    const fields = parseInspection(body);
    if ('problems' in fields) throw new ApiError('invalid_request', fields.problems);
    await record(req.params.device, gate.caller.user!, fields);
    return reply.redirect(`${back}?saved=1#h-insp`, 303);
  });

  app.post<{ Body: Record<string, unknown> }>('/api/v1/inspections', { preHandler: checkCsrf }, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const gate = await authorize(svc, req, 'technician');
    if (!gate.ok) throw new ApiError(gate.status === 401 ? 'login_required' : 'forbidden');
    if (typeof body.device !== 'string') throw new ApiError('invalid_request', ['/device: the device name is required']);
    const fields = parseInspection(body);
    if ('problems' in fields) throw new ApiError('invalid_request', fields.problems);
    const saved = await record(body.device, gate.caller.user!, fields);
    return reply.code(201).send({ ...saved, at: new Date(saved.atMs).toISOString() });
  });

  app.get<{ Params: { device: string } }>('/api/v1/devices/:device/inspections', async (req) => {
    const gate = await authorize(svc, req, 'view');
    if (!gate.ok) throw new ApiError('login_required');
    if (!svc.ctx.store.get(req.params.device) && !svc.ctx.fleet?.get(req.params.device)) throw noSuchDevice(req.params.device);
    return { inspections: (await svc.inspections.forDevice(req.params.device)).map((i) => ({ ...i, at: new Date(i.atMs).toISOString() })) };
  });
}
