// Runs probes on their own schedules and keeps each one's latest outcome. A probe that throws or hangs
// only marks itself failed: every run is bounded by its timeout, at which its signal aborts — and with
// it every command it started is killed with its process tree (agent/exec/), so the run ends and the
// probe runs again on its next cycle. A run that still does not end (a library call nothing can
// cancel) is not started twice; the probe is reported failed on every cycle until it ends, with why.
// Every other probe keeps its own schedule whatever one probe does. Slow probes start staggered, so
// start-up is not one burst of child processes.
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
  controller?: AbortController;
  /** When the current run timed out (it is still in flight past its deadline). */
  timedOutAtMono?: number;
  last?: Outcome;
}

/** Settles by the deadline even if `work` never does; the signal tells the work to give up. */
function withTimeout<T>(work: Promise<T>, controller: AbortController, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new Error(`${what} timed out after ${ms / 1000} s`);
      controller.abort(err);
      reject(err);
    }, ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export interface RunnerOptions {
  /** Gap between the first runs of the slow probes (the fast ones all run at once, they are cheap). */
  slowStaggerMs?: number;
}

/** Default gap between slow probes' first runs: 13 slow probes start over ~20 s instead of at once. */
export const SLOW_STAGGER_MS = 1500;

export class ProbeRunner {
  private readonly states: State[];
  private stopping = false;

  constructor(
    probes: ScheduledProbe[],
    private readonly log: Logger,
    private readonly monoMs: () => number,
    private readonly wallMs: () => number,
    opts: RunnerOptions = {},
  ) {
    const start = monoMs();
    const stagger = opts.slowStaggerMs ?? SLOW_STAGGER_MS;
    let slow = 0;
    // On Windows every slow probe starts PowerShell: ~29 at once made timers run 3–4 s late and the
    // stability probe see a freeze. The first slow probe runs with the fast ones, the rest one by one.
    this.states = probes.map((probe) => ({ probe, nextDueMono: probe.definition.interval === 'slow' ? start + stagger * slow++ : 0 }));
  }

  /**
   * Starts every probe that is due and not still running (only those of class `only` when given);
   * resolves when those have settled.
   */
  runDue(only?: 'fast' | 'slow'): Promise<void> {
    if (this.stopping) return Promise.resolve();
    const now = this.monoMs();
    const started: Promise<void>[] = [];
    for (const state of this.states) {
      if (now < state.nextDueMono || (only && state.probe.definition.interval !== only)) continue;
      state.nextDueMono = now + state.probe.intervalMs;
      if (state.inFlight) {
        this.stillRunning(state, now);
        continue;
      }
      started.push(this.runOne(state));
    }
    return Promise.all(started).then(() => undefined);
  }

  /** When the next probe of class `only` falls due (monotonic ms); undefined when there is none. */
  nextDueMono(only: 'fast' | 'slow'): number | undefined {
    let next: number | undefined;
    for (const state of this.states) if (state.probe.definition.interval === only && (next === undefined || state.nextDueMono < next)) next = state.nextDueMono;
    return next;
  }

  /** Its last run timed out and has still not ended: say so on this cycle too, rather than repeat an old outcome. */
  private stillRunning(state: State, now: number): void {
    const since = state.timedOutAtMono;
    if (since === undefined) return; // within its timeout (a long interval-less run): nothing to say yet
    const { name } = state.probe.definition;
    const error = `probe ${name} timed out and its run has not ended ${Math.round((now - since) / 1000)} s later (not started again until it does)`;
    state.last = { readings: [], status: { name, ok: false, durationSeconds: (now - since + state.probe.timeoutMs) / 1000, finishedAt: this.wallMs(), error } };
  }

  /**
   * The agent is stopping: every running probe's signal aborts (their commands are killed) and no new
   * run starts. Resolves when those runs have ended, or after `ms` at the latest.
   */
  async stop(ms: number): Promise<void> {
    this.stopping = true;
    const running = this.states.filter((s) => s.inFlight);
    for (const s of running) s.controller?.abort(new Error('the agent is stopping'));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled(running.map((s) => s.inFlight)), new Promise((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
  }

  private async runOne(state: State): Promise<void> {
    const { definition, instance, timeoutMs } = state.probe;
    const t0 = this.monoMs();
    const log = this.log.child({ probe: definition.name });
    const controller = new AbortController();
    const work = Promise.resolve().then(() => instance.collect({ signal: controller.signal }));
    state.inFlight = work;
    state.controller = controller;
    state.timedOutAtMono = undefined;
    const ended = () => {
      state.inFlight = undefined;
      state.controller = undefined;
      state.timedOutAtMono = undefined;
    };
    work.then(ended, ended);
    try {
      const readings = await withTimeout(work, controller, timeoutMs, `probe ${definition.name}`);
      state.last = { readings, status: { name: definition.name, ok: true, durationSeconds: (this.monoMs() - t0) / 1000, finishedAt: this.wallMs() } };
    } catch (err) {
      if (state.inFlight === work && controller.signal.aborted) state.timedOutAtMono = this.monoMs();
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
