// A small pool of ingest worker threads (collector/ingest-worker.ts): the report body's bytes go in
// (transferred), prepareReport's result comes back, so the event loop keeps only the token check,
// the plan, the commit and the swap (issue 18). Started on the first report. A worker that fails is
// replaced; the reports it held, and any report while no worker can start, are prepared on the event
// loop with the same function — a fault here never turns a report into an error answer.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { prepareReport, type PrepareInput, type Prepared } from './ingest-prepare.js';
import { workerScript } from './worker-script.js';

interface Pending {
  input: PrepareInput;
  resolve: (p: Prepared) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

/**
 * One worker per core beyond the event loop's, at most 2 (a 2-core machine: 1); none when the process
 * may use a single core (a small VM, a container limited to one CPU, `taskset`): there a worker cannot
 * run beside the event loop, it only adds the copy both ways — measured on one pinned core, the
 * collector took 1,456 reports/s with a worker against 2,083 without (BENCHMARKS.md, "Collector
 * ingest"). `availableParallelism()` follows the CPU affinity mask.
 */
export function defaultIngestWorkers(cores = availableParallelism()): number {
  return Math.max(0, Math.min(2, cores - 1));
}

export class IngestPool {
  private slots: Slot[] | undefined;
  private starting: Promise<Slot[] | undefined> | undefined;
  private nextId = 0;
  private turn = 0;
  private closed = false;

  /** `size`: workers (0: none, every report prepared on the event loop); by default `defaultIngestWorkers()`. */
  constructor(
    private readonly log: { error(obj: object, msg: string): void },
    private readonly size = defaultIngestWorkers(),
  ) {}

  /** How many worker threads prepare reports (0: every report is prepared on the event loop). */
  get workers(): number {
    return this.size;
  }

  /** Prepares `input` (its text's UTF-8 bytes in `bytes`, which are transferred: do not use them after). */
  async prepare(input: PrepareInput, bytes: Uint8Array): Promise<Prepared> {
    if (this.size < 1) return prepareReport(input);
    const slots = this.slots ?? (await (this.starting ??= this.start()));
    if (!slots || this.closed) return prepareReport(input);
    const slot = slots[this.turn++ % slots.length]!;
    const id = ++this.nextId;
    // Only a buffer of its own can be transferred (a small body may share Node's pool).
    const own = bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.length ? (bytes.buffer as ArrayBuffer) : (new Uint8Array(bytes).buffer as ArrayBuffer);
    const { text: _text, ...rest } = input;
    return new Promise<Prepared>((resolve) => {
      slot.pending.set(id, { input, resolve });
      slot.worker.postMessage({ id, bytes: own, ...rest }, [own]);
    });
  }

  private async start(): Promise<Slot[] | undefined> {
    try {
      const script = await workerScript(new URL('./ingest-worker.js', import.meta.url));
      this.slots = Array.from({ length: this.size }, () => this.spawn(script));
      return this.slots;
    } catch (err) {
      this.log.error({ err }, 'could not start the ingest workers: reports are prepared on the event loop');
      return undefined;
    }
  }

  private spawn(script: string | URL): Slot {
    const worker = new Worker(script, { name: 'ingest' });
    worker.unref();
    const slot: Slot = { worker, pending: new Map() };
    worker.on('message', (m: { id: number; prepared: Prepared }) => {
      const p = slot.pending.get(m.id);
      if (!p) return;
      slot.pending.delete(m.id);
      p.resolve(m.prepared);
    });
    const failed = (err: unknown) => {
      if (this.slots?.[this.slots.indexOf(slot)] !== slot) return;
      if (!this.closed) this.log.error({ err }, 'an ingest worker failed: replaced, its reports prepared on the event loop');
      for (const p of slot.pending.values()) p.resolve(prepareReport(p.input));
      slot.pending.clear();
      const i = this.slots.indexOf(slot);
      if (!this.closed) this.slots[i] = this.spawn(script);
    };
    worker.on('error', failed);
    worker.on('exit', (code) => failed(new Error(`the ingest worker exited (${code})`)));
    return slot;
  }

  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots ?? (await this.starting) ?? [];
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}
