// The scrape thread's real-time scheduling, kept within a CPU budget. As SCHED_FIFO it preempts the
// collector's other threads the moment a scrape arrives (on two busy cores: a scrape's p99 ~4 ms
// instead of 9–17 ms at nice −5, bench/notes/status-evaluation-under-load.md). A real-time thread
// that kept busy would starve everything else of that core, though: a flood of requests on the scrape
// port, TLS handshakes by the thousand, a bug. So the thread watches its own CPU time and, past
// `cpuBudget` of a core over two seconds, goes back to the fair scheduler (at its nice value) for
// `pauseSeconds`, says so, and then tries again. In service it needs ~3 % of a core at 10,000 devices.
import { setThisThreadRealtime } from '../thread-priority.js';

export interface RealtimeConfig {
  enabled: boolean;
  /** SCHED_FIFO priority, 1–99: 1 is above every thread under the fair scheduler. */
  priority: number;
  /** Share of one core (0–1] the thread may use, averaged over two seconds, before it leaves real time. */
  cpuBudget: number;
  pauseSeconds: number;
}

/** What the guard tells the event loop (logged there) when the thread enters or leaves real time. */
export interface RealtimeChange {
  on: boolean;
  reason: string;
}

const TICK_MS = 1_000;
const WINDOW_TICKS = 2;

export class RealtimeGuard {
  /** Whether the thread runs real-time now. */
  on = false;
  /** Times the budget sent it back to the fair scheduler. */
  pauses = 0;
  private timer: NodeJS.Timeout | undefined;
  private last = process.threadCpuUsage();
  private lastAt = performance.now();
  private readonly shares: number[] = [];
  private stopped = false;

  constructor(
    private readonly config: RealtimeConfig,
    private readonly tell: (change: RealtimeChange) => void,
  ) {}

  /** Enters real time; resolves with why not (disabled, not allowed, no chrt). */
  async start(): Promise<string | undefined> {
    if (!this.config.enabled) return 'scrapeListen.realtime.enabled is false';
    const why = await this.enter();
    if (why === undefined) {
      this.timer = setInterval(() => this.tick(), TICK_MS);
      this.timer.unref();
    }
    return why;
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  private async enter(): Promise<string | undefined> {
    const why = await setThisThreadRealtime(this.config.priority);
    this.on = why === undefined;
    this.shares.length = 0;
    this.last = process.threadCpuUsage();
    this.lastAt = performance.now();
    return why;
  }

  private tick(): void {
    const now = performance.now();
    const cpu = process.threadCpuUsage(this.last);
    this.last = process.threadCpuUsage();
    const share = (cpu.user + cpu.system) / 1000 / Math.max(1, now - this.lastAt);
    this.lastAt = now;
    if (!this.on) return;
    this.shares.push(share);
    if (this.shares.length > WINDOW_TICKS) this.shares.shift();
    const mean = this.shares.reduce((a, b) => a + b, 0) / this.shares.length;
    if (this.shares.length === WINDOW_TICKS && mean > this.config.cpuBudget) void this.pause(mean);
  }

  private async pause(share: number): Promise<void> {
    this.on = false;
    this.pauses++;
    const why = await setThisThreadRealtime(0);
    const used = `used ${Math.round(share * 100)} % of a core over ${WINDOW_TICKS} s (budget ${Math.round(this.config.cpuBudget * 100)} %)`;
    if (why !== undefined) {
      // Still real-time and nothing else keeps it in check: end the thread (the event loop logs this
      // error and starts a new one, whose start tries real time afresh) rather than starve the core.
      throw new Error(`the scrape thread ${used} and could not leave real-time scheduling: ${why}`);
    }
    this.tell({ on: false, reason: `${used}; back to the fair scheduler for ${this.config.pauseSeconds} s` });
    setTimeout(() => void this.resume(), this.config.pauseSeconds * 1000).unref();
  }

  private async resume(): Promise<void> {
    if (this.stopped) return;
    const why = await this.enter();
    this.tell(why === undefined ? { on: true, reason: `real-time again after a pause of ${this.config.pauseSeconds} s` } : { on: false, reason: `could not enter real time again: ${why}` });
  }
}
