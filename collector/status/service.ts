// Everything the status page, inspections, maintenance and exports share: the persistent store, the
// catalog evaluator with the site's thresholds, the evaluation loop and the user directory. Built
// once per collector; route plugins receive it explicitly.
import type { Logger } from '../../common/logger.js';
import { catalog } from '../../alerts/catalog/index.js';
import type { Indicator, ResolvedThresholds } from '../../alerts/catalog/types.js';
import { loadOverrides } from '../../alerts/overrides.js';
import { resolveThresholds } from '../../alerts/thresholds.js';
import type { CollectorContext } from '../context.js';
import { openStore, type Db } from '../store/db.js';
import { EventLog } from '../store/events.js';
import { InspectionLog } from '../store/inspections.js';
import { MaintenanceLog } from '../store/maintenance.js';
import { SessionStore } from '../store/sessions.js';
import { UserDirectory } from '../store/users.js';
import { badgeIndicators } from './badges.js';
import { registerInspectionSeries } from './inspection-metrics.js';
import { StatusMonitor } from './monitor.js';

export interface StatusService {
  ctx: CollectorContext;
  db: Db;
  events: EventLog;
  inspections: InspectionLog;
  maintenance: MaintenanceLog;
  sessions: SessionStore;
  users: UserDirectory;
  monitor: StatusMonitor;
  /** Indicators with a badge, in catalog order. */
  indicators: readonly Indicator[];
  thresholds: ResolvedThresholds;
  log: Logger;
  /** Starts evaluating and pruning; called when the server is ready, so building an app starts nothing. */
  start(): void;
  close(): Promise<void>;
}

export async function createStatusService(ctx: CollectorContext, log: Logger): Promise<StatusService> {
  const overrides = ctx.config.overridesFile ? await loadOverrides(ctx.config.overridesFile) : undefined;
  const thresholds = resolveThresholds(overrides?.thresholds);
  if (!ctx.config.stateDir) log.warn('no stateDir configured: event history, inspections and sessions are kept in memory only');
  const db = openStore(ctx.config.stateDir);
  const events = new EventLog(db);
  const inspections = new InspectionLog(db);
  const maintenance = new MaintenanceLog(db);
  const sessions = new SessionStore(db);
  registerInspectionSeries([ctx.collectorRegistry], ctx.store, inspections, maintenance, ctx.nowMs);
  const indicators = badgeIndicators(catalog);
  const monitor = new StatusMonitor(ctx, thresholds, indicators, events, inspections, maintenance, log);
  let pruner: NodeJS.Timeout | undefined;
  const prune = () => {
    const now = ctx.nowMs();
    const removed = events.prune(now - ctx.config.store.eventRetentionDays * 86_400_000);
    sessions.prune(now);
    if (removed > 0) log.info({ removed }, 'pruned event history beyond the retention');
  };
  return {
    ctx,
    db,
    events,
    inspections,
    maintenance,
    sessions,
    users: new UserDirectory(ctx.config.users),
    monitor,
    indicators,
    thresholds,
    log,
    start() {
      prune();
      pruner = setInterval(prune, 3_600_000);
      pruner.unref();
      monitor.start(ctx.config.statusPage.evaluateEverySeconds * 1000);
    },
    async close() {
      clearInterval(pruner);
      await monitor.stop();
      db.close();
    },
  };
}
