// GET /api/devices — each device's state as JSON, for people and scripts; /healthz for supervisors.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CollectorContext } from '../context.js';
import type { DeviceRecord } from '../device-store.js';
import { ApiError } from '../errors.js';

function view(ctx: CollectorContext, d: DeviceRecord, detail: boolean) {
  const r = d.report;
  const summary = {
    name: d.name,
    site: d.site,
    kind: d.kind,
    reporting: ctx.store.isReporting(d, ctx.nowMs()),
    lastReportAt: d.receivedAtMs === undefined ? null : new Date(d.receivedAtMs).toISOString(),
    clockOffsetSeconds: d.clockOffsetSeconds ?? null,
    /** Reports applied (fresh or late), never a resend: survives collector restarts. */
    reportsAccepted: d.reportsAccepted,
    agent: r ? { ...r.agent, startedAt: new Date(r.agent.startedAt).toISOString() } : null,
    intervalSeconds: r?.intervalSeconds ?? null,
    probes: r?.probes.map((p) => ({ ...p, finishedAt: new Date(p.finishedAt).toISOString() })) ?? [],
    unavailable: r?.unavailable ?? [],
  };
  if (!detail) return summary;
  return { ...summary, samples: [...d.samplesByMetric.values()].flat() };
}

/**
 * `canView`: whether the caller may see device state and inventory (statusPage.requireLogin: a
 * session cookie or bearer session token). /healthz stays open for supervisors.
 */
export async function deviceRoutes(app: FastifyInstance, { ctx, canView }: { ctx: CollectorContext; canView: (req: FastifyRequest) => Promise<boolean> }): Promise<void> {
  app.get('/api/devices', async (req) => {
    if (!(await canView(req))) throw new ApiError('login_required');
    return { devices: ctx.store.list().map((d) => view(ctx, d, true)) };
  });
  app.get<{ Params: { device: string } }>('/api/devices/:device', async (req) => {
    if (!(await canView(req))) throw new ApiError('login_required');
    const d = ctx.store.get(req.params.device);
    if (!d) throw new ApiError('not_found');
    return view(ctx, d, true);
  });
  app.get('/healthz', async () => ({ status: 'ok', devices: ctx.store.list().length }));
}
