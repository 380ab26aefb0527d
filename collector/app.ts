// Builds the collector's HTTP server without listening: tests use inject(), main() listens.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Logger } from '../common/logger.js';
import type { CollectorConfig } from './config.js';
import { createContext, type CollectorContext } from './context.js';
import { ApiError, fromFastifyError } from './errors.js';
import { deviceRoutes } from './routes/devices.js';
import { ingestRoutes } from './routes/ingest.js';
import { enrolRoutes } from './routes/enrol.js';
import { historyRoutes, historySource } from './routes/history.js';
import { fleetDevices } from './fleet/fleet-devices.js';
import { readFile } from 'node:fs/promises';
import { metricsRoutes } from './routes/metrics.js';
import { securityHeaders } from './security-headers.js';
import { runbookRoutes } from './routes/runbooks.js';
import { serviceDiscoveryRoutes } from './routes/service-discovery.js';
import { SnmpPoller } from './snmp/poller.js';
import { ScrapeListener } from './scrape/scrape-listener.js';
import { loadCalendar } from './business-hours.js';
import { registerStatus } from './status/register.js';
import { registerNotifications } from './notify/register.js';
import { isLoopback } from './status/config.js';
import { authorize } from './status/request-auth.js';
import { seesSite } from './status/site-scope.js';
import { fromCsrfError, registerWebPlugins } from './web-plugins.js';
import type { StatusService } from './status/service.js';

export interface CollectorApp {
  app: FastifyInstance;
  ctx: CollectorContext;
  /** The per-device targets' own listener once the app is ready, when `scrapeListen` is configured. */
  scrape: { listener?: ScrapeListener };
  /** Status page, event history, inspections, maintenance (collector/status/). */
  status: StatusService;
}

export async function buildCollector(config: CollectorConfig, opts: { log: Logger; nowMs?: () => number; pollSnmp?: boolean; notify?: { configFile?: string; pollMs?: number } }): Promise<CollectorApp> {
  const calendar = config.businessHours?.calendarFile ? await loadCalendar(config.businessHours.calendarFile) : undefined;
  const ctx = await createContext(config, opts.nowMs, calendar, opts.log);
  // The server-wide limit is the ingest limit; fastify checks it while reading, before parsing.
  const timeoutMs = config.limits.requestTimeoutSeconds * 1000;
  const tls = config.listen.tls ? { https: { cert: await readFile(config.listen.tls.cert), key: await readFile(config.listen.tls.key) } } : {};
  const app = Fastify({
    loggerInstance: opts.log as FastifyBaseLogger,
    bodyLimit: config.bodyLimitBytes,
    logController: new LogController({ disableRequestLogging: true }),
    // A client that trickles its request (or never finishes it) is cut off instead of holding a socket.
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    ...tls,
  });
  // Fastify runs onClose hooks last-added first: added before every other part, the store closes after
  // all of them have stopped (the notification loops settle their in-flight sends, the status
  // service its last pass). Closed first, a send in flight at a restart stayed leased for its whole
  // lease, and its notification came ~40 s late.
  app.addHook('onClose', async () => {
    // Written before the store closes: open buckets included.
    await ctx.history?.stop().catch((err: unknown) => opts.log.error({ err }, 'could not write the history at stop'));
    ctx.backfill?.close();
    await ctx.db.close();
  });
  // A callback hook, not an async one: it runs on every answer, and a promise per answer showed in the ingest profile.
  // Every answer, the status page's included: no sniffing, no framing, no referrer leaks.
  const headers = securityHeaders(config.listen.tls !== undefined);
  app.addHook('onSend', (_req, reply, payload, done) => {
    reply.headers(headers);
    done(null, payload);
  });

  app.setErrorHandler((err, req, reply) => {
    const api = err instanceof ApiError ? err : (fromCsrfError(err as { code?: string }) ?? fromFastifyError(err as Error & { code?: string; statusCode?: number }));
    if (api) {
      if (req.routeOptions.url === '/api/v1/reports' && !(err instanceof ApiError)) ctx.reportsReceived.inc({ result: api.code });
      return reply.code(api.status).send(api.body());
    }
    req.log.error({ err }, 'request failed');
    return reply.code(500).send({ error: 'internal', message: 'internal error' });
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: 'not_found', message: 'no such route' }));

  const boundPort = () => {
    const addr = app.server.address();
    return typeof addr === 'object' && addr ? addr.port : config.listen.port;
  };
  await registerWebPlugins(app, { secureCookies: config.statusPage.secureCookies || config.listen.tls !== undefined, stateDir: config.stateDir });
  warnAboutAccess(config, opts.log);
  await app.register(ingestRoutes, { ctx });
  await app.register(enrolRoutes, { ctx });
  await app.register(metricsRoutes, { ctx });
  // Per-device targets on a listener and thread of their own when configured (collector/scrape/).
  const scrape: { listener?: ScrapeListener } = {};
  if (config.scrapeListen) {
    app.addHook('onReady', async () => {
      scrape.listener = await ScrapeListener.start(ctx, opts.log.child({ component: 'scrape' }));
      opts.log.info({ address: scrape.listener.address() }, 'per-device targets are served on their own listener (scrapeListen)');
    });
    app.addHook('onClose', async () => scrape.listener?.stop());
  }
  await app.register(serviceDiscoveryRoutes, { ctx, boundPort, scrapeAddress: () => scrape.listener?.address() });
  await app.register(runbookRoutes);
  const status = await registerStatus(app, ctx, opts.log);
  await registerNotifications(app, status, opts.log, opts.notify);
  // Viewing rights, and of which sites (a site-limited user: collector/status/site-scope.ts).
  const viewScope = async (req: FastifyRequest) => {
    const gate = await authorize(status, req, 'view');
    return gate.ok ? (site: string) => seesSite(gate.caller.user, site) : undefined;
  };
  await app.register(deviceRoutes, { ctx, viewScope });
  await app.register(historyRoutes, { source: historySource(ctx, status), devices: fleetDevices(ctx), viewScope });
  app.addHook('onReady', async () => ctx.history?.start());

  // The poller runs while the server does: started when it is ready, stopped when it closes.
  if (opts.pollSnmp !== false && config.snmp.targets.length > 0) {
    const poller = new SnmpPoller(config.snmp.targets, ctx.store, opts.log.child({ component: 'snmp' }), ctx.nowMs);
    app.addHook('onReady', async () => poller.start());
    app.addHook('onClose', async () => poller.stop());
  }
  return { app, ctx, status, scrape };
}

/** Says at start-up who can see what, when that is more than this machine's users. */
function warnAboutAccess(config: CollectorConfig, log: Logger): void {
  if (isLoopback(config.listen.host)) return;
  const sp = config.statusPage;
  if (sp.public) log.warn({ host: config.listen.host }, 'statusPage.public is true: anyone who reaches the collector sees device state, inventory and CSV exports without logging in');
  else if (config.users.length === 0) log.warn({ host: config.listen.host }, 'viewing needs a login (the collector listens beyond loopback) but the configuration file has no users: add users to the store (stationwatch collector users add) or the file (stationwatch user hash-password), or set statusPage.public: true');
}
