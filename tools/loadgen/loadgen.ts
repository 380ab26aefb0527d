// Load generator: N simulated agents in one process, each with the agent's real report queue and
// (memory) outbox and the real HTTP transport, reporting every interval from a random phase. Bounded:
// a fixed duration, a cap on requests in flight, and loopback collectors only (it refuses any other
// address). Reports sent / accepted / late / refused / 5xx, lost reports and latency percentiles.
// Used by the load test (test/integration/load.test.ts) and the benchmarks.
import { createHash } from 'node:crypto';
import type { Logger } from '../../common/logger.js';
import { Outbox } from '../../agent/outbox/outbox.js';
import { httpTransport, type SendResult, type Transport } from '../../agent/push.js';
import { ReportQueue } from '../../agent/report-queue.js';
import { simulatedReport } from './report-shape.js';

export interface LoadOptions {
  url: string;
  agents: number;
  seconds: number;
  intervalSeconds: number;
  /** Requests in flight at most, over all simulated agents. */
  concurrency: number;
  /** Token per simulated device; `loadgenDevices` makes the matching collector configuration. */
  tokenSeed: string;
  site?: string;
  /** After the run, how long queued reports may take to drain before they count as lost. */
  graceSeconds?: number;
  log: Logger;
}

export interface LoadResult {
  agents: number;
  reportsMade: number;
  attempts: number;
  /** Answered 2xx (accepted, late or outdated: the collector has it). */
  accepted: number;
  retried: number;
  refused: number;
  status5xx: number;
  lost: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
}

/** Device names and tokens of the simulated agents, for the collector's `devices` list. */
export function loadgenDevices(agents: number, seed: string, site = 'loadgen'): Array<{ name: string; token: string; site: string }> {
  return Array.from({ length: agents }, (_, i) => ({ name: `sim-${String(i).padStart(5, '0')}`, token: createHash('sha256').update(`${seed}:${i}`).digest('base64url'), site }));
}

export function assertLoopback(url: string): void {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (!(host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host))) throw new Error(`loadgen only targets a collector on this machine (loopback), not ${host}`);
}

class Gate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly max: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

const percentile = (sorted: number[], p: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!);

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  assertLoopback(o.url);
  const gate = new Gate(o.concurrency);
  const latencies: number[] = [];
  const r: Omit<LoadResult, 'lost' | 'latencyMs' | 'agents'> = { reportsMade: 0, attempts: 0, accepted: 0, retried: 0, refused: 0, status5xx: 0 };
  const startedAt = Date.now();
  const mono = () => performance.now();
  const sims = loadgenDevices(o.agents, o.tokenSeed, o.site).map((d) => {
    const inner = httpTransport(o.url, d.token, { timeoutMs: 10_000 });
    const transport: Transport = {
      send: (report) =>
        gate.run(async () => {
          const t0 = mono();
          const res: SendResult = await inner.send(report);
          latencies.push(mono() - t0);
          r.attempts++;
          if (res.kind === 'sent') r.accepted++;
          else if (res.kind === 'retry') {
            r.retried++;
            if (/^HTTP 5\d\d/.test(res.reason)) r.status5xx++;
          } else r.refused++;
          return res;
        }),
    };
    const queue = new ReportQueue(transport, o.log, mono, Date.now, { maxReports: 1000, baseDelayMs: 500, maxDelayMs: 5000, outbox: Outbox.memory({ maxReports: 1000, maxBytes: 64 * 1024 * 1024, maxAgeMs: 3_600_000 }, o.log, Date.now) });
    return { ...d, queue, seq: 0 };
  });

  const endAt = startedAt + o.seconds * 1000;
  const timers: NodeJS.Timeout[] = [];
  await new Promise<void>((done) => {
    for (const sim of sims) {
      const tick = async () => {
        if (Date.now() >= endAt) return;
        r.reportsMade++;
        await sim.queue.enqueue(simulatedReport(sim.name, sim.site, startedAt, sim.seq++, Date.now(), o.intervalSeconds));
        void sim.queue.drain();
        timers.push(setTimeout(tick, o.intervalSeconds * 1000));
      };
      timers.push(setTimeout(tick, Math.random() * o.intervalSeconds * 1000));
    }
    timers.push(setTimeout(done, o.seconds * 1000));
  });
  for (const t of timers) clearTimeout(t);
  // Let the queues finish what they hold (retries included), then count what never got through.
  const graceEnd = Date.now() + (o.graceSeconds ?? 15) * 1000;
  while (Date.now() < graceEnd && sims.some((s) => s.queue.length > 0)) {
    await Promise.all(sims.map((s) => s.queue.drain()));
    await new Promise((res) => setTimeout(res, 100));
  }
  for (const s of sims) s.queue.stop();
  latencies.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    agents: o.agents,
    ...r,
    lost: sims.reduce((n, s) => n + s.queue.length + s.queue.dropped, 0),
    latencyMs: { p50: round(percentile(latencies, 50)), p95: round(percentile(latencies, 95)), p99: round(percentile(latencies, 99)), max: round(latencies.at(-1) ?? 0) },
  };
}
