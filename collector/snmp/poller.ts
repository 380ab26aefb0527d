// Polls every SNMP target on its own timer: a slow or unreachable device never delays another, and
// no poll of a target starts while its previous one is still running.
import type { Logger } from '../../common/logger.js';
import { m } from '../../protocol/metrics.js';
import type { Sample } from '../../protocol/report.js';
import type { DeviceStore } from '../device-store.js';
import type { SnmpTarget } from './config.js';
import { pollDevice } from './poll.js';
import { withSession, type SnmpClient } from './session.js';

export type Connect = <T>(t: SnmpTarget, work: (c: SnmpClient) => Promise<T>) => Promise<T>;

function describe(err: unknown): string {
  const e = err as Error & { cause?: Error };
  return e.cause ? `${e.message}: ${e.cause.message}` : (e?.message ?? String(err));
}

export class SnmpPoller {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly lastError = new Map<string, string>();
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

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
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

  /** One poll; always records a result (up or down) and never throws. */
  async pollOnce(t: SnmpTarget): Promise<void> {
    const log = this.log.child({ snmpTarget: t.name, host: t.host });
    const t0 = performance.now();
    // net-snmp's own timeout covers each request; this bounds the whole poll (several walks).
    const deadlineMs = t.timeoutSeconds * 1000 * (t.retries + 1) * 4;
    let samples: Sample[];
    try {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`poll took longer than ${deadlineMs / 1000} s`)), deadlineMs)));
      try {
        samples = [...(await Promise.race([this.connect(t, pollDevice), deadline])), { metric: m.snmpUp.name, value: 1 }];
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
