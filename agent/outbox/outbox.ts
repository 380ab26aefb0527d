// The agent's durable outbox: every report waits here, oldest first, until the collector has
// acknowledged it. One file per report in the state directory's spool (the convention of the
// backup-report spool: owner-only directory, `rejected/` beside), written with the atomic helper
// (temporary file, fsync, rename) and the directory fsynced, so after a crash or power loss a
// report is either whole or absent — never torn. A report is deleted only after the collector's
// answer; one resent after a crash between answer and delete is recognised by the collector by
// (agent.startedAt, seq) and not applied twice. Bounded by size, count and age (thinning.ts).
// When the disk refuses a write (full, read-only) reports wait in memory, bounded, and the
// `agent_outbox_memory_only` gauge says so instead of the agent crashing.
import { open, readFile, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { readJsonFile, writeFileAtomic } from '../../common/atomic-file.js';
import type { Logger } from '../../common/logger.js';
import { m } from '../../protocol/metrics.js';
import { reportProblems, type Report, type Sample } from '../../protocol/report.js';
import { REJECTED, ensureSpoolDir } from '../backup/spool.js';
import { itemsToDrop, type OutboxLimits, type QueuedItem } from './thinning.js';

export type { OutboxLimits };

interface Item extends QueuedItem {
  /** On disk: the file name; in memory: the report itself. */
  file?: string;
  report?: Report;
  /**
   * Written by this process (atomically: whole or absent): read back, it needs no schema check. Only
   * files from an earlier run (another agent version, something else's write) are checked — which
   * spares the agent the compiled report checker and its 1-2 MiB of memory (protocol/report.ts).
   */
  ours?: boolean;
}

const FILE = /^(\d{12})-(\d{1,16})\.json$/;
const STATE_FILE = 'outbox-state.json';
/** While the disk refuses writes, at most this much waits in memory. */
export const MEMORY_LIMITS: OutboxLimits = { maxReports: 240, maxBytes: 16 * 1024 * 1024, maxAgeMs: 24 * 3_600_000 };

export class Outbox {
  private readonly items: Item[] = [];
  private nextSeq = 0;
  private droppedCount = 0;
  private memoryOnly = false;

  private constructor(
    /** undefined: a memory-only outbox (tests, or a state directory that cannot be created). */
    private dir: string | undefined,
    private readonly limits: OutboxLimits,
    private readonly log: Logger,
    private readonly wallMs: () => number,
  ) {}

  static memory(limits: OutboxLimits, log: Logger, wallMs: () => number): Outbox {
    return new Outbox(undefined, limits, log, wallMs);
  }

  /** Opens the outbox in `dir`, picking up what an earlier run left. Never throws for I/O. */
  static async open(dir: string, limits: OutboxLimits, log: Logger, wallMs: () => number): Promise<Outbox> {
    const box = new Outbox(dir, limits, log, wallMs);
    try {
      const warning = await ensureSpoolDir(dir);
      if (warning) log.warn(warning);
      await box.load(dir);
    } catch (err) {
      box.dir = undefined;
      box.memoryOnly = true;
      log.error({ dir, err: (err as Error).message }, 'cannot use the outbox directory: reports wait in memory only');
    }
    return box;
  }

  get length(): number {
    return this.items.length;
  }

  get dropped(): number {
    return this.droppedCount;
  }

  get bytes(): number {
    return this.items.reduce((sum, it) => sum + it.bytes, 0);
  }

  /** The outbox's state as report samples. */
  samples(): Sample[] {
    return [
      { metric: m.outboxReports.name, value: this.items.length },
      { metric: m.outboxBytes.name, value: this.bytes },
      { metric: m.outboxMemoryOnly.name, value: this.memoryOnly ? 1 : 0 },
    ];
  }

  /** Queues a report: on disk when the disk takes it, else in memory. */
  async append(report: Report): Promise<void> {
    const seq = this.nextSeq++;
    const text = JSON.stringify(report);
    const bytes = Buffer.byteLength(text);
    let item: Item = { seq, createdAt: report.createdAt, bytes, report };
    if (this.dir) {
      const file = `${String(seq).padStart(12, '0')}-${Math.max(0, Math.round(report.createdAt))}.json`;
      try {
        await writeFileAtomic(join(this.dir, file), text);
        await syncDir(this.dir);
        item = { seq, createdAt: report.createdAt, bytes, file, ours: true };
        if (this.memoryOnly) this.log.info('the outbox writes to disk again');
        this.memoryOnly = false;
      } catch (err) {
        if (!this.memoryOnly) this.log.error({ dir: this.dir, err: (err as Error).message }, 'cannot write the outbox to disk: reports wait in memory until the disk takes them');
        this.memoryOnly = true;
      }
    }
    this.items.push(item);
    await this.enforceLimits();
  }

  /** The oldest report waiting. An unreadable file is moved to `rejected/` and skipped. */
  async peek(): Promise<{ seq: number; report: Report } | undefined> {
    while (this.items.length > 0) {
      const it = this.items[0]!;
      if (it.report) return { seq: it.seq, report: it.report };
      const report = await this.readItem(it);
      if (report) return { seq: it.seq, report };
      const i = this.items.indexOf(it);
      if (i >= 0) {
        this.items.splice(i, 1);
        await this.countDropped(1);
      }
    }
    return undefined;
  }

  /** The collector has answered for this report: it leaves the outbox. */
  async remove(seq: number): Promise<void> {
    const i = this.items.findIndex((it) => it.seq === seq);
    if (i < 0) return; // already thinned away while it was being sent
    const [it] = this.items.splice(i, 1);
    if (it?.file && this.dir) await unlink(join(this.dir, it.file)).catch(() => undefined);
  }

  private async load(dir: string): Promise<void> {
    const state = (await readJsonFile(join(dir, STATE_FILE)).catch(() => undefined)) as { dropped?: unknown } | undefined;
    if (typeof state?.dropped === 'number' && state.dropped >= 0) this.droppedCount = state.dropped;
    for (const name of await readdir(dir)) {
      // Left by a crash during a write: the report was never acknowledged as queued.
      if (name.endsWith('.tmp')) await unlink(join(dir, name)).catch(() => undefined);
      const match = FILE.exec(name);
      if (!match) continue;
      const st = await stat(join(dir, name));
      this.items.push({ seq: Number(match[1]), createdAt: Number(match[2]), bytes: st.size, file: name });
    }
    this.items.sort((a, b) => a.seq - b.seq);
    this.nextSeq = (this.items.at(-1)?.seq ?? -1) + 1;
    if (this.items.length > 0) this.log.info({ reports: this.items.length, bytes: this.bytes }, 'outbox holds reports from an earlier run; sending them first');
    await this.enforceLimits();
  }

  private async readItem(it: Item): Promise<Report | undefined> {
    const file = join(this.dir!, it.file!);
    let problem: string;
    try {
      const value: unknown = JSON.parse(await readFile(file, 'utf8'));
      const problems = it.ours ? [] : reportProblems(value);
      if (problems.length === 0) return value as Report;
      problem = problems.join('; ');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      problem = (err as Error).message;
    }
    this.log.error({ file, problem }, 'unreadable report in the outbox; moved aside');
    await rename(file, join(this.dir!, REJECTED, it.file!)).catch(() => unlink(file).catch(() => undefined));
    return undefined;
  }

  private async enforceLimits(): Promise<void> {
    const now = this.wallMs();
    const drop = itemsToDrop(this.items, this.limits, now);
    // Memory is the scarcer resource while the disk refuses writes.
    const inMemory = this.items.filter((it) => it.report && !drop.has(it.seq));
    if (this.dir && inMemory.length > 0) for (const seq of itemsToDrop(inMemory, MEMORY_LIMITS, now)) drop.add(seq);
    if (drop.size === 0) return;
    for (let i = this.items.length - 1; i >= 0; i--) {
      const it = this.items[i]!;
      if (!drop.has(it.seq)) continue;
      this.items.splice(i, 1);
      if (it.file && this.dir) await unlink(join(this.dir, it.file)).catch(() => undefined);
    }
    await this.countDropped(drop.size);
  }

  private async countDropped(n: number): Promise<void> {
    this.droppedCount += n;
    // The count is a counter: it survives restarts (written rarely: only when reports are dropped).
    if (this.dir) await writeFileAtomic(join(this.dir, STATE_FILE), JSON.stringify({ dropped: this.droppedCount })).catch(() => undefined);
  }
}

/** Makes a rename durable: the directory entry itself is flushed (not possible on Windows). */
async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
