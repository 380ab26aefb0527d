// The event loop's side of the scrape thread (scrape-thread.ts): starts it on `scrapeListen`, tells it
// every device's current rendering and reporting window whenever the device store changes (batched per
// turn: one message however many reports a turn applied), and restarts it on the same port if it dies.
// A batch's renderings are written as records (target-record.ts) into a ring of shared memory
// (byte-ring.ts); the thread copies them into its arena (target-arena.ts) and releases the ring. The
// renderings themselves are not shared: V8 counts a SharedArrayBuffer towards neither heap, so replaced
// renderings waited for full collections that nothing triggered (RSS +1.4 GiB in 90 s at 10,000
// devices, bench/notes/status-evaluation-under-load.md).
import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../common/logger.js';
import type { CollectorContext } from '../context.js';
import { registerMemorySeries, type ScrapeThreadStats } from '../memory-metrics.js';
import { reachableAddress } from '../reachable-address.js';
import { securityHeaders } from '../security-headers.js';
import { workerScript } from '../worker-script.js';
import { ByteRing } from './byte-ring.js';
import type { BatchBytes, FromScrapeThread, ScrapeThreadInit, TargetEntry, ToScrapeThread } from './scrape-messages.js';
import { recordLength, writeRecord } from './target-record.js';

/** How often the collector's clock is re-sent when it drifts from the thread's (a test's fake clock; a stepped system clock is the same for both). */
const CLOCK_EVERY_MS = 500;
const RESTART_AFTER_MS = 1_000;
const STOP_WAIT_MS = 5_000;
/** ~1.3 s of renderings at 10,000 devices; a batch over half of it goes as a buffer of its own. */
const RING_BYTES = 16 * 1024 * 1024;

export class ScrapeListener {
  private worker: Worker | undefined;
  private ring = ByteRing.create(RING_BYTES);
  private readonly dirty = new Set<string>();
  private scheduled = false;
  private lastSkewMs = 0;
  private seq = 0;
  private readonly acks = new Map<number, () => void>();
  private stopping = false;
  private clockTimer: NodeJS.Timeout | undefined;
  /** The bound port (port 0 in the configuration: the one the system chose, kept across restarts). */
  port = 0;
  /** The thread's last figures (collector/memory-metrics.ts). */
  stats: ScrapeThreadStats | undefined;

  private constructor(
    private readonly ctx: CollectorContext,
    private readonly init: Omit<ScrapeThreadInit, 'ring'>,
    private readonly log: Logger,
  ) {}

  /** Starts the thread and its listener; rejects with the listener's error (a port in use, a bad certificate). */
  static async start(ctx: CollectorContext, log: Logger): Promise<ScrapeListener> {
    const c = ctx.config.scrapeListen!;
    const tls = ctx.config.listen.tls;
    const init: Omit<ScrapeThreadInit, 'ring'> = {
      host: c.host ?? ctx.config.listen.host,
      port: c.port,
      ...(tls ? { tls: { cert: await readFile(tls.cert, 'utf8'), key: await readFile(tls.key, 'utf8') } } : {}),
      ...(ctx.config.scrapeAuth ? { auth: ctx.config.scrapeAuth } : {}),
      contentType: ctx.collectorRegistry.contentType,
      headers: securityHeaders(tls !== undefined),
      requestTimeoutMs: ctx.config.limits.requestTimeoutSeconds * 1000,
      nice: c.nice,
    };
    const listener = new ScrapeListener(ctx, init, log);
    await listener.spawn();
    registerMemorySeries(ctx.collectorRegistry, { scrape: () => listener.stats });
    ctx.store.onChange((name) => listener.changed(name));
    listener.clockTimer = setInterval(() => {
      if (Math.abs(listener.skew() - listener.lastSkewMs) >= 1) listener.post([], []);
    }, CLOCK_EVERY_MS).unref();
    return listener;
  }

  /** Where Prometheus reaches the listener (scrapeListen.advertiseAddress, else its host and bound port). */
  address(): string {
    return this.ctx.config.scrapeListen!.advertiseAddress ?? reachableAddress(this.init.host, this.port);
  }

  /** Resolves once the thread has every change made so far (tests; a scrape after it sees them). */
  sync(): Promise<void> {
    this.flush();
    if (!this.worker) return Promise.resolve();
    const seq = ++this.seq;
    return new Promise((resolve) => {
      this.acks.set(seq, resolve);
      this.post([], [], seq);
    });
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
    this.ring = ByteRing.create(RING_BYTES);
    const init: ScrapeThreadInit = { ...this.init, port: this.port || this.init.port, ring: { data: this.ring.data, control: this.ring.control } };
    const w = new Worker(await workerScript(new URL('./scrape-thread.js', import.meta.url)), { name: 'scrape', workerData: init });
    await new Promise<void>((resolve, reject) => {
      const early = (err: Error) => reject(err);
      w.once('error', early);
      w.once('exit', (code) => reject(new Error(`the scrape thread exited (code ${code}) before it listened`)));
      w.on('message', (m: FromScrapeThread) => {
        if (m.type === 'listening') {
          this.port = m.port;
          if (m.priorityNotRaised) this.log.info({ nice: this.init.nice, reason: m.priorityNotRaised }, 'the scrape thread runs at the collector\'s priority: allow a higher one (systemd LimitNICE=-5, docker --ulimit nice=25) for steadier scrape times on a busy machine');
          w.off('error', early);
          w.removeAllListeners('exit');
          resolve();
        } else if (m.type === 'failed') {
          reject(new Error(`scrapeListen ${init.host}:${init.port}: ${m.message}`));
          void w.terminate();
        } else if (m.type === 'stats') {
          const { type: _type, ...stats } = m;
          this.stats = stats;
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
    // After this turn: the ingest route installs the report's rendering right after the store applies it.
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    if (this.dirty.size === 0 || !this.worker) return;
    const set: TargetEntry[] = [];
    const remove: string[] = [];
    const renderings: Array<{ body: Uint8Array; ranges: Int32Array }> = [];
    let size = 0;
    for (const name of this.dirty) {
      const d = this.ctx.store.get(name);
      if (!d) {
        remove.push(name);
        continue;
      }
      const until = this.ctx.store.reportingUntil(d);
      if (d.receivedAtMs === undefined || until === undefined) {
        set.push({ name, offset: 0, length: -1 });
        continue;
      }
      const r = this.ctx.exposition.familyLines(d);
      const length = recordLength(r.body, r.ranges);
      set.push({ name, receivedAtMs: d.receivedAtMs, reportingUntilMs: until, offset: size, length });
      renderings.push(r);
      size += length;
    }
    this.dirty.clear();
    const slot = size <= RING_BYTES / 2 ? this.ring.reserve(size) : undefined;
    const into = slot ? Buffer.from(this.ring.data, slot.offset, size) : Buffer.from(new ArrayBuffer(size));
    let at = 0;
    for (const r of renderings) at = writeRecord(into, at, r.body, r.ranges);
    this.post(set, remove, 0, slot ? { ring: slot } : { bytes: into });
  }

  private skew(): number {
    return this.ctx.nowMs() - Date.now();
  }

  private post(set: TargetEntry[], remove: string[], seq = 0, batch: BatchBytes = { ring: { offset: 0, length: 0, end: -1 } }): void {
    const w = this.worker;
    if (!w) return;
    this.lastSkewMs = this.skew();
    w.postMessage({ type: 'targets', clockSkewMs: this.lastSkewMs, set, batch, remove, seq } satisfies ToScrapeThread, 'bytes' in batch ? [batch.bytes.buffer as ArrayBuffer] : []);
  }
}
