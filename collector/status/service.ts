// Everything the status page, inspections, maintenance and exports share: the persistent store, the
// catalog evaluator with the site's thresholds, the evaluation loop and the user directory. Built
// once per collector; route plugins receive it explicitly.
import type { Logger } from '../../common/logger.js';
import { catalog } from '../../alerts/catalog/index.js';
import type { Indicator, ResolvedThresholds } from '../../alerts/catalog/types.js';
import { loadOverrides } from '../../alerts/overrides.js';
import { resolveThresholds } from '../../alerts/thresholds.js';
import type { CollectorContext } from '../context.js';
import type { EventStore, InspectionStore, MaintenanceStore, SessionStore, Store } from '../store/store.js';
import { UserDirectory } from '../store/users.js';
import { LastKnownMaintenance } from './last-known-maintenance.js';
import { CachedInspections } from './cached-inspections.js';
import { badgeIndicators } from './badges.js';
import { inspectionSource } from './inspection-metrics.js';
import { StatusMonitor } from './monitor.js';
import { registerMemorySeries } from '../memory-metrics.js';
import type { Notifier } from '../notify/service.js';

export interface StatusService {
  ctx: CollectorContext;
  /** The collector's store (ctx.db; closed by the app, not by this service). */
  db: Store;
  events: EventStore;
  inspections: InspectionStore;
  maintenance: MaintenanceStore;
  sessions: SessionStore;
  users: UserDirectory;
  monitor: StatusMonitor;
  /** Indicators with a badge, in catalog order. */
  indicators: readonly Indicator[];
  thresholds: ResolvedThresholds;
  log: Logger;
  /** Set when notifications are configured (collector/notify/register.ts): the pages show its state. */
  notifier?: Notifier;
  /** Starts evaluating and pruning; called when the server is ready, so building an app starts nothing. */
  start(): void;
  close(): Promise<void>;
}

export async function createStatusService(ctx: CollectorContext, log: Logger): Promise<StatusService> {
  const overrides = ctx.config.overridesFile ? await loadOverrides(ctx.config.overridesFile) : undefined;
  const thresholds = resolveThresholds(overrides?.thresholds);
  const db = ctx.db;
  if (db.kind === 'sqlite' && !ctx.config.stateDir) log.warn('no stateDir configured: event history, inspections and sessions are kept in memory only');
  const { events, sessions } = db;
  const inspections = new CachedInspections(db.inspections);
  const maintenance = new LastKnownMaintenance(db.maintenance);
  ctx.fleetSeries.add(inspectionSource(inspections, maintenance));
  const indicators = badgeIndicators(catalog);
  const monitor = new StatusMonitor(ctx, thresholds, indicators, db, inspections, maintenance, log);
  if (ctx.fleet) {
    ctx.fleet.adopt = (device, states, pending) => {
      inspections.invalidate();
      monitor.adopt(device, states, pending);
    };
    ctx.fleet.onFullRead = () => inspections.invalidate();
  }
  registerMemorySeries(ctx.collectorRegistry, { evaluation: () => monitor.lastStats });
  let pruner: NodeJS.Timeout | undefined;
  const prune = async () => {
    const now = ctx.nowMs();
    const removed = await events.prune(now - ctx.config.store.eventRetentionDays * 86_400_000);
    await sessions.prune(now);
    if (removed > 0) log.info({ removed }, 'pruned event history beyond the retention');
  };
  const pruneLogged = () => void prune().catch((err: unknown) => log.error({ err }, 'could not prune the event history and sessions'));
  return {
    ctx,
    db,
    events,
    inspections,
    maintenance,
    sessions,
    users: new UserDirectory(ctx.config.users, db.users),
    monitor,
    indicators,
    thresholds,
    log,
    start() {
      pruneLogged();
      pruner = setInterval(pruneLogged, 3_600_000);
      pruner.unref();
      monitor.start(ctx.config.statusPage.evaluateEverySeconds * 1000);
      ctx.fleet?.start();
    },
    async close() {
      clearInterval(pruner);
      await ctx.fleet?.stop();
      await monitor.stop();
    },
  };
}
