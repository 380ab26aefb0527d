// Sends the outbox's reports to the collector, oldest first. While the collector is away: exponential
// backoff with full jitter; when it is back, the backlog drains at a limited pace with jitter between
// sends. Both keep a whole office that reconnects at once from hitting the collector together. The
// reports themselves wait in the durable outbox (agent/outbox/), which survives restarts.
import type { Logger } from '../common/logger.js';
import type { Report } from '../protocol/report.js';
import type { CollectorReachability } from './collector-reachability.js';
import { Outbox } from './outbox/outbox.js';
import type { Transport } from './push.js';

export interface QueueOptions {
  /** For the in-memory outbox made when none is given (tests). */
  maxReports: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Pause between two sends of a backlog (scaled by a random 0.5–1.5); 0 sends back to back. */
  minGapMs?: number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Told of every attempt's outcome, so the next report can say how reachable the collector was. */
  reachability?: CollectorReachability;
  outbox?: Outbox;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

export class ReportQueue {
  readonly outbox: Outbox;
  private failures = 0;
  private nextAttemptMono = 0;
  private draining?: Promise<void>;
  private lastError?: string;
  private stopped = false;

  constructor(
    private readonly transport: Transport,
    private readonly log: Logger,
    private readonly monoMs: () => number,
    private readonly wallMs: () => number,
    private readonly opts: QueueOptions,
  ) {
    this.outbox = opts.outbox ?? Outbox.memory({ maxReports: opts.maxReports, maxBytes: Number.MAX_SAFE_INTEGER, maxAgeMs: Number.MAX_SAFE_INTEGER }, log, wallMs);
  }

  get length(): number {
    return this.outbox.length;
  }

  get dropped(): number {
    return this.outbox.dropped;
  }

  /** Resolves once the report is in the outbox (on disk when the disk takes it). */
  enqueue(report: Report): Promise<void> {
    return this.outbox.append(report);
  }

  /** Sends what it can now; returns at once if a drain is under way or the backoff has not passed. */
  drain(): Promise<void> {
    if (this.stopped || this.draining || this.monoMs() < this.nextAttemptMono) return this.draining ?? Promise.resolve();
    this.draining = this.drainNow()
      .catch((err: unknown) => this.log.error({ err: (err as Error).message }, 'draining the outbox failed; trying again next cycle'))
      .finally(() => (this.draining = undefined));
    return this.draining;
  }

  /** No further sends; a report being sent stays in the outbox until the next run acknowledges it. */
  stop(): void {
    this.stopped = true;
  }

  private async drainNow(): Promise<void> {
    const random = this.opts.random ?? Math.random;
    for (let sent = 0; !this.stopped; sent++) {
      const next = await this.outbox.peek();
      if (!next) return;
      if (sent > 0 && this.opts.minGapMs) await (this.opts.sleep ?? realSleep)(Math.round(this.opts.minGapMs * (0.5 + random())));
      if (this.stopped) return;
      const result = await this.transport.send({ ...next.report, sentAt: this.wallMs() });
      if (result.kind === 'retry' || result.kind === 'unauthorized') {
        if (result.kind === 'retry') this.opts.reachability?.failed();
        else this.opts.reachability?.reached();
        this.failures++;
        // Refused credentials are for an administrator to fix: keep the reports and ask rarely.
        const ceiling = result.kind === 'unauthorized' ? this.opts.maxDelayMs : Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** Math.min(this.failures - 1, 20));
        const delay = Math.max(Math.round(random() * ceiling), result.kind === 'retry' ? (result.retryAfterMs ?? 0) : 0);
        this.nextAttemptMono = this.monoMs() + delay;
        if (this.lastError !== result.reason) {
          const fields = { reason: result.reason, queued: this.outbox.length, retryInMs: delay };
          if (result.kind === 'unauthorized') this.log.error(fields, 'the collector refuses this agent\'s token; keeping reports until it is fixed (enrol again, or check collector.token)');
          else this.log.warn(fields, 'collector unreachable; keeping reports');
        }
        this.lastError = result.reason;
        return;
      }
      this.opts.reachability?.reached();
      await this.outbox.remove(next.seq);
      if (result.kind === 'refused') {
        if (this.lastError !== result.reason) this.log.error({ status: result.status, reason: result.reason }, 'collector refused the report');
        this.lastError = result.reason;
        continue;
      }
      if (this.failures > 0 || this.lastError) this.log.info({ afterFailures: this.failures, queued: this.outbox.length }, 'collector reachable again');
      this.failures = 0;
      this.lastError = undefined;
      this.nextAttemptMono = 0;
    }
  }
}
