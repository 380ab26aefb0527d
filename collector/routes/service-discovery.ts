// GET /sd — Prometheus HTTP service discovery (http_sd_configs): every device as its own target.
// The target address is the collector's advertised address (how Prometheus reaches it, which behind
// a proxy or in a container is not the listen address), or its scrape listener's (scrapeListen); the
// metrics path selects the device.
import type { FastifyInstance } from 'fastify';
import type { CollectorContext } from '../context.js';
import { reachableAddress } from '../reachable-address.js';
import { scrapeGuard } from '../scrape-auth.js';

export function advertisedAddress(ctx: CollectorContext, boundPort: () => number): string {
  return ctx.config.advertiseAddress ?? reachableAddress(ctx.config.listen.host, boundPort());
}

export async function serviceDiscoveryRoutes(app: FastifyInstance, { ctx, boundPort, scrapeAddress }: { ctx: CollectorContext; boundPort: () => number; scrapeAddress: () => string | undefined }): Promise<void> {
  app.addHook('onRequest', scrapeGuard(ctx.config.scrapeAuth));
  app.get('/sd', async () => {
    // The scrape thread's listener when there is one (scrapeListen, collector/scrape/): it answers
    // targets without waiting on the event loop. The main listener still answers the same paths.
    const address = scrapeAddress() ?? advertisedAddress(ctx, boundPort);
    return ctx.store.list().map((d) => ({
      targets: [address],
      labels: {
        __metrics_path__: `/devices/${encodeURIComponent(d.name)}/metrics`,
        // Every target shares the collector's address; instance names the device instead.
        instance: d.name,
        device: d.name,
        site: d.site,
        // Served over TLS: Prometheus must scrape with https.
        ...(ctx.config.listen.tls ? { __scheme__: 'https' } : {}),
      },
    }));
  });
}
