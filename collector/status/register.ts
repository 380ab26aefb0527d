// Adds the status page, logins, inspections, maintenance and exports to a collector app: builds the
// shared service (store, evaluator, loop) and registers each route plugin in its own scope. The
// evaluation loop starts when the server is ready and the store closes with the server.
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../../common/logger.js';
import type { CollectorContext } from '../context.js';
import { authRoutes } from '../routes/auth.js';
import { deviceAdminRoutes } from '../routes/device-admin.js';
import { exportRoutes } from '../routes/export.js';
import { inspectionRoutes } from '../routes/inspections.js';
import { maintenanceRoutes } from '../routes/maintenance.js';
import { statusPageRoutes } from '../routes/status-page.js';
import { staticRoutes } from '../routes/static.js';
import { usersAdminRoutes } from '../routes/users-admin.js';
import { staticAssets } from './static-assets.js';
import { createStatusService, type StatusService } from './service.js';

export async function registerStatus(app: FastifyInstance, ctx: CollectorContext, log: Logger): Promise<StatusService> {
  const svc = await createStatusService(ctx, log.child({ component: 'status' }));
  for (const plugin of [statusPageRoutes, authRoutes, inspectionRoutes, maintenanceRoutes, exportRoutes, deviceAdminRoutes, usersAdminRoutes]) await app.register(plugin, { svc });
  const assets = staticAssets();
  if (assets.missing.length > 0) log.warn({ missing: assets.missing }, 'the status page charts are missing files: run npm run build');
  await app.register(staticRoutes, { assets });
  app.addHook('onReady', async () => svc.start());
  app.addHook('onClose', async () => svc.close());
  return svc;
}
