// The event loop's side of the scrape thread (scrape-thread.ts): starts it on `scrapeListen`, tells it
// every device's current rendering and reporting window whenever the device store changes (gathered for
// 25 ms, then written as frames: target-frame.ts), and restarts it on the same port if it dies. The
// frames go through a ring of shared memory (byte-ring.ts) that the thread reads on its own timer and
// copies into its arena (target-arena.ts): no message per change, whose port mutex the real-time thread
// would wait on behind the event loop. The renderings themselves are not shared: V8 counts a
// SharedArrayBuffer towards neither heap, so replaced renderings waited for full collections that
// nothing triggered (RSS +1.4 GiB in 90 s at 10,000 devices, bench/notes/status-evaluation-under-load.md).
import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../common/logger.js';
import type { CollectorContext } from '../context.js';
import { registerMemorySeries, type ScrapeThreadStats } from '../memory-metrics.js';
import { reachableAddress } from '../reachable-address.js';
import { securityHeaders } from '../security-headers.js';
import { workerScript } from '../worker-script.js';
import { ByteRing } from './byte-ring.js';
import { readStats, STATS_BYTES, type FromScrapeThread, type ScrapeThreadInit, type ToScrapeThread } from './scrape-messages.js';
import { EXTERNAL_LENGTH, frameLength, updateLength, writeExternal, writeFrame, type TargetUpdate } from './target-frame.js';
import { recordLength, writeRecord } from './target-record.js';

/** How often the collector's clock is re-written for the thread (a test's fake clock; a stepped system clock is the same for both). */
const CLOCK_EVERY_MS = 500;
const RESTART_AFTER_MS = 1_000;
const STOP_WAIT_MS = 5_000;
/** How long changes gather before they go to the thread in one frame. */
const FLUSH_EVERY_MS = 25;
/**
 * What a frame holds at most (a device bigger than that alone, up to half the ring): ~20 renderings
 * at 10,000 devices, so that the thread applies one in well under a millisecond between scrapes.
 */
const FRAME_BYTES = 256 * 1024;
/** ~1.3 s of renderings at 10,000 devices; frames hold at most half of it (byte-ring.ts). */
const RING_BYTES = 16 * 1024 * 1024;

export class ScrapeListener {
  private worker: Worker | undefined;
  /** The ring's size for threads started from now on (a test makes it small to send frames as messages). */
  static ringBytes = RING_BYTES;
  private ring = ByteRing.create(ScrapeListener.ringBytes);
  private readonly dirty = new Set<string>();
  private scheduled = false;
  private seq = 0;
  /** sync() calls waiting for the changes before them to be written. */
  private readonly syncs: number[] = [];
  private externalId = 0;
  private statsBuffer = new SharedArrayBuffer(STATS_BYTES);
  private readonly acks = new Map<number, () => void>();
  private stopping = false;
  private clockTimer: NodeJS.Timeout | undefined;
  /** The bound port (port 0 in the configuration: the one the system chose, kept across restarts). */
  port = 0;
  /** The thread's last figures (collector/memory-metrics.ts). */
  get stats(): ScrapeThreadStats | undefined {
    return readStats(this.statsBuffer);
  }

  private constructor(
    private readonly ctx: CollectorContext,
    private readonly init: Omit<ScrapeThreadInit, 'ring' | 'stats'>,
    private readonly log: Logger,
  ) {}

  /** Starts the thread and its listener; rejects with the listener's error (a port in use, a bad certificate). */
  static async start(ctx: CollectorContext, log: Logger): Promise<ScrapeListener> {
    const c = ctx.config.scrapeListen!;
    const tls = ctx.config.listen.tls;
    const init: Omit<ScrapeThreadInit, 'ring' | 'stats'> = {
      host: c.host ?? ctx.config.listen.host,
      port: c.port,
      ...(tls ? { tls: { cert: await readFile(tls.cert, 'utf8'), key: await readFile(tls.key, 'utf8') } } : {}),
      ...(ctx.config.scrapeAuth ? { auth: ctx.config.scrapeAuth } : {}),
      contentType: ctx.collectorRegistry.contentType,
      headers: securityHeaders(tls !== undefined),
      requestTimeoutMs: ctx.config.limits.requestTimeoutSeconds * 1000,
      nice: c.nice,
      realtime: c.realtime,
    };
    const listener = new ScrapeListener(ctx, init, log);
    await listener.spawn();
    registerMemorySeries(ctx.collectorRegistry, { scrape: () => listener.stats });
    ctx.store.onChange((name) => listener.changed(name));
    listener.clockTimer = setInterval(() => listener.writeSkew(), CLOCK_EVERY_MS).unref();
    return listener;
  }

  /** Where Prometheus reaches the listener (scrapeListen.advertiseAddress, else its host and bound port). */
  address(): string {
    return this.ctx.config.scrapeListen!.advertiseAddress ?? reachableAddress(this.init.host, this.port);
  }

  /** Resolves once the thread has every change made so far (tests; a scrape after it sees them). */
  sync(): Promise<void> {
    if (!this.worker) return Promise.resolve();
    const seq = ++this.seq;
    const applied = new Promise<void>((resolve) => this.acks.set(seq, resolve));
    this.syncs.push(seq);
    this.flush();
    return applied;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.clockTimer);
    const w = this.worker;
    if (!w) return;
    const closed = new Promise<void>((resolve) => {
      w.on('message', (m: FromScrapeThread) => m.type === 'closed' && resolve());
      w.once('exit', () => resolve());
    });
    w.postMessage({ type: 'close' } satisfies ToScrapeThread);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise((r) => (timer = setTimeout(r, STOP_WAIT_MS)))]);
    clearTimeout(timer);
    await w.terminate();
    for (const resolve of this.acks.values()) resolve();
    this.acks.clear();
  }

  private async spawn(): Promise<void> {
    // A ring of its own for each thread started: what the last one had not released is not waited for.
    this.ring = ByteRing.create(ScrapeListener.ringBytes);
    this.statsBuffer = new SharedArrayBuffer(STATS_BYTES);
    this.writeSkew();
    const init: ScrapeThreadInit = { ...this.init, port: this.port || this.init.port, ring: { data: this.ring.data, control: this.ring.control }, stats: this.statsBuffer };
    const w = new Worker(await workerScript(new URL('./scrape-thread.js', import.meta.url)), { name: 'scrape', workerData: init });
    await new Promise<void>((resolve, reject) => {
      const early = (err: Error) => reject(err);
      w.once('error', early);
      w.once('exit', (code) => reject(new Error(`the scrape thread exited (code ${code}) before it listened`)));
      w.on('message', (m: FromScrapeThread) => {
        if (m.type === 'listening') {
          this.port = m.port;
          if (m.priorityNotRaised) this.log.info({ nice: this.init.nice, reason: m.priorityNotRaised }, 'the scrape thread runs at the collector\'s priority: allow a higher one (systemd LimitNICE=-5, docker --ulimit nice=25) for steadier scrape times on a busy machine');
          if (m.notRealtime && this.init.realtime.enabled) this.log.info({ reason: m.notRealtime }, 'the scrape thread does not run real-time: allow it (systemd LimitRTPRIO=1, docker --cap-add SYS_NICE) for scrape times that do not wait for busy cores');
          else if (!m.notRealtime) this.log.info({ priority: this.init.realtime.priority, cpuBudget: this.init.realtime.cpuBudget }, 'the scrape thread runs real-time (SCHED_FIFO) within its CPU budget');
          w.off('error', early);
          w.removeAllListeners('exit');
          resolve();
        } else if (m.type === 'failed') {
          reject(new Error(`scrapeListen ${init.host}:${init.port}: ${m.message}`));
          void w.terminate();
        } else if (m.type === 'realtime') {
          if (m.on) this.log.info({ reason: m.reason }, 'the scrape thread runs real-time again');
          else this.log.warn({ reason: m.reason }, 'the scrape thread left real-time scheduling');
        } else if (m.type === 'applied') {
          this.acks.get(m.seq)?.();
          this.acks.delete(m.seq);
        }
      });
    });
    this.worker = w;
    w.unref();
    w.on('error', (err) => this.log.error({ err }, 'the scrape thread failed'));
    w.once('exit', (code) => {
      if (this.stopping || this.worker !== w) return;
      this.worker = undefined;
      this.log.error({ code }, `the scrape thread exited; restarting it on port ${this.port} in ${RESTART_AFTER_MS} ms (per-device targets on the main listener answer meanwhile)`);
      setTimeout(() => void this.restart(), RESTART_AFTER_MS).unref();
    });
    // Everything it must know: every device, as now (at start, and after a restart).
    for (const d of this.ctx.store.list()) this.dirty.add(d.name);
    this.flush();
  }

  private async restart(): Promise<void> {
    if (this.stopping) return;
    try {
      await this.spawn();
      this.log.info({ port: this.port }, 'the scrape thread listens again');
    } catch (err) {
      this.log.error({ err }, 'could not restart the scrape thread; trying again');
      setTimeout(() => void this.restart(), RESTART_AFTER_MS * 5).unref();
    }
  }

  private changed(name: string): void {
    this.dirty.add(name);
    if (this.scheduled) return;
    this.scheduled = true;
    // Not before this turn ends (the ingest route installs the report's rendering right after the
    // store applies it), and at most every FLUSH_EVERY_MS: each message wakes the thread, and a
    // real-time thread woken hundreds of times a second preempts the rest of the collector as often
    // for little (a target is scraped every 15 s or so; it is at most this much behind the main listener).
    setTimeout(() => this.flush(), FLUSH_EVERY_MS);
  }

  private flush(): void {
    this.scheduled = false;
    this.writeSkew();
    const w = this.worker;
    if (!w) return;
    while (this.dirty.size > 0 || this.syncs.length > 0) {
      // One frame: as many changed devices as fit FRAME_BYTES; a sync's mark once none are left.
      const removed: string[] = [];
      const set: TargetUpdate[] = [];
      const taken: string[] = [];
      let length = frameLength([], []);
      for (const name of this.dirty) {
        const u = this.update(name);
        const n = u ? updateLength(u) : 2 + Buffer.byteLength(name);
        if (taken.length > 0 && length + n > Math.min(FRAME_BYTES, this.ring.maxFrame)) break;
        taken.push(name);
        length += n;
        if (u) set.push(u);
        else removed.push(name);
      }
      const seq = taken.length === 0 ? this.syncs[0]! : 0;
      if (length <= this.ring.maxFrame) {
        if (!this.ring.write(length, (bytes, at) => writeFrame(bytes, at, seq, removed, set))) return this.later();
      } else {
        // One device whose rendering is bigger than half the ring: its frame goes as a message, and
        // the ring says where it belongs so that the thread applies the frames in order.
        const id = ++this.externalId;
        if (!this.ring.write(EXTERNAL_LENGTH, (bytes, at) => writeExternal(bytes, at, id))) return this.later();
        const bytes = Buffer.from(new ArrayBuffer(length));
        writeFrame(bytes, 0, seq, removed, set);
        w.postMessage({ type: 'frame', id, bytes } satisfies ToScrapeThread, [bytes.buffer as ArrayBuffer]);
      }
      for (const name of taken) this.dirty.delete(name);
      if (seq > 0) this.syncs.shift();
    }
  }

  /** The ring is full (the thread has not read it yet): what is left waits for the next round. */
  private later(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => this.flush(), FLUSH_EVERY_MS);
  }

  /** What the thread must know of device `name` now; undefined when the device is gone. */
  private update(name: string): TargetUpdate | undefined {
    const d = this.ctx.store.get(name);
    if (!d) return undefined;
    const until = this.ctx.store.reportingUntil(d);
    if (d.receivedAtMs === undefined || until === undefined) return { name };
    const r = this.ctx.exposition.familyLines(d);
    return { name, receivedAtMs: d.receivedAtMs, reportingUntilMs: until, record: { length: recordLength(r.body, r.ranges), write: (into, at) => writeRecord(into, at, r.body, r.ranges) } };
  }

  /** The collector's clock for the thread, as its offset from the thread's Date.now(). */
  private writeSkew(): void {
    Atomics.store(this.ring.shared, ByteRing.OWNER, BigInt(Math.round(this.ctx.nowMs() - Date.now())));
  }
}
