// Delivery: one loop per channel takes due rows from the durable queue (collector/store: claimed
// under a lease, so a restart or a second collector on the same PostgreSQL picks up what was left and
// never sends a row twice), keeps under the channel's rate limit, and merges the waiting
// notifications into one message when sending them one by one would exceed it (the platforms' own
// advice: one summary; nothing is dropped). A failure the channel calls retryable (5xx, timeout, rate
// limit) is tried again with backoff and jitter, no sooner than the platform asked; a permanent one
// (wrong URL, refused signature or login) is recorded once and not retried; a notification still
// undelivered after `giveUpAfterMs` is recorded failed. Every send has a deadline, and loops are
// independent: a dead channel never holds up another one, nor the evaluation that feeds them.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Counter } from 'prom-client';
import type { Logger } from '../../common/logger.js';
import type { NewNotificationRecord, NotificationStore, QueuedDelivery } from '../store/store.js';
import { retryDelayMs, type BackoffPolicy } from './backoff.js';
import { Limiter } from './limiter.js';
import type { Channel, Notification, SendOutcome } from './types.js';

export interface DeliveryOptions {
  store: NotificationStore;
  log: Logger;
  nowMs: () => number;
  /** Each send's deadline. */
  sendTimeoutMs: number;
  /** How often an idle loop looks at the queue (rows queued by another collector, retries falling due). */
  pollMs: number;
  backoff: BackoffPolicy;
  giveUpAfterMs: number;
  /** A failing channel is logged at most once per this interval (with the count of failures in between). */
  logEveryMs: number;
  /** `stationwatch_notifications_total{channel,result}`: result sent | failed | retry. */
  counter: Counter<'channel' | 'result'>;
}

/** A channel's recent health, for the status page banner and the metrics. */
export interface ChannelHealth {
  channel: string;
  type: string;
  lastSuccessMs?: number;
  lastFailure?: { atMs: number; detail: string; retryable: boolean };
  /** The last attempt failed. */
  failing: boolean;
}

/** Rows claimed at once: also the most notifications merged into one message. */
const MAX_BATCH = 50;
/** Messages sent one by one per round (the rest of what was claimed is released for the next round). */
const ONE_BY_ONE = 3;

export class ChannelLoop {
  private readonly limiter: Limiter;
  private stopped = false;
  private wake: (() => void) | undefined;
  private done: Promise<void> | undefined;
  private lastLoggedMs = -Infinity;
  private unlogged = 0;
  readonly health: ChannelHealth;

  constructor(
    readonly channel: Channel,
    private readonly o: DeliveryOptions,
  ) {
    this.limiter = new Limiter(channel.limits);
    this.health = { channel: channel.name, type: channel.type, failing: false };
  }

  start(): void {
    this.done ??= this.loop().catch((err: unknown) => this.o.log.error({ err, channel: this.channel.name }, 'the notification loop of this channel stopped'));
  }

  /** Messages sent before a restart (their times; one merged message is several records of one time). */
  seed(sentAtMs: readonly number[]): void {
    for (const t of [...new Set(sentAtMs)].sort((a, b) => a - b)) this.limiter.record(t);
  }

  /** Something was queued: look now rather than at the next poll. */
  kick(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.kick();
    await this.done;
  }

  private async nap(ms: number): Promise<void> {
    if (this.stopped) return;
    const ac = new AbortController();
    await Promise.race([sleep(Math.max(1, ms), undefined, { signal: ac.signal, ref: false }).catch(() => undefined), new Promise<void>((r) => (this.wake = r))]);
    ac.abort();
    this.wake = undefined;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let worked = false;
      try {
        worked = await this.once();
      } catch (err) {
        // The store is unreachable (PostgreSQL down): the queue is where it was; try again later.
        this.o.log.error({ err, channel: this.channel.name }, 'could not read or update the notification queue');
      }
      if (!worked) {
        const now = this.o.nowMs();
        const next = this.limiter.nextAllowedMs(now);
        await this.nap(next > now ? Math.min(next - now, 60_000) : this.o.pollMs);
      }
    }
  }

  /** One round: claims what is due and may be sent, sends it. False when there was nothing to do. */
  async once(): Promise<boolean> {
    const now = this.o.nowMs();
    const room = this.limiter.room(now);
    if (room <= 0) return false;
    // The lease covers the sends of this round with room to spare: a row is never claimed by another
    // collector while this one may still be sending it.
    const rows = await this.o.store.claim(this.channel.name, now, (this.o.sendTimeoutMs + 2000) * ONE_BY_ONE + 30_000, MAX_BATCH);
    if (rows.length === 0) return false;
    // Under pressure (more waiting than the minute's allowance leaves, keeping a quarter of it free),
    // one summary message; otherwise one message per notification, a few per round.
    const reserve = Math.ceil(this.channel.limits.perMinute / 4);
    if (rows.length > 1 && rows.length > room - reserve) {
      await this.deliver(rows);
      return true;
    }
    const now1 = rows.slice(0, ONE_BY_ONE);
    await this.o.store.release(rows.slice(ONE_BY_ONE).map((r) => r.id));
    for (let i = 0; i < now1.length; i++) {
      let at = this.o.nowMs();
      // A per-second limit (Feishu/Lark: 5) is waited out; a platform's block is not.
      const wait = this.limiter.nextAllowedMs(at) - at;
      if (wait > 0 && wait <= 2000) {
        await sleep(wait);
        at = this.o.nowMs();
      }
      if (this.stopped || this.limiter.nextAllowedMs(at) > at) {
        await this.o.store.release(now1.slice(i).map((r) => r.id));
        break;
      }
      await this.deliver([now1[i]!]);
    }
    return true;
  }

  private async send(batch: readonly Notification[]): Promise<SendOutcome> {
    const ac = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<SendOutcome>((resolve) => {
      timer = setTimeout(() => {
        ac.abort(new Error('deadline'));
        resolve({ ok: false, retryable: true, detail: `no answer within ${this.o.sendTimeoutMs / 1000} s` });
      }, this.o.sendTimeoutMs);
    });
    try {
      // A channel that ignores its signal is abandoned at the deadline all the same.
      return await Promise.race([
        this.channel.send(batch, ac.signal).catch((err: unknown): SendOutcome => ({ ok: false, retryable: true, detail: `the channel failed: ${(err as Error).message}` })),
        deadline,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async deliver(rows: readonly QueuedDelivery[]): Promise<void> {
    this.limiter.record(this.o.nowMs());
    const outcome = await this.send(rows.map((r) => r.notification));
    const now = this.o.nowMs();
    const name = this.channel.name;
    const rec = (r: QueuedDelivery, result: NewNotificationRecord['result'], detail: string): NewNotificationRecord => ({
      notificationId: r.notification.id,
      channel: name,
      site: r.notification.site,
      device: r.notification.device ?? null,
      status: r.notification.status,
      repeat: r.notification.repeat,
      alerts: r.notification.alerts.map((a) => a.alert),
      result,
      detail: rows.length > 1 ? `${detail} (one message of ${rows.length})` : detail,
      attempts: r.attempts + 1,
      atMs: now,
    });
    if (outcome.ok) {
      await this.o.store.settle(
        rows.map((r) => r.id),
        rows.map((r) => rec(r, 'sent', outcome.detail ?? 'sent')),
      );
      this.o.counter.inc({ channel: name, result: 'sent' }, rows.length);
      this.health.lastSuccessMs = now;
      this.health.failing = false;
      return;
    }
    this.health.lastFailure = { atMs: now, detail: outcome.detail, retryable: outcome.retryable };
    this.health.failing = true;
    this.logFailure(outcome, now);
    if (outcome.retryable && outcome.retryAfterMs !== undefined) this.limiter.blocked(now, outcome.retryAfterMs);
    const giveUp = rows.filter((r) => !outcome.retryable || now - r.notification.createdMs >= this.o.giveUpAfterMs);
    const retry = rows.filter((r) => !giveUp.includes(r));
    if (giveUp.length > 0) {
      await this.o.store.settle(
        giveUp.map((r) => r.id),
        giveUp.map((r) => rec(r, 'failed', outcome.retryable ? `gave up after ${r.attempts + 1} attempts: ${outcome.detail}` : outcome.detail)),
      );
      this.o.counter.inc({ channel: name, result: 'failed' }, giveUp.length);
    }
    for (const r of retry) await this.o.store.retryLater([r.id], now + retryDelayMs(r.attempts + 1, this.o.backoff, outcome.retryAfterMs), outcome.detail);
    if (retry.length > 0) this.o.counter.inc({ channel: name, result: 'retry' }, retry.length);
  }

  private logFailure(outcome: Extract<SendOutcome, { ok: false }>, now: number): void {
    if (now - this.lastLoggedMs < this.o.logEveryMs) {
      this.unlogged++;
      return;
    }
    this.o.log.warn(
      { channel: this.channel.name, type: this.channel.type, answer: outcome.detail, retryable: outcome.retryable, failuresSinceLastLog: this.unlogged },
      outcome.retryable ? 'a notification channel failed; retrying with backoff' : 'a notification channel refused a message; it is recorded failed and not retried (check the channel configuration)',
    );
    this.lastLoggedMs = now;
    this.unlogged = 0;
  }
}
