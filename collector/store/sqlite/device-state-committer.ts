// Commits device states from a thread of its own (issue 18). Why: at 10,000 devices (~667 reports/s)
// the device-state commit was the biggest SQLite cost on the collector's event loop — 12.6 s of a
// 90 s window, ~265 µs a report under load, because better-sqlite3 is synchronous and each batch
// waits for its fsync (synchronous=FULL) on the calling thread. On the commit thread's own
// connection the event loop only posts the rows (a copy of their strings) and awaits the answer.
// Chosen over storing the report text deflated (which halved the in-process commit, 121–128 → 59–65
// µs a 12.4 KB row, but kept the fsync's wall time on the loop and needed a migration of both stores
// and every reader of the column): this removes the whole commit, and the text stays as it arrived.
//
// The durability promise is unchanged: a batch's promise resolves only after its transaction
// committed on the commit thread (WAL, synchronous=FULL), so the ingest route still answers 202 and
// changes memory only after that. SQLite has one writer at a time: the store (index.ts) lets none of
// its own calls or transactions start while a batch is in flight, so the collector's two connections
// never wait for each other's lock — a wait would sleep on the event loop in SQLite's busy handler.
// A thread that fails or cannot start fails the batches it held (503: the agent retries; the upsert
// writes whole rows, so a batch that did commit before the failure is rewritten, never applied
// twice) and is started again for the next batch.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { DeviceStateRow } from '../store.js';
import { workerScript } from '../../worker-script.js';
import type { CommitAnswer, CommitRequest, CommitWorkerData } from './device-state-worker.js';

/**
 * WAL checkpoint thresholds (pages), per connection: SQLite's own 1000 on the commit thread, 10 times
 * that on the collector's while the thread runs. A checkpoint (copying the WAL's pages into the file,
 * an fsync) runs in whichever connection's commit crosses the threshold; with the thread writing
 * nearly all the pages (a report's text is ~3 pages) it is nearly always the thread's, and the higher
 * threshold makes "nearly" "all but when the thread is stalled". Without it, the collector's own
 * commits (status changes, history) crossed it now and then, a full checkpoint on the event loop.
 */
export const walAutocheckpointPages = { thread: 1000, collectorWhileThreadRuns: 10_000, collector: 1000 } as const;

interface Waiting {
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export class DeviceStateCommitter {
  private worker: Promise<Worker> | undefined;
  /** The thread `worker` resolved to, once started. */
  private thread: Worker | undefined;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 0;
  private idle: { promise: Promise<void>; resolve: () => void } | undefined;
  private closed = false;

  /** `onThread`: told when a thread starts (true) and when it is gone (false). */
  constructor(
    private readonly file: string,
    private readonly busyTimeoutMs: number,
    private readonly onThread: (running: boolean) => void = () => undefined,
  ) {}

  /** Resolves once `rows` are committed on the commit thread's connection, in the order of the calls. */
  commit(rows: readonly DeviceStateRow[]): Promise<void> {
    return this.send((id) => ({ id, rows })).then(() => undefined);
  }

  /** Runs a PRAGMA on the connection that commits (tests inject real write failures through it). */
  pragma(text: string): Promise<unknown> {
    return this.send((id) => ({ id, pragma: text }));
  }

  /** Settles when nothing is in flight; undefined when nothing is. */
  get busy(): Promise<void> | undefined {
    return this.idle?.promise;
  }

  /** Waits for what is in flight, then ends the thread. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.idle) await this.idle.promise;
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.then((t) => t.terminate(), () => undefined);
  }

  private send(request: (id: number) => CommitRequest): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    const id = ++this.nextId;
    if (!this.idle) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.idle = { promise, resolve };
    }
    const answered = new Promise<unknown>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    const starting = (this.worker ??= this.start());
    starting.then(
      (w) => {
        // Failed (and answered) while the thread was starting.
        if (this.waiting.has(id)) w.postMessage(request(id));
      },
      (err: unknown) => {
        // The next batch tries again.
        if (this.worker === starting) this.worker = undefined;
        this.settle(id, undefined, new Error(`could not start the device-state commit thread: ${(err as Error).message}`));
      },
    );
    return answered;
  }

  private settle(id: number, value: unknown, err?: unknown): void {
    const w = this.waiting.get(id);
    if (!w) return;
    this.waiting.delete(id);
    if (err !== undefined) w.reject(err);
    else w.resolve(value);
    if (this.waiting.size === 0 && this.idle) {
      const idle = this.idle;
      this.idle = undefined;
      idle.resolve();
    }
  }

  private failAll(err: Error): void {
    for (const id of [...this.waiting.keys()]) this.settle(id, undefined, err);
  }

  private async start(): Promise<Worker> {
    const script = await workerScript(new URL('./device-state-worker.js', import.meta.url));
    const data: CommitWorkerData = { file: this.file, busyTimeoutMs: this.busyTimeoutMs, walAutocheckpointPages: walAutocheckpointPages.thread, driver: createRequire(import.meta.url).resolve('better-sqlite3') };
    const worker = new Worker(script, { name: 'device-state-commit', workerData: data });
    // Never what keeps the process alive: the store's close ends it.
    worker.unref();
    worker.on('message', (m: CommitAnswer) => {
      if ('error' in m) this.settle(m.id, undefined, Object.assign(new Error(m.error.message), { name: m.error.name }, m.error.code !== undefined ? { code: m.error.code } : {}));
      else this.settle(m.id, m.value);
    });
    const lost = (why: string) => {
      // 'error' is followed by 'exit': the first one tells.
      if (this.thread !== worker) return;
      this.thread = undefined;
      this.worker = undefined;
      this.onThread(false);
      this.failAll(new Error(`the device-state commit thread ${why}; the batches it held are not known to be committed`));
    };
    worker.on('error', (err) => lost(`failed: ${err.message}`));
    worker.on('exit', (code) => lost(`exited (code ${code})`));
    this.thread = worker;
    this.onThread(true);
    return worker;
  }
}
