// Prometheus exposition: /metrics (everything, for small sites), /collector/metrics (the collector's
// own health and fleet state, beside per-device targets), /devices/<name>/metrics (one device: an
// HTTP-SD target that answers 503 once the device is stale, so Prometheus' `up` says so). Device
// series come from the per-device text rendered once per report (device-exposition.ts), streamed,
// never re-serialised per scrape; the collector's own series from its prom-client registry.
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { CollectorContext } from '../context.js';
import { ApiError } from '../errors.js';
import { scrapeGuard } from '../scrape-auth.js';

export async function metricsRoutes(app: FastifyInstance, { ctx }: { ctx: CollectorContext }): Promise<void> {
  app.addHook('onRequest', scrapeGuard(ctx.config.scrapeAuth));
  // The registry's families, then the per-device ones written as text (fleet-exposition.ts).
  const collectorText = async () => (await ctx.collectorRegistry.metrics()) + (await ctx.fleetSeries.text());

  // At 10,000 devices the text is over 100 MiB: streamed in chunks rather than made one string.
  app.get('/metrics', async (_req, reply) => {
    const now = ctx.nowMs();
    const reporting = ctx.store.list().filter((d) => ctx.store.isReporting(d, now));
    const text = await collectorText();
    const body = function* () {
      yield text;
      yield* ctx.exposition.chunks(reporting);
    };
    return reply.type(ctx.collectorRegistry.contentType).send(Readable.from(body()));
  });
  app.get('/collector/metrics', async (_req, reply) => reply.type(ctx.collectorRegistry.contentType).send(await collectorText()));
  app.get<{ Params: { device: string } }>('/devices/:device/metrics', (req, reply) => {
    const d = ctx.store.get(req.params.device);
    if (!d) throw new ApiError('not_found');
    if (!ctx.store.isReporting(d, ctx.nowMs())) {
      throw new ApiError('not_reporting', undefined, d.receivedAtMs === undefined ? `device "${d.name}" has never reported` : `device "${d.name}" last reported at ${new Date(d.receivedAtMs).toISOString()}`);
    }
    return reply.type(ctx.collectorRegistry.contentType).send(ctx.exposition.deviceText(d));
  });
}
