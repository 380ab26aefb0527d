// Adds notifications to a collector app when the configuration asks for them: the notifier (fed by
// every status evaluation), the receiver and test-send routes; started when the server is ready,
// stopped when it closes.
import { dirname } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../../common/logger.js';
import { notifyRoutes } from '../routes/notify.js';
import type { StatusService } from '../status/service.js';
import { modesInUse } from './config.js';
import { Notifier } from './service.js';

export async function registerNotifications(app: FastifyInstance, svc: StatusService, log: Logger, opts: { configFile?: string; pollMs?: number } = {}): Promise<Notifier | undefined> {
  const config = svc.ctx.config.notifications;
  const modes = modesInUse(config);
  if (config.channels.length === 0 && !modes.has('collector') && !modes.has('alertmanager')) return undefined;
  const notifier = new Notifier({
    config,
    store: svc.db,
    maintenance: svc.maintenance,
    thresholds: svc.thresholds,
    siteOpen: svc.ctx.siteOpen,
    registry: svc.ctx.collectorRegistry,
    log: log.child({ component: 'notify' }),
    nowMs: svc.ctx.nowMs,
    ...(opts.configFile ? { baseDir: dirname(opts.configFile) } : {}),
    ...(opts.pollMs ? { pollMs: opts.pollMs } : {}),
    retentionDays: svc.ctx.config.store.eventRetentionDays,
  });
  svc.notifier = notifier;
  svc.monitor.onPass((s) => void notifier.observe(s).catch(() => undefined));
  await app.register(notifyRoutes, { svc, notifier });
  app.addHook('onReady', async () => notifier.start());
  app.addHook('onClose', async () => notifier.stop());
  return notifier;
}
