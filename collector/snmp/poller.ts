// Polls every SNMP target on its own timer: a slow or unreachable device never delays another, and
// no poll of a target starts while its previous one is still running. A poll that reaches its
// deadline is cancelled (its session closed, its requests dropped) before it counts as finished, so
// polls of a device that answers slowly never overlap or pile up.
import type { Logger } from '../../common/logger.js';
import { m } from '../../protocol/metrics.js';
import type { Sample } from '../../protocol/report.js';
import type { DeviceStore } from '../device-store.js';
import type { SnmpTarget } from './config.js';
import { pollDevice } from './poll.js';
import { withSession, type SnmpClient } from './session.js';

export type Connect = <T>(t: SnmpTarget, work: (c: SnmpClient) => Promise<T>, signal?: AbortSignal) => Promise<T>;

/**
 * How long one poll of `t` may take: net-snmp's own timeout covers each request, this the whole
 * poll (several walks) — and never more than the interval, so a poll is over before the next is due.
 */
export const pollDeadlineMs = (t: SnmpTarget): number => Math.min(t.timeoutSeconds * 1000 * (t.retries + 1) * 4, t.intervalSeconds * 1000);

function describe(err: unknown): string {
  const e = err as Error & { cause?: Error };
  return e.cause ? `${e.message}: ${e.cause.message}` : (e?.message ?? String(err));
}

export class SnmpPoller {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly lastError = new Map<string, string>();
  /** The poll under way per target, and how to cancel it. */
  private readonly running = new Map<string, { done: Promise<void>; abort: AbortController }>();
  private stopped = false;

  constructor(
    private readonly targets: readonly SnmpTarget[],
    private readonly store: DeviceStore,
    private readonly log: Logger,
    private readonly nowMs: () => number = Date.now,
    private readonly connect: Connect = withSession,
  ) {}

  start(): void {
    for (const t of this.targets) this.schedule(t, 0);
  }

  /** Stops the timers and cancels the polls under way; resolves once they have ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    const polls = [...this.running.values()];
    for (const p of polls) p.abort.abort(new Error('the collector is stopping'));
    await Promise.all(polls.map((p) => p.done));
  }

  private schedule(t: SnmpTarget, delayMs: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      const started = this.nowMs();
      this.pollOnce(t).finally(() => this.schedule(t, Math.max(0, t.intervalSeconds * 1000 - (this.nowMs() - started))));
    }, delayMs);
    timer.unref();
    this.timers.set(t.name, timer);
  }

  /**
   * One poll; always records a result (up or down) and never throws. While a poll of `t` is under
   * way, another call waits for that one instead of starting a second.
   */
  pollOnce(t: SnmpTarget): Promise<void> {
    const busy = this.running.get(t.name);
    if (busy) return busy.done;
    const abort = new AbortController();
    const done = this.poll(t, abort).finally(() => this.running.delete(t.name));
    this.running.set(t.name, { done, abort });
    return done;
  }

  private async poll(t: SnmpTarget, abort: AbortController): Promise<void> {
    const log = this.log.child({ snmpTarget: t.name, host: t.host });
    const t0 = performance.now();
    const deadlineMs = pollDeadlineMs(t);
    let samples: Sample[];
    try {
      // An explicit timer (not AbortSignal.timeout, which stopped firing after a GC on Node 20).
      const timer = setTimeout(() => abort.abort(new Error(`poll took longer than ${deadlineMs / 1000} s`)), deadlineMs);
      try {
        // Awaited to the end: the session is closed when this settles, deadline or not.
        samples = [...(await this.connect(t, pollDevice, abort.signal)), { metric: m.snmpUp.name, value: 1 }];
      } finally {
        clearTimeout(timer);
      }
      if (this.lastError.has(t.name)) log.info('SNMP device answers again');
      this.lastError.delete(t.name);
    } catch (err) {
      const message = describe(err);
      if (this.lastError.get(t.name) !== message) log.warn({ err: message }, 'SNMP device did not answer');
      this.lastError.set(t.name, message);
      samples = [{ metric: m.snmpUp.name, value: 0 }];
    }
    samples.push({ metric: m.snmpPollDuration.name, value: (performance.now() - t0) / 1000 });
    const { dropped } = this.store.acceptPoll(t.name, samples, this.nowMs());
    if (dropped.length > 0) log.warn({ dropped: dropped.slice(0, 5) }, 'SNMP samples dropped');
  }
}
