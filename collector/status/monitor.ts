// The evaluation loop: every `evaluateEverySeconds` it snapshots the exposition, runs the catalog
// evaluator, derives each device's badges and records every badge change in the event history.
// The page reads the latest result; it never evaluates on its own, so history does not depend on
// anyone looking.
import type { Logger } from '../../common/logger.js';
import type { CatalogEvaluator, Series } from '../../alerts/evaluate.js';
import type { Indicator } from '../../alerts/catalog/types.js';
import type { CollectorContext } from '../context.js';
import type { DeviceRecord } from '../device-store.js';
import type { BadgeState, DeviceEvent, EventLog } from '../store/events.js';
import { deviceBadges, indicatorMetrics, type Badge } from './badges.js';
import { metricsSnapshot } from './snapshot.js';

/** How long after start a device that has not reported yet keeps its recorded states. */
export const startupGraceMs = 5 * 60_000;

export interface DeviceStatus {
  device: DeviceRecord;
  reporting: boolean;
  badges: Badge[];
  /** Since when each badge has had its state (from the history). */
  since: Record<string, number>;
  /** The device's series the catalog's alerts read (not every series it reports). */
  series: Series[];
}

export interface StatusSnapshot {
  atMs: number;
  devices: DeviceStatus[];
  notEvaluated: readonly string[];
}

export class StatusMonitor {
  private latest: StatusSnapshot | undefined;
  private states: Map<string, { state: BadgeState; sinceMs: number }>;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<StatusSnapshot> | undefined;
  private startedAtMs: number | undefined;
  /** The metrics the evaluation and the badges read: all a snapshot has to hold. */
  private readonly wanted: ReadonlySet<string>;

  constructor(
    private readonly ctx: CollectorContext,
    private readonly evaluator: CatalogEvaluator,
    private readonly indicators: readonly Indicator[],
    private readonly events: EventLog,
    private readonly log: Logger,
  ) {
    this.states = events.currentStates();
    this.wanted = new Set([...evaluator.inputMetrics(), ...indicators.flatMap(indicatorMetrics)]);
    evaluator.restore(events.pendingAlerts());
  }

  start(everyMs: number): void {
    const run = () => void this.tick().catch((err: unknown) => this.log.error({ err }, 'status evaluation failed'));
    run();
    this.timer = setInterval(run, everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** Drops a forgotten device's badge states (in memory and stored); the next evaluation no longer sees it. */
  forget(device: string): void {
    for (const key of this.states.keys()) if (key.startsWith(`${device}\u0000`)) this.states.delete(key);
    this.events.forgetStates(device);
  }

  /** The latest evaluation, evaluating now if there has been none. */
  async current(): Promise<StatusSnapshot> {
    return this.latest ?? this.tick();
  }

  /** Evaluates now (also after an inspection is recorded, so the page shows its effect at once). */
  tick(): Promise<StatusSnapshot> {
    // One evaluation at a time: `for` and counter histories assume increasing time.
    const next = (this.running ?? Promise.resolve()).catch(() => undefined).then(() => this.evaluateOnce());
    this.running = next;
    return next;
  }

  private async evaluateOnce(): Promise<StatusSnapshot> {
    const now = this.ctx.nowMs();
    this.startedAtMs ??= now;
    // After a collector restart the store knows no report yet: a device is silent because we just
    // started, not because it stopped. Its recorded states stand until it reports or the grace ends.
    const justStarted = now - this.startedAtMs < startupGraceMs;
    const snapshot = await metricsSnapshot(this.ctx, now, this.wanted);
    const evaluation = this.evaluator.evaluate(snapshot, now);
    const byDevice = new Map<string, Series[]>();
    for (const s of snapshot) {
      const d = s.labels.device;
      if (d === undefined) continue;
      let list = byDevice.get(d);
      if (!list) byDevice.set(d, (list = []));
      list.push(s);
    }
    // Each device's alerts, grouped once: filtering all alerts for every device was quadratic in the
    // fleet (seconds per evaluation at a few thousand devices, BENCHMARKS.md).
    const alertsByDevice = new Map<string, Array<(typeof evaluation.alerts)[number]>>();
    for (const a of evaluation.alerts) {
      const d = a.labels.device;
      if (d === undefined) continue;
      let list = alertsByDevice.get(d);
      if (!list) alertsByDevice.set(d, (list = []));
      list.push(a);
    }
    const changes: Omit<DeviceEvent, 'id'>[] = [];
    const initial: { device: string; indicator: string; state: BadgeState }[] = [];
    const devices = this.ctx.store.list().map((device) => {
      const reporting = this.ctx.store.isReporting(device, now);
      const series = byDevice.get(device.name) ?? [];
      const badges = deviceBadges(device, reporting, this.indicators, alertsByDevice.get(device.name) ?? [], series);
      const since: Record<string, number> = {};
      const unheard = justStarted && device.receivedAtMs === undefined;
      for (const b of badges) {
        if (unheard) {
          since[b.indicator] = this.states.get(`${device.name}\u0000${b.indicator}`)?.sinceMs ?? now;
          continue;
        }
        const key = `${device.name}\u0000${b.indicator}`;
        const before = this.states.get(key);
        if (!before) initial.push({ device: device.name, indicator: b.indicator, state: b.state });
        else if (before.state !== b.state) changes.push(this.event(device, b, before.state, series, now));
        if (!before || before.state !== b.state) this.states.set(key, { state: b.state, sinceMs: now });
        since[b.indicator] = this.states.get(key)!.sinceMs;
      }
      return { device, reporting, badges, since, series };
    });
    this.events.setInitial(initial, now);
    this.events.record(changes);
    this.events.updatePendingAlerts(evaluation.started, evaluation.ended);
    this.latest = { atMs: now, devices, notEvaluated: evaluation.notEvaluated };
    return this.latest;
  }

  private event(device: DeviceRecord, b: Badge, from: BadgeState, series: readonly Series[], now: number): Omit<DeviceEvent, 'id'> {
    const indicator = this.indicators.find((i) => i.id === b.indicator)!;
    const metrics = new Set(indicatorMetrics(indicator));
    return {
      device: device.name,
      site: device.site,
      indicator: b.indicator,
      from,
      to: b.state,
      atMs: now,
      detail: {
        alerts: b.firing.map((a) => ({ alert: a.alert, severity: a.severity, labels: a.labels, value: a.value })),
        readings: series.filter((s) => metrics.has(s.metric)).slice(0, 30).map((s) => ({ metric: s.metric, labels: s.labels, value: s.value })),
      },
    };
  }
}
