// GET /api/devices — each device's state as JSON, for people and scripts; /healthz for supervisors.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CollectorContext } from '../context.js';
import { deviceSamples, type DeviceRecord } from '../device-store.js';
import { ApiError } from '../errors.js';
import { noSuchDevice } from '../status/site-scope.js';

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
  // Read back from the report's text (the record keeps no samples: collector/device-store.ts).
  return { ...summary, samples: [...deviceSamples(d).values()].flat() };
}

/** Which sites the caller may see; undefined when the caller may not view at all. */
export type ViewScope = (req: FastifyRequest) => Promise<((site: string) => boolean) | undefined>;

/**
 * `viewScope`: whether the caller may see device state and inventory (statusPage.requireLogin: a
 * session cookie or bearer session token), and of which sites. /healthz stays open for supervisors.
 */
export async function deviceRoutes(app: FastifyInstance, { ctx, viewScope }: { ctx: CollectorContext; viewScope: ViewScope }): Promise<void> {
  app.get('/api/devices', async (req) => {
    const sees = await viewScope(req);
    if (!sees) throw new ApiError('login_required');
    return { devices: ctx.store.list().filter((d) => sees(d.site)).map((d) => view(ctx, d, true)) };
  });
  // A device of a site the caller may not see never reaches here (collector/status/site-scope.ts).
  app.get<{ Params: { device: string } }>('/api/devices/:device', async (req) => {
    if (!(await viewScope(req))) throw new ApiError('login_required');
    const d = ctx.store.get(req.params.device);
    if (!d) throw noSuchDevice(req.params.device);
    return view(ctx, d, true);
  });
  app.get('/healthz', async () => ({ status: 'ok', devices: ctx.store.list().length }));
}
