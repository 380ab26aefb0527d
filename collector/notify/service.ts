// The notifier of one collector: its channels, one delivery loop per channel over the durable queue,
// and what feeds the queue — the collector's own evaluation for sites in mode `collector`
// (announcer.ts decides what is due) and Alertmanager's webhook for sites in mode `alertmanager`
// (routes/notify.ts). Monitoring never waits for it: the evaluation hands over its snapshot and goes
// on; a channel that hangs holds up only its own loop.
import { Counter, Gauge, type Registry } from 'prom-client';
import { catalog } from '../../alerts/catalog/index.js';
import type { ResolvedThresholds } from '../../alerts/catalog/types.js';
import type { Logger } from '../../common/logger.js';
import { collectorMetrics as cm } from '../../protocol/collector-metrics.js';
import type { StatusSnapshot } from '../status/monitor.js';
import type { MaintenanceStore, Store } from '../store/store.js';
import { Announcer, type Due } from './announcer.js';
import { createChannel, sendTestNotification } from './channels/index.js';
import { modeOf, modesInUse, type NotificationsConfig } from './config.js';
import { ChannelLoop, type ChannelHealth } from './delivery.js';
import { firingAlerts, silencer } from './from-status.js';
import { channelsFor, mentionsFor } from './routing.js';
import type { Channel, Notification, SendOutcome } from './types.js';

export interface NotifierDeps {
  config: NotificationsConfig;
  store: Store;
  maintenance: MaintenanceStore;
  thresholds: ResolvedThresholds;
  siteOpen: (site: string, at: Date) => boolean;
  registry: Registry;
  log: Logger;
  nowMs: () => number;
  /** Where relative `…File` secrets are (the configuration file's directory). */
  baseDir?: string;
  /** Tests: channels built by the test instead of from the configuration. */
  channels?: readonly Channel[];
  /** How often idle delivery loops look at the queue. */
  pollMs?: number;
  /** Records older than this are deleted (the event history's retention). */
  retentionDays?: number;
}

/** Two rounds of announcements as one, in order: a key announced again after it resolved is announced. */
export function mergeDue(first: Due | undefined, then: Due): Due {
  if (!first) return then;
  const set = new Map<string, Due['set'][number]>();
  const resolved = new Set<string>();
  for (const d of [first, then]) {
    for (const a of d.set) {
      set.set(a.key, a);
      resolved.delete(a.key);
    }
    for (const k of d.resolved) {
      set.delete(k);
      resolved.add(k);
    }
  }
  return { notifications: [...first.notifications, ...then.notifications], set: [...set.values()], resolved: [...resolved] };
}

/** The alerts the collector's own evaluation never raises: they need Prometheus (and Alertmanager) to notify. */
export const promqlOnlyAlerts: readonly string[] = catalog.flatMap((i) => i.alerts.filter((a) => a.condition.kind === 'promql').map((a) => a.name));

export class Notifier {
  readonly channels: ReadonlyMap<string, Channel>;
  private readonly loops = new Map<string, ChannelLoop>();
  private announcer: Announcer | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private started = false;
  private readonly counter: Counter<'channel' | 'result'>;
  private readonly o: NotifierDeps;
  /** Alerts from Alertmanager for sites not in mode alertmanager (ignored), for the log. */
  private ignoredLoggedMs = -Infinity;

  constructor(o: NotifierDeps) {
    this.o = o;
    const c = o.config;
    const built = o.channels ?? c.channels.map((ch) => createChannel(ch, { log: o.log, timeoutMs: c.sendTimeoutSeconds * 1000, now: o.nowMs, ...(o.baseDir ? { baseDir: o.baseDir } : {}) }));
    this.channels = new Map(built.map((ch) => [ch.name, ch]));
    this.counter = new Counter({ name: cm.notifications, help: 'Notifications handed to a channel, by outcome: sent, failed (for good), retry (failed, tried again later), ignored (receiver: site not in mode alertmanager)', labelNames: ['channel', 'result'], registers: [o.registry] });
    const store = o.store;
    const channelNames = [...this.channels.keys()];
    new Gauge({
      name: cm.notificationQueue,
      help: 'Notifications waiting in the durable queue per channel (retries included)',
      labelNames: ['channel'],
      registers: [o.registry],
      async collect() {
        const lengths = await store.notifications.queueLengths().catch(() => undefined);
        this.reset();
        // Unknown is not zero: a store that cannot be read leaves the gauge empty.
        if (lengths) for (const name of new Set([...channelNames, ...lengths.keys()])) this.set({ channel: name }, lengths.get(name) ?? 0);
      },
    });
    const loops = this.loops;
    new Gauge({
      name: cm.notificationLastFailure,
      help: 'When a channel last failed to deliver (Unix seconds); absent when it has not failed since start',
      labelNames: ['channel'],
      registers: [o.registry],
      collect() {
        this.reset();
        for (const l of loops.values()) if (l.health.lastFailure) this.set({ channel: l.channel.name }, l.health.lastFailure.atMs / 1000);
      },
    });
    for (const ch of this.channels.values()) {
      this.loops.set(
        ch.name,
        new ChannelLoop(ch, {
          store: o.store.notifications,
          log: o.log,
          nowMs: o.nowMs,
          sendTimeoutMs: c.sendTimeoutSeconds * 1000,
          pollMs: o.pollMs ?? 1000,
          backoff: { baseMs: c.retryBaseSeconds * 1000, capMs: Math.max(c.retryBaseSeconds, c.retryMaxSeconds) * 1000 },
          giveUpAfterMs: c.giveUpAfterHours * 3_600_000,
          logEveryMs: c.logFailuresEveryMinutes * 60_000,
          counter: this.counter,
        }),
      );
    }
  }

  get collectorMode(): boolean {
    return modesInUse(this.o.config).has('collector');
  }

  modeOf(site: string) {
    return modeOf(this.o.config, site);
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const c = this.o.config;
    if (this.collectorMode) {
      this.announcer = new Announcer(
        { groupWaitMs: c.groupWaitSeconds * 1000, repeatIntervalMs: c.repeatIntervalMinutes * 60_000, mentionsOf: (site) => mentionsFor(c.onCall, site) },
        await this.o.store.notifications.announced(),
      );
      this.o.log.warn(
        { promqlOnly: promqlOnlyAlerts },
        `notifications in mode collector (all-in-one) come from the collector's own evaluation; ${promqlOnlyAlerts.length} alert rules exist only as PromQL and are evaluated by Prometheus alone — they notify only in mode alertmanager`,
      );
      this.flushTimer = setInterval(() => void this.serial(() => this.flush()).catch(() => undefined), Math.min(1000, Math.max(50, (c.groupWaitSeconds * 1000) / 4)));
      this.flushTimer.unref();
    }
    // What was sent in the last minute before a restart still counts against the platforms' limits.
    const now = this.o.nowMs();
    const recent = await this.o.store.notifications.recent(1000).catch(() => []);
    for (const l of this.loops.values()) l.seed(recent.filter((r) => r.channel === l.channel.name && r.result === 'sent' && r.atMs > now - 60_000).map((r) => r.atMs));
    for (const l of this.loops.values()) l.start();
    // Rows for a channel that was removed from the configuration stay queued (nothing is dropped silently): say so.
    const lengths = await this.o.store.notifications.queueLengths().catch(() => new Map<string, number>());
    for (const [channel, n] of lengths) if (!this.channels.has(channel)) this.o.log.warn({ channel, queued: n }, 'notifications are queued for a channel that is no longer configured: they stay queued until it is configured again');
    const days = this.o.retentionDays;
    if (days) {
      const prune = () => void this.o.store.notifications.prune(this.o.nowMs() - days * 86_400_000).catch((err: unknown) => this.o.log.error({ err }, 'could not prune the notification record'));
      prune();
      this.pruneTimer = setInterval(prune, 3_600_000);
      this.pruneTimer.unref();
    }
    this.o.log.info({ channels: [...this.channels.keys()], modes: [...modesInUse(c)] }, 'notifications started');
  }

  async stop(): Promise<void> {
    clearInterval(this.flushTimer);
    clearInterval(this.pruneTimer);
    await this.chain.catch(() => undefined);
    await Promise.all([...this.loops.values()].map((l) => l.stop()));
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.catch(() => undefined).then(work);
    this.chain = next.catch((err: unknown) => {
      // Tried again every flush (about a second): said once a minute while it lasts.
      const now = this.o.nowMs();
      if (now - this.storeErrorLoggedMs < 60_000) return;
      this.storeErrorLoggedMs = now;
      this.o.log.error({ err }, 'notifications: could not store what is due (kept, tried again)');
    });
    return next;
  }

  private storeErrorLoggedMs = -Infinity;

  /**
   * The evaluation's latest snapshot (mode collector): what fires now, silenced or not. Only the newest
   * waiting snapshot is looked at: a slow store never builds a backlog of passes.
   */
  observe(s: StatusSnapshot): Promise<void> {
    const a = this.announcer;
    if (!a) return Promise.resolve();
    const queued = this.nextSnapshot !== undefined;
    this.nextSnapshot = s;
    if (queued && this.observing) return this.observing;
    this.observing = this.serial(async () => {
      const snap = this.nextSnapshot;
      this.nextSnapshot = undefined;
      if (!snap) return;
      const now = this.o.nowMs();
      const firing = firingAlerts(snap, this.o.thresholds, this.o.config.publicUrl).filter((o) => this.modeOf(o.alert.site) === 'collector');
      a.observe(firing, silencer(await this.o.maintenance.open(now), this.o.siteOpen, now), now);
      await this.flush();
    });
    return this.observing;
  }

  private nextSnapshot: StatusSnapshot | undefined;
  private observing: Promise<void> | undefined;

  private async flush(): Promise<void> {
    const a = this.announcer;
    if (!a) return;
    const now = this.o.nowMs();
    // What a failed transaction could not store is kept and stored with the next: nothing is lost while the store is down.
    const due = mergeDue(this.unsaved, a.due(now));
    this.unsaved = undefined;
    if (due.notifications.length + due.set.length + due.resolved.length === 0) return;
    try {
      await this.o.store.transaction(async (tx) => {
        await tx.notifications.enqueue(this.route(due.notifications), now);
        await tx.notifications.updateAnnounced(due.set, due.resolved);
      });
    } catch (err) {
      this.unsaved = due;
      throw err;
    }
    this.kick(due.notifications);
  }

  private unsaved: Due | undefined;

  private route(ns: readonly Notification[]): { notification: Notification; channel: string }[] {
    const items: { notification: Notification; channel: string }[] = [];
    for (const n of ns) {
      const channels = channelsFor(this.o.config, n).filter((c) => this.channels.has(c));
      if (channels.length === 0) this.o.log.warn({ group: n.groupKey }, 'a notification matched no channel (no route and no default channel): not sent');
      for (const channel of channels) items.push({ notification: n, channel });
    }
    return items;
  }

  private kick(ns: readonly Notification[]): void {
    const names = new Set(ns.flatMap((n) => channelsFor(this.o.config, n)));
    for (const name of names) this.loops.get(name)?.kick();
  }

  /** Queues notifications handed in from outside (the Alertmanager receiver) for their routed channels. */
  async enqueue(ns: readonly Notification[]): Promise<number> {
    const items = this.route(ns);
    await this.o.store.notifications.enqueue(items, this.o.nowMs());
    this.kick(ns);
    return items.length;
  }

  /** Counts alerts the receiver did not forward (their site is not in mode alertmanager), logging now and then. */
  ignored(sites: readonly string[], count: number): void {
    this.counter.inc({ channel: 'alertmanager-receiver', result: 'ignored' }, count);
    const now = this.o.nowMs();
    if (now - this.ignoredLoggedMs < this.o.config.logFailuresEveryMinutes * 60_000) return;
    this.ignoredLoggedMs = now;
    this.o.log.warn({ sites }, 'Alertmanager sent alerts of sites not in notifications mode alertmanager: not forwarded (these sites are notified by the collector itself, or not at all)');
  }

  health(): ChannelHealth[] {
    return [...this.loops.values()].map((l) => l.health);
  }

  /** Sends the channel's test message now (not queued: the person who pressed the button waits for the answer). */
  async test(name: string): Promise<SendOutcome | undefined> {
    const ch = this.channels.get(name);
    if (!ch) return undefined;
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), this.o.config.sendTimeoutSeconds * 1000);
    try {
      return await Promise.race([
        sendTestNotification(ch, this.o.nowMs(), ac.signal),
        new Promise<SendOutcome>((r) => ac.signal.addEventListener('abort', () => r({ ok: false, retryable: true, detail: `no answer within ${this.o.config.sendTimeoutSeconds} s` }))),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}
