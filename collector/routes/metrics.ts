// Prometheus exposition: /metrics (everything, for small sites), /collector/metrics (the collector's
// own health and fleet state, beside per-device targets), /devices/<name>/metrics (one device: an
// HTTP-SD target that answers 503 once the device is stale, so Prometheus' `up` says so).
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { CollectorContext } from '../context.js';
import { ApiError } from '../errors.js';

export async function metricsRoutes(app: FastifyInstance, { ctx }: { ctx: CollectorContext }): Promise<void> {
  const expose = async (registry: Registry, reply: import('fastify').FastifyReply) => reply.type(registry.contentType).send(await registry.metrics());

  app.get('/metrics', (_req, reply) => expose(ctx.allRegistry, reply));
  app.get('/collector/metrics', (_req, reply) => expose(ctx.collectorRegistry, reply));
  app.get<{ Params: { device: string } }>('/devices/:device/metrics', (req, reply) => {
    const d = ctx.store.get(req.params.device);
    if (!d) throw new ApiError('not_found');
    if (!ctx.store.isReporting(d, ctx.nowMs())) {
      throw new ApiError('not_reporting', undefined, d.receivedAtMs === undefined ? `device "${d.name}" has never reported` : `device "${d.name}" last reported at ${new Date(d.receivedAtMs).toISOString()}`);
    }
    return expose(ctx.deviceRegistry(d.name), reply);
  });
}
