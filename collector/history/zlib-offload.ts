// Deflating and inflating history chunks on a thread of their own. Node's asynchronous zlib does
// the compressing on libuv's pool, but each call still costs the event loop ~100–180 µs (a zlib
// stream is made, initialised and torn down per call; measured on Node 24 for 20 KB chunks: 131 µs
// of main-thread CPU per async deflate against 184 µs for deflateRawSync), and the history writer
// deflates and inflates thousands of chunks at 10,000 devices: ~8 s of the event loop's 190 in the
// status-evaluation benchmark's profile (issue 18). Here the chunks of one event-loop turn go to the
// thread as one message and come back as one. Should the thread fail, the work falls back to
// Node's asynchronous zlib: same bytes, only slower on the event loop.
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { deflateRaw, inflateRaw } from 'node:zlib';
import { workerScript } from '../worker-script.js';

export interface ZlibRequest {
  id: number;
  op: 'deflate' | 'inflate';
  level: number;
  items: Uint8Array[];
}

export interface ZlibReply {
  id: number;
  results: Array<Uint8Array | { error: string }>;
}

type Op = ZlibRequest['op'];

interface Job {
  bytes: Uint8Array;
  resolve: (b: Buffer) => void;
  reject: (e: Error) => void;
}

/** Items and bytes per message at most: a batch is one block of work for the thread, not a backlog. */
const BATCH_ITEMS = 200;
const BATCH_BYTES = 8 * 1024 * 1024;

const deflateAsync = promisify(deflateRaw);
const inflateAsync = promisify(inflateRaw);

const LEVEL = 6;

export class ZlibOffload {
  private worker: Promise<Worker | undefined> | undefined;
  private queued: Record<Op, Job[]> = { deflate: [], inflate: [] };
  private scheduled = false;
  private nextId = 0;
  private readonly inFlight = new Map<number, { op: Op; jobs: Job[] }>();
  private w: Worker | undefined;
  private failed = false;

  deflate(bytes: Uint8Array): Promise<Buffer> {
    return this.enqueue('deflate', bytes);
  }

  inflate(bytes: Uint8Array): Promise<Buffer> {
    return this.enqueue('inflate', bytes);
  }

  private enqueue(op: Op, bytes: Uint8Array): Promise<Buffer> {
    if (this.failed) return fallback(op, bytes);
    return new Promise<Buffer>((resolve, reject) => {
      this.queued[op].push({ bytes, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => void this.send());
    });
  }

  private async send(): Promise<void> {
    this.scheduled = false;
    const worker = await (this.worker ??= this.start());
    for (const op of ['deflate', 'inflate'] as const) {
      const jobs = this.queued[op];
      this.queued[op] = [];
      if (!worker) {
        for (const j of jobs) fallback(op, j.bytes).then(j.resolve, j.reject);
        continue;
      }
      for (let i = 0; i < jobs.length; ) {
        let bytes = 0;
        let end = i;
        while (end < jobs.length && end - i < BATCH_ITEMS && (end === i || bytes + jobs[end]!.bytes.length <= BATCH_BYTES)) bytes += jobs[end++]!.bytes.length;
        const batch = jobs.slice(i, end);
        i = end;
        const id = ++this.nextId;
        this.inFlight.set(id, { op, jobs: batch });
        // Held open while it has work: a stopping collector's last history flush must finish.
        if (this.inFlight.size === 1) worker.ref();
        // Copies: the caller's bytes (a stored row, a pooled buffer) stay usable; the copies are transferred.
        const items = batch.map((j) => new Uint8Array(j.bytes));
        worker.postMessage({ id, op, level: LEVEL, items } satisfies ZlibRequest, items.map((b) => b.buffer as ArrayBuffer));
      }
    }
  }

  private async start(): Promise<Worker | undefined> {
    try {
      const w = new Worker(await workerScript(new URL('./zlib-thread.js', import.meta.url)), { name: 'history-zlib' });
      w.unref();
      this.w = w;
      w.on('message', (m: ZlibReply) => {
        const batch = this.inFlight.get(m.id);
        if (!batch) return;
        this.inFlight.delete(m.id);
        if (this.inFlight.size === 0) w.unref();
        m.results.forEach((r, k) => {
          const j = batch.jobs[k]!;
          if (r instanceof Uint8Array) j.resolve(Buffer.from(r.buffer, r.byteOffset, r.byteLength));
          else j.reject(new Error(r.error));
        });
      });
      const gone = () => this.fail();
      w.on('error', gone);
      w.on('exit', gone);
      return w;
    } catch {
      this.fail();
      return undefined;
    }
  }

  /** Stops the thread; what it held and any later work is done with Node's asynchronous zlib. */
  async close(): Promise<void> {
    const w = await this.worker;
    await w?.terminate();
    this.fail();
  }

  /** The thread is gone: what it held and everything after is done with Node's asynchronous zlib. */
  private fail(): void {
    if (this.failed) return;
    this.failed = true;
    this.w?.unref();
    // The caller's bytes were copied before they were sent: redo each job here.
    for (const [id, { op, jobs }] of this.inFlight) {
      this.inFlight.delete(id);
      for (const j of jobs) fallback(op, j.bytes).then(j.resolve, j.reject);
    }
  }
}

/** The history's one zlib thread (started with the first chunk). */
export const historyZlib = new ZlibOffload();

function fallback(op: Op, bytes: Uint8Array): Promise<Buffer> {
  return op === 'deflate' ? deflateAsync(bytes, { level: LEVEL }) : inflateAsync(bytes);
}
