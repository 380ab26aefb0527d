// Reports waiting to be sent, oldest first, with exponential backoff and full jitter while the
// collector is away (so a whole office reconnecting does not hit it at once). Bounded in memory:
// when full the oldest snapshot is dropped — counters in later snapshots still carry every event.
// The durable on-disk outbox will replace the array, keeping this interface.
import type { Logger } from '../common/logger.js';
import type { Report } from '../protocol/report.js';
import type { CollectorReachability } from './collector-reachability.js';
import type { Transport } from './push.js';

export interface QueueOptions {
  maxReports: number;
  baseDelayMs: number;
  maxDelayMs: number;
  random?: () => number;
  /** Told of every attempt's outcome, so the next report can say how reachable the collector was. */
  reachability?: CollectorReachability;
}

export class ReportQueue {
  private readonly pending: Report[] = [];
  private failures = 0;
  private nextAttemptMono = 0;
  private draining?: Promise<void>;
  private lastError?: string;
  dropped = 0;

  constructor(
    private readonly transport: Transport,
    private readonly log: Logger,
    private readonly monoMs: () => number,
    private readonly wallMs: () => number,
    private readonly opts: QueueOptions,
  ) {}

  get length(): number {
    return this.pending.length;
  }

  enqueue(report: Report): void {
    this.pending.push(report);
    while (this.pending.length > this.opts.maxReports) {
      this.pending.shift();
      this.dropped++;
    }
  }

  /** Sends what it can now; returns at once if a drain is under way or the backoff has not passed. */
  drain(): Promise<void> {
    if (this.draining || this.monoMs() < this.nextAttemptMono) return this.draining ?? Promise.resolve();
    this.draining = this.drainNow().finally(() => (this.draining = undefined));
    return this.draining;
  }

  private async drainNow(): Promise<void> {
    while (this.pending.length > 0) {
      const report = this.pending[0]!;
      const result = await this.transport.send({ ...report, sentAt: this.wallMs() });
      if (result.kind === 'retry') {
        this.opts.reachability?.failed();
        this.failures++;
        const ceiling = Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** Math.min(this.failures - 1, 20));
        const delay = Math.round((this.opts.random ?? Math.random)() * ceiling);
        this.nextAttemptMono = this.monoMs() + delay;
        if (this.lastError !== result.reason) this.log.warn({ reason: result.reason, queued: this.pending.length, retryInMs: delay }, 'collector unreachable; keeping reports');
        this.lastError = result.reason;
        return;
      }
      this.opts.reachability?.reached();
      this.pending.shift();
      if (result.kind === 'refused') {
        if (this.lastError !== result.reason) this.log.error({ status: result.status, reason: result.reason }, 'collector refused the report');
        this.lastError = result.reason;
        continue;
      }
      if (this.failures > 0 || this.lastError) this.log.info({ afterFailures: this.failures }, 'collector reachable again');
      this.failures = 0;
      this.lastError = undefined;
      this.nextAttemptMono = 0;
    }
  }
}
