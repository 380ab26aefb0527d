// The agent: probes on their schedules → a snapshot report every fast interval → the report queue
// (durable outbox on disk) → the collector.
import { readFile } from 'node:fs/promises';
import type { Logger } from '../common/logger.js';
import { VERSION } from '../common/version.js';
import { SCHEMA_VERSION, type Report } from '../protocol/report.js';
import { systemClock, type Clock } from './clock.js';
import { CollectorReachability } from './collector-reachability.js';
import type { AgentConfig } from './config.js';
import { probeDefinitions } from './probes/index.js';
import { probeIntervalSeconds, type ProbeDefinition } from './probes/probe.js';
import { enrollingTransport, tokenSource } from './enrol/enrol.js';
import { Outbox } from './outbox/outbox.js';
import { spoolDir } from './backup/spool.js';
import { failoverTransport } from './failover.js';
import { httpTransport, type Transport } from './push.js';
import { ReportQueue } from './report-queue.js';
import { ProbeRunner, SLOW_STAGGER_MS, describeError, type ScheduledProbe } from './runner.js';
import { killAllChildren } from './exec/children.js';

/** The agent's stop takes at most this long (the process exits by 5 s: cli/agent-run.ts). */
export const STOP_BUDGET_MS = 3500;
/** Bounds of the slow-probe timer: never a busy loop, and a clock that jumped is looked at again within a minute. */
const SLOW_TIMER_MIN_MS = 250;
const SLOW_TIMER_MAX_MS = 60_000;

export interface AgentDeps {
  log: Logger;
  clock?: Clock;
  transport?: Transport;
  probes?: readonly ProbeDefinition[];
  procRoot?: string;
  sysRoot?: string;
}

export interface RunningAgent {
  /** Runs one cycle now (tests); resolves when its report has been handed to the queue and drained. */
  cycle(): Promise<void>;
  stop(): Promise<void>;
}

export async function startAgent(config: AgentConfig, deps: AgentDeps): Promise<RunningAgent> {
  const log = deps.log.child({ device: config.device });
  const procRoot = deps.procRoot ?? '/proc';
  const clock = deps.clock ?? systemClock(procRoot);
  const fastMs = config.intervals.fastSeconds * 1000;
  // A fast probe must finish well inside its interval; slow ones may take longer (inventory spawns).
  const fastTimeoutMs = Math.min(10_000, fastMs * 0.8);
  const scheduled: ScheduledProbe[] = [];
  for (const definition of deps.probes ?? probeDefinitions) {
    const settings = config.probes[definition.name];
    if (settings?.enabled === false) continue;
    const instance = definition.create({
      log: log.child({ probe: definition.name }),
      clock,
      platform: process.platform,
      stateDir: config.stateDir,
      procRoot,
      sysRoot: deps.sysRoot ?? '/sys',
      settings: settings?.settings ?? {},
      collectorUrl: config.collector.url,
    });
    const intervalMs = probeIntervalSeconds(definition, process.platform, config.intervals, settings?.intervalSeconds) * 1000;
    const timeoutMs = settings?.timeoutSeconds ? settings.timeoutSeconds * 1000 : definition.interval === 'fast' ? fastTimeoutMs : 120_000;
    scheduled.push({ definition, instance, intervalMs, timeoutMs });
  }
  for (const p of scheduled) {
    try {
      await p.instance.start?.();
    } catch (err) {
      log.warn({ probe: p.definition.name, err: describeError(err) }, 'probe could not start; its collect will report the failure');
    }
  }

  // Slow probes' first runs are spread over the first fast interval (at most SLOW_STAGGER_MS apart):
  // every one has run by the second report, and start-up is not one burst of child processes.
  const slowCount = scheduled.filter((p) => p.definition.interval === 'slow').length;
  const runner = new ProbeRunner(scheduled, log, clock.monoMs, clock.wallMs, { slowStaggerMs: Math.min(SLOW_STAGGER_MS, fastMs / Math.max(1, slowCount)) });
  const transport = deps.transport ?? (await defaultTransport(config, log));
  const reachability = new CollectorReachability(clock.monoMs, clock.wallMs);
  const ob = config.outbox;
  const outbox = await Outbox.open(spoolDir(config.stateDir, 'reports'), { maxBytes: ob.maxMegabytes * 1024 * 1024, maxReports: ob.maxReports, maxAgeMs: ob.maxAgeHours * 3_600_000 }, log.child({ component: 'outbox' }), clock.wallMs);
  const queue = new ReportQueue(transport, log, clock.monoMs, clock.wallMs, { maxReports: ob.maxReports, baseDelayMs: Math.min(fastMs, 5000), maxDelayMs: ob.maxRetrySeconds * 1000, minGapMs: 1000 / ob.drainPerSecond, reachability, outbox });
  const startedAt = clock.wallMs();
  let seq = 0;

  const cycle = async (wait = true): Promise<void> => {
    // Wait for due probes only up to the fast deadline: a slow or hanging probe reports next time.
    let budget: NodeJS.Timeout | undefined;
    await Promise.race([runner.runDue(), new Promise((r) => (budget = setTimeout(r, fastTimeoutMs)))]);
    clearTimeout(budget);
    const now = clock.wallMs();
    const snapshot = runner.snapshot();
    const report: Report = {
      schemaVersion: SCHEMA_VERSION,
      device: config.device,
      site: config.site,
      agent: { version: VERSION, platform: process.platform, startedAt },
      seq: seq++,
      createdAt: now,
      sentAt: now,
      intervalSeconds: config.intervals.fastSeconds,
      ...snapshot,
      samples: [...snapshot.samples, ...reachability.samples(queue.dropped), ...outbox.samples()],
    };
    await queue.enqueue(report);
    // The loop does not wait for a backlog to drain (that is paced); a test's cycle() does.
    const drained = queue.drain();
    if (wait) await drained;
  };

  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const loop = async (): Promise<void> => {
    const t0 = clock.monoMs();
    try {
      await cycle(false);
    } catch (err) {
      log.error({ err: describeError(err) }, 'report cycle failed');
    }
    if (!stopped) timer = setTimeout(loop, Math.max(0, fastMs - (clock.monoMs() - t0)));
  };
  timer = setTimeout(loop, 0);
  // Slow probes also start between reports, when their (staggered) time comes; a report shows each
  // one's latest outcome. Fast probes run with the report, so it carries their fresh values. One timer
  // set to the next slow probe's due time, not a ticker: a ticker every ~1.2 s woke the agent 13 times
  // per report all day long, for probes due every minute at most (BENCHMARKS.md, agent footprint).
  let slowTimer: NodeJS.Timeout | undefined;
  const scheduleSlow = (): void => {
    const due = runner.nextDueMono('slow');
    if (stopped || due === undefined) return;
    slowTimer = setTimeout(() => {
      void runner.runDue('slow');
      scheduleSlow();
    }, Math.min(SLOW_TIMER_MAX_MS, Math.max(SLOW_TIMER_MIN_MS, due - clock.monoMs())));
    slowTimer.unref();
  };
  scheduleSlow();
  log.info({ collector: config.collector.url, probes: scheduled.map((p) => p.definition.name), intervalSeconds: config.intervals.fastSeconds }, 'agent started');

  return {
    cycle: () => cycle(true),
    async stop() {
      // Within STOP_BUDGET_MS whatever the probes and their children do: running probes are aborted
      // (their commands killed), then each probe's own stop gets what is left of the budget, and any
      // child process still alive is killed. No process the agent started outlives it.
      const t0 = clock.monoMs();
      const left = () => Math.max(0, STOP_BUDGET_MS - (clock.monoMs() - t0));
      stopped = true;
      clearTimeout(timer);
      clearTimeout(slowTimer);
      queue.stop();
      await runner.stop(Math.min(1000, left()));
      killAllChildren();
      // Probes write their clean-shutdown state (the stability probe's marker) before we exit; all at
      // once, so one slow stop does not eat the others' time.
      await Promise.all(
        scheduled.map(async (p) => {
          let budget: NodeJS.Timeout | undefined;
          try {
            const outcome = await Promise.race([
              Promise.resolve(p.instance.stop?.()).then(() => 'stopped' as const),
              new Promise<'late'>((r) => (budget = setTimeout(() => r('late'), left()))),
            ]);
            if (outcome === 'late') log.warn({ probe: p.definition.name }, 'probe did not stop in time; stopping without it');
          } catch (err) {
            log.warn({ probe: p.definition.name, err: describeError(err) }, 'probe did not stop cleanly');
          } finally {
            clearTimeout(budget);
          }
        }),
      );
      const killed = killAllChildren();
      log.info({ ...(killed ? { killedChildren: killed } : {}), stopMs: Math.round(clock.monoMs() - t0) }, 'agent stopped');
    },
  };
}

/** HTTP(S) to the collector with the configured CA, the configured or enrolled token, enrolling first if needed. */
async function defaultTransport(config: AgentConfig, log: Logger): Promise<Transport> {
  const opts = { timeoutMs: config.collector.timeoutSeconds * 1000, ...(config.collector.caFile ? { ca: await readFile(config.collector.caFile) } : {}) };
  const source = await tokenSource({
    ...(config.collector.token ? { configured: config.collector.token } : {}),
    ...(config.collector.enrolSecret ? { secret: config.collector.enrolSecret } : {}),
    stateDir: config.stateDir,
    enrolRequest: { collectorUrl: config.collector.url, device: config.device, site: config.site },
    failoverUrls: config.collector.failoverUrls,
    opts,
    log,
  });
  const token = () => source.current() ?? '';
  const urls = [config.collector.url, ...config.collector.failoverUrls];
  if (urls.length === 1) return enrollingTransport(source, httpTransport(config.collector.url, token, opts));
  const failover = failoverTransport(
    urls.map((url) => ({ url, transport: httpTransport(url, token, opts) })),
    { returnAfterMs: config.collector.returnToFirstMinutes * 60_000, onSwitch: (from, to, reason) => log.warn({ from, to, reason }, 'reporting to another collector') },
  );
  return enrollingTransport(source, failover);
}
