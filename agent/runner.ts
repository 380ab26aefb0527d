// Runs probes on their own schedules and keeps each one's latest outcome. A probe that throws or hangs
// only marks itself failed: every run is bounded by its timeout, a probe still running is not started
// again, and the report is built from whatever the other probes returned.
import type { Logger } from '../common/logger.js';
import type { MetricType } from '../protocol/metrics.js';
import type { ProbeStatus, Sample, Unavailable } from '../protocol/report.js';
import type { ProbeDefinition, ProbeInstance, Reading } from './probes/probe.js';

export interface ScheduledProbe {
  definition: ProbeDefinition;
  instance: ProbeInstance;
  intervalMs: number;
  timeoutMs: number;
}

interface Outcome {
  status: ProbeStatus;
  readings: Reading[];
}

interface State {
  probe: ScheduledProbe;
  nextDueMono: number;
  /** The probe's own promise: set until it settles, even after its timeout has been reported. */
  inFlight?: Promise<unknown>;
  last?: Outcome;
}

/** Settles by the deadline even if `work` never does; the signal tells the work to give up. */
function withTimeout<T>(work: Promise<T>, controller: AbortController, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`${what} timed out after ${ms / 1000} s`));
    }, ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export class ProbeRunner {
  private readonly states: State[];

  constructor(
    probes: ScheduledProbe[],
    private readonly log: Logger,
    private readonly monoMs: () => number,
    private readonly wallMs: () => number,
  ) {
    this.states = probes.map((probe) => ({ probe, nextDueMono: 0 }));
  }

  /** Starts every probe that is due and not still running; resolves when those have settled. */
  runDue(): Promise<void> {
    const now = this.monoMs();
    const started: Promise<void>[] = [];
    for (const state of this.states) {
      if (state.inFlight || now < state.nextDueMono) continue;
      state.nextDueMono = now + state.probe.intervalMs;
      started.push(this.runOne(state));
    }
    return Promise.all(started).then(() => undefined);
  }

  private async runOne(state: State): Promise<void> {
    const { definition, instance, timeoutMs } = state.probe;
    const t0 = this.monoMs();
    const log = this.log.child({ probe: definition.name });
    const controller = new AbortController();
    const work = Promise.resolve().then(() => instance.collect({ signal: controller.signal }));
    state.inFlight = work;
    work.then(
      () => (state.inFlight = undefined),
      () => (state.inFlight = undefined),
    );
    try {
      const readings = await withTimeout(work, controller, timeoutMs, `probe ${definition.name}`);
      state.last = { readings, status: { name: definition.name, ok: true, durationSeconds: (this.monoMs() - t0) / 1000, finishedAt: this.wallMs() } };
    } catch (err) {
      const message = describeError(err);
      // Log only on the transition to failing, so a broken probe does not flood the log every cycle.
      if (state.last?.status.ok !== false) log.warn({ err: message }, 'probe failed');
      state.last = { readings: [], status: { name: definition.name, ok: false, durationSeconds: (this.monoMs() - t0) / 1000, finishedAt: this.wallMs(), error: message.slice(0, 1000) } };
    }
  }

  /** Every probe's latest outcome: a failed probe contributes its status and no values. */
  snapshot(): { probes: ProbeStatus[]; samples: Sample[]; unavailable: Unavailable[] } {
    const probes: ProbeStatus[] = [];
    const samples: Sample[] = [];
    const unavailable: Unavailable[] = [];
    for (const { last } of this.states) {
      if (!last) continue;
      probes.push(last.status);
      for (const r of last.readings) {
        if (r.kind === 'sample') {
          const wrong = notAValue(r.value, r.metric.type);
          if (wrong === undefined) samples.push(r.labels ? { metric: r.metric.name, labels: r.labels, value: r.value } : { metric: r.metric.name, value: r.value });
          // Unknown, not zero and not left out silently: the collector shows the metric as unavailable, with why.
          else unavailable.push({ metric: r.metric.name, reason: `${wrong}${r.labels ? ` (${labelText(r.labels)})` : ''}`.slice(0, 300) });
        } else unavailable.push({ metric: r.metric.name, reason: r.reason.slice(0, 300) });
      }
    }
    return { probes, samples, unavailable };
  }
}

/**
 * Why a probe's value cannot be sent as a sample, or undefined when it can: JSON has no NaN or
 * Infinity (they would arrive as null and fail the report), and a counter cannot be negative (the
 * collector would drop it as a false reset).
 */
function notAValue(value: number, type: MetricType): string | undefined {
  if (Number.isNaN(value)) return 'the probe produced NaN, not a number';
  if (!Number.isFinite(value)) return `the probe produced ${value}, not a finite number`;
  if (type === 'counter' && value < 0) return `the probe produced ${value} for a counter, which cannot be negative`;
  return undefined;
}

const labelText = (labels: Record<string, string>) => Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(', ');

/** An error and its causes on one line: "query CUPS: connect ECONNREFUSED". */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e !== undefined && depth < 5; depth++) {
    parts.push(e instanceof Error ? e.message : String(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(': ');
}
