// Whether the collector was reachable, as the agent saw it: counters kept by the report queue and
// added to every report. During an outage nothing arrives, so the collector shows the device as not
// reporting; the counters say afterwards how often and for how long the agent could not get through
// (the device may have been on and working all along, with the network between at fault).
import { m } from '../protocol/metrics.js';
import type { Sample } from '../protocol/report.js';

export class CollectorReachability {
  private attempts = 0;
  private failures = 0;
  private outages = 0;
  private unreachableMs = 0;
  /** Wall-clock and monotonic time of the first failure of the current outage. */
  private outageSince?: { mono: number };
  private lastSuccessWallMs?: number;

  constructor(
    private readonly monoMs: () => number,
    private readonly wallMs: () => number,
  ) {}

  /** A report reached the collector (accepted or refused: either way the collector answered). */
  reached(): void {
    this.attempts++;
    if (this.outageSince) {
      this.unreachableMs += Math.max(0, this.monoMs() - this.outageSince.mono);
      this.outageSince = undefined;
    }
    this.lastSuccessWallMs = this.wallMs();
  }

  /** An attempt that did not get through (connection refused, timeout, 408/429/5xx). */
  failed(): void {
    this.attempts++;
    this.failures++;
    if (!this.outageSince) {
      this.outages++;
      this.outageSince = { mono: this.monoMs() };
    }
  }

  /** The counters as report samples. The unreachable time counts ended outages only, so it never shrinks. */
  samples(dropped: number): Sample[] {
    const out: Sample[] = [
      { metric: m.pushAttempts.name, value: this.attempts },
      { metric: m.pushFailures.name, value: this.failures },
      { metric: m.collectorOutages.name, value: this.outages },
      { metric: m.collectorUnreachableSeconds.name, value: this.unreachableMs / 1000 },
      { metric: m.reportsDropped.name, value: dropped },
    ];
    if (this.lastSuccessWallMs !== undefined) out.push({ metric: m.lastPushSuccess.name, value: this.lastSuccessWallMs / 1000 });
    return out;
  }
}
