// Prometheus exposition: /metrics (everything, for small sites), /collector/metrics (the collector's
// own health and fleet state, beside per-device targets), /devices/<name>/metrics (one device: an
// HTTP-SD target that answers 503 once the device is stale, so Prometheus' `up` says so). Device
// series come from the per-device text rendered once per report (device-exposition.ts), streamed,
// never re-serialised per scrape; the collector's own series from its prom-client registry.
import type { FastifyInstance } from 'fastify';
import type { CollectorContext } from '../context.js';
import { ApiError } from '../errors.js';
import { scrapeGuard } from '../scrape-auth.js';
import { writePooledBody } from '../pooled-body.js';
import { registryText } from '../registry-text.js';
import { securityHeaders } from '../security-headers.js';

export async function metricsRoutes(app: FastifyInstance, { ctx }: { ctx: CollectorContext }): Promise<void> {
  app.addHook('onRequest', scrapeGuard(ctx.config.scrapeAuth));
  // The registry's families, one at a time in slices (registry-text.ts), then the per-device ones
  // written as text (fleet-exposition.ts).
  const collectorText = async () => (await registryText(ctx.collectorRegistry)) + (await ctx.fleetSeries.text());

  // At 10,000 devices the text is ~200 MiB: written through a few reused buffers, in slices of a few
  // milliseconds (pooled-body.ts), the answer written here rather than through fastify's send.
  const headers = { 'content-type': ctx.collectorRegistry.contentType, ...securityHeaders(ctx.config.listen.tls !== undefined) };
  app.get('/metrics', async (req, reply) => {
    const now = ctx.nowMs();
    const reporting = ctx.store.list().filter((d) => ctx.store.isReporting(d, now));
    const text = await collectorText();
    const body = ctx.exposition.reader(reporting);
    reply.hijack();
    reply.raw.writeHead(200, headers);
    await writePooledBody(reply.raw, text, (into) => body.read(into)).catch((err: unknown) => {
      req.log.error({ err }, 'could not write /metrics');
      reply.raw.destroy();
    });
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
