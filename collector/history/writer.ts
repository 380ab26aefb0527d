// Writes the history off the ingest hot path. The ingest route hands each accepted report over
// (record(): synchronous, in memory, no I/O, never awaited), after the device's state is committed —
// so the durability contract (202 only after the commit) is untouched and a history write that fails
// never fails a report. Reports land in the minute they were made (the report's creation time on the
// collector's clock), so an outage's backfilled reports fill their own minutes; a minute already
// flushed receives late reports by merging (aggregate.ts), never by replacing.
//
// Every `flushEveryMs` each closed minute is rolled into the quarter-hour and hour accumulators; what
// is due goes to the store in batches (one transaction per batch, the connection released between
// batches so device-state commits are not held up): a device's minute chunk once its five minutes
// have closed, a quarter hour when it closes, the hour accumulator every quarter hour (merged, then started
// afresh). So each chunk is written about once, and a crash loses at most the last quarter hour or so
// of history (never a report: the device state is durable on its own). Readers merge what is not
// written yet (unwritten()), so charts are current to the minute. stop() writes everything. Reporting / not reporting is the collector's own view, sampled
// for every known device every `sampleEveryMs` into the current minute (never from backfilled reports).
import type { Logger } from '../../common/logger.js';
import type { Report } from '../../protocol/report.js';
import type { DeviceStore } from '../device-store.js';
import type { HistoryChunk, Store } from '../store/store.js';
import { TimeSlicer } from '../../common/time-slice.js';
import type { BucketLines } from './aggregate.js';
import { BucketArrays, LineTable, release } from './accumulators.js';
import { storedKey } from './charts.js';
import { decodeChunkAsync, encodeChunkAsync, mergeIntoChunk, type ChunkLines } from './chunk.js';
import { applyFeed, historyFeed, newMemory, type DeviceMemory, type HistoryFeed, type HistoryMark } from './extract.js';
import { bucketStart, chunkSpanMs, chunkStart, markRetentionMs, minuteTier, rollupTiers, tierById, tiers, type Tier } from './tiers.js';

export interface HistoryWriterOptions {
  flushEveryMs: number;
  sampleEveryMs: number;
  /** A bucket counts as closed this long after its end: reports made at its end are still on their way. */
  graceMs: number;
  /** Chunks per transaction. */
  batchChunks: number;
  pruneEveryMs: number;
}

// 100 chunks per transaction: writing one (a few hundred KiB and a commit) holds the event loop a few
// milliseconds, where 400 held it for tens (issue 18).
export const defaultWriterOptions: HistoryWriterOptions = { flushEveryMs: 20_000, sampleEveryMs: 15_000, graceMs: 10_000, batchChunks: 100, pruneEveryMs: 3_600_000 };

/** Marks per transaction. */
const MARKS_BATCH = 500;

/** Whether a tier's chunks are deflated: all are, as each chunk is written about once (deflate level 6: ~30 % smaller on real-looking series). */
export const compressed = (_t: Tier) => true;

/**
 * A bucket due to be written: its array as it was held (turned into lines only when its batch is
 * written, a few at a time — turning a whole flush's buckets into line objects at once was hundreds
 * of milliseconds on the event loop at 10,000 devices, issue 18).
 */
interface Pending {
  device: string;
  tier: Tier;
  bucketMs: number;
  from: BucketArrays;
  a: Float64Array;
}

const linesOf = (p: Pending): BucketLines => p.from.lines(p.a);


/** Per agent process (startedAt), the seq ranges already recorded: a resend is not counted twice. */
class SeenReports {
  private readonly byStart = new Map<number, [number, number][]>();
  /** True when (startedAt, seq) was recorded before; records it otherwise. */
  check(startedAt: number, seq: number): boolean {
    let ranges = this.byStart.get(startedAt);
    if (!ranges) {
      this.byStart.set(startedAt, (ranges = []));
      // An agent restarts now and then; keep the last few processes only.
      if (this.byStart.size > 3) this.byStart.delete(this.byStart.keys().next().value!);
    }
    for (const r of ranges) if (seq >= r[0] && seq <= r[1]) return true;
    const after = ranges.find((r) => r[1] === seq - 1);
    const before = ranges.find((r) => r[0] === seq + 1);
    if (after && before) {
      after[1] = before[1];
      ranges.splice(ranges.indexOf(before), 1);
    } else if (after) after[1] = seq;
    else if (before) before[0] = seq;
    else {
      ranges.push([seq, seq]);
      if (ranges.length > 64) ranges.shift();
    }
    return false;
  }
}

/** One device's history state in memory. */
interface DeviceState {
  mem: DeviceMemory;
  seen: SeenReports;
  table: LineTable;
  /** Minutes still open (reports may still come in for them). */
  open: BucketArrays;
  /** Closed minutes, already rolled up, waiting until their chunk closes to be written once. */
  closed: BucketArrays;
  /** Roll-up accumulators per tier, and when each was started. */
  rollups: Map<number, { arrays: BucketArrays; since: Map<number, number> }>;
}

export class HistoryWriter {
  private states = new Map<string, DeviceState>();
  /** Forgotten devices: their buckets are written at the next flush (history stays, like events), then their memory goes. */
  private leaving = new Set<string>();
  private marks: HistoryMark[] = [];
  /** Writes of a failed batch, tried again first (bounded: the oldest are dropped and logged). */
  private retry: Pending[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;
  /** Counted for the benchmark and logs. */
  readonly stats = { reports: 0, resends: 0, chunksWritten: 0, batches: 0, failedBatches: 0, dropped: 0 };
  readonly opts: HistoryWriterOptions;

  constructor(
    private readonly store: Store,
    private readonly devices: DeviceStore,
    private readonly nowMs: () => number,
    private readonly log: Logger,
    opts: Partial<HistoryWriterOptions> = {},
  ) {
    this.opts = { ...defaultWriterOptions, ...opts };
  }

  private state(device: string): DeviceState {
    let st = this.states.get(device);
    if (!st) {
      const table = new LineTable();
      st = { mem: newMemory(), seen: new SeenReports(), table, open: new BucketArrays(table), closed: new BucketArrays(table), rollups: new Map(rollupTiers.map((t) => [t.id, { arrays: new BucketArrays(table), since: new Map() }])) };
      this.states.set(device, st);
    }
    return st;
  }

  /**
   * One accepted report (status accepted, late or outdated): in memory only, at once. `feed`: the
   * report's historyFeed when made already (the ingest worker; `report` may then be without samples).
   */
  record(device: string, report: Report, receivedAtMs: number, feed?: HistoryFeed): void {
    if (this.stopped) return;
    const st = this.state(device);
    if (st.seen.check(report.agent.startedAt, report.seq)) {
      this.stats.resends++;
      return;
    }
    this.stats.reports++;
    // When it was made on the collector's clock (the device's own clock may be wrong by years).
    const atMs = receivedAtMs - Math.max(0, report.sentAt - report.createdAt);
    const bucket = bucketStart(minuteTier, atMs);
    const marks = applyFeed(device, feed ?? historyFeed(report), (report.sentAt - receivedAtMs) / 1000, st.mem, atMs, (key, kind, v) => st.open.put(bucket, st.table.slot(key, kind), v, atMs));
    if (marks.length > 0) this.marks.push(...marks);
  }

  /** The collector's view of every known device, now, into the current minute (in time slices: 10,000 devices are tens of milliseconds). */
  async sampleReporting(): Promise<void> {
    const now = this.nowMs();
    const bucket = bucketStart(minuteTier, now);
    const key = storedKey('reporting', 'reporting');
    const slicer = new TimeSlicer();
    for (const d of this.devices.list()) {
      if (slicer.due()) await slicer.next();
      // Forgotten while this pass waited for its turn: sampling it would bring its state back.
      if (!this.devices.get(d.name)) continue;
      const st = this.state(d.name);
      st.open.put(bucket, st.table.slot(key, 'gauge'), this.devices.isReporting(d, now) ? 1 : 0, now);
    }
  }

  start(): void {
    const sample = () => void this.sampleReporting().catch((err: unknown) => this.log.error({ err }, 'could not sample the reporting view'));
    sample();
    void this.prune().catch((err: unknown) => this.log.error({ err }, 'could not prune the history'));
    const every = (ms: number, fn: () => void) => {
      const t = setInterval(fn, ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.opts.sampleEveryMs, sample);
    every(this.opts.flushEveryMs, () => void this.flush().catch((err: unknown) => this.log.error({ err }, 'could not write the history')));
    every(this.opts.pruneEveryMs, () => void this.prune().catch((err: unknown) => this.log.error({ err }, 'could not prune the history')));
  }

  /** Writes everything, open buckets included, and stops. */
  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.flush({ all: true });
    this.stopped = true;
  }

  /** Writes what is due (everything with `all`); flushes never overlap. */
  flush(opts: { all?: boolean } = {}): Promise<void> {
    const run = this.flushing.then(() => this.flushNow(opts.all === true));
    this.flushing = run.catch(() => undefined);
    return run;
  }

  /** A forgotten device (collector/forget-device.ts): what it reported is still written, then its state in memory goes. */
  forget(device: string): void {
    if (this.states.has(device)) this.leaving.add(device);
  }

  /**
   * Takes what is due out of every device's state. In time slices (common/time-slice.ts): a pass over
   * 10,000 devices held the event loop for up to a second. A device is taken in one piece, and reports
   * recorded between slices land in buckets as ever (this flush or the next takes them).
   */
  private async collect(allDevices: boolean, slicer: TimeSlicer): Promise<Pending[]> {
    const now = this.nowMs();
    const span = chunkSpanMs(minuteTier);
    const out: Pending[] = [];
    for (const [device, st] of this.states) {
      if (slicer.due()) await slicer.next();
      const all = allDevices || this.leaving.has(device);
      const closed = (t: Tier, bucketMs: number) => all || bucketMs + t.stepMs + this.opts.graceMs <= now;
      // closed minutes: rolled up at once, held until their chunk closes
      for (const [bucketMs, a] of st.open.buckets) {
        if (!closed(minuteTier, bucketMs)) continue;
        st.open.buckets.delete(bucketMs);
        // Moved, not copied, unless a late report's minute is already held.
        for (const t of rollupTiers) {
          const r = st.rollups.get(t.id)!;
          const rb = bucketStart(t, bucketMs);
          if (!r.arrays.buckets.has(rb)) r.since.set(rb, now);
          r.arrays.mergeArray(rb, a);
        }
        if (st.closed.buckets.has(bucketMs)) {
          st.closed.mergeArray(bucketMs, a);
          release(a);
        } else st.closed.buckets.set(bucketMs, a);
      }
      // A minute chunk is written once, when its span has closed (a late minute: at the next flush):
      // rewriting every device's open chunk every flush cost more than the rest of the history.
      for (const [bucketMs, a] of st.closed.buckets) {
        if (!all && chunkStart(minuteTier, bucketMs) + span + this.opts.graceMs > now) continue;
        st.closed.buckets.delete(bucketMs);
        out.push({ device, tier: minuteTier, bucketMs, from: st.closed, a });
      }
      for (const t of rollupTiers) {
        const r = st.rollups.get(t.id)!;
        for (const [bucketMs, a] of r.arrays.buckets) {
          // The hour accumulator is also written (merged, then started afresh) every quarter hour.
          if (!closed(t, bucketMs) && now - (r.since.get(bucketMs) ?? now) < tierById(15).stepMs) continue;
          r.arrays.buckets.delete(bucketMs);
          r.since.delete(bucketMs);
          out.push({ device, tier: t, bucketMs, from: r.arrays, a });
        }
      }
      if (this.leaving.delete(device)) this.states.delete(device);
    }
    return out;
  }

  private async flushNow(all: boolean): Promise<void> {
    const slicer = new TimeSlicer();
    const pending = [...this.retry, ...(await this.collect(all, slicer))];
    this.retry = [];
    const marks = this.marks;
    this.marks = [];
    // Grouped by chunk: several buckets of one chunk are one read and one write.
    const byChunk = new Map<string, { device: string; tier: Tier; startMs: number; items: Pending[] }>();
    for (const p of pending) {
      if (slicer.due()) await slicer.next();
      const startMs = chunkStart(p.tier, p.bucketMs);
      const id = `${p.device}\u0000${p.tier.id}\u0000${startMs}`;
      let g = byChunk.get(id);
      if (!g) byChunk.set(id, (g = { device: p.device, tier: p.tier, startMs, items: [] }));
      g.items.push(p);
    }
    const groups = [...byChunk.values()];
    // In transactions of MARKS_BATCH: a fleet's first reports bring thousands of marks at once.
    for (let i = 0; i < marks.length; i += MARKS_BATCH) {
      try {
        await this.store.history.addMarks(marks.slice(i, i + MARKS_BATCH));
      } catch (err) {
        this.marks.unshift(...marks.slice(i));
        throw err;
      }
      if (i + MARKS_BATCH < marks.length) await slicer.next();
    }
    for (let i = 0; i < groups.length; i += this.opts.batchChunks) {
      const batch = groups.slice(i, i + this.opts.batchChunks);
      try {
        await this.writeBatch(batch, slicer);
        // Written: nothing refers to these arrays any more.
        for (const g of batch) for (const p of g.items) release(p.a);
        this.stats.batches++;
        this.stats.chunksWritten += batch.length;
      } catch (err) {
        this.stats.failedBatches++;
        for (const g of groups.slice(i)) this.retry.push(...g.items);
        const limit = 200_000;
        if (this.retry.length > limit) {
          const drop = this.retry.length - limit;
          this.retry.splice(0, drop);
          this.stats.dropped += drop;
          this.log.error({ dropped: drop }, 'history buckets dropped: the store has refused them for too long');
        }
        throw err;
      }
      // Let device-state commits and requests in between batches.
      if (i + this.opts.batchChunks < groups.length) await slicer.next();
    }
  }

  /**
   * Merges a batch's buckets into their stored chunks and writes them (one statement, one
   * transaction). The stored chunks are read before, outside that transaction, so that no
   * transaction stays open while the batch is merged in slices and deflated on the thread pool:
   * only this writer writes chunks, and its flushes never overlap.
   */
  private async writeBatch(batch: { device: string; tier: Tier; startMs: number; items: Pending[] }[], slicer: TimeSlicer): Promise<void> {
    const existing = await this.store.history.get(batch.map((g) => ({ device: g.device, tier: g.tier.id, startMs: g.startMs })));
    // All inflated at once on the thread pool, each parsed as it arrives.
    const found = new Map(
      existing.map((c) => {
        const decoding = decodeChunkAsync(tierById(c.tier), c.startMs, c.data);
        // Awaited below unless an earlier chunk of the batch failed: then it must not be an unhandled rejection.
        decoding.catch(() => undefined);
        return [`${c.device}\u0000${c.tier}\u0000${c.startMs}`, decoding] as const;
      }),
    );
    const encoding: Promise<HistoryChunk>[] = [];
    for (const g of batch) {
      if (slicer.due()) await slicer.next();
      const stored = found.get(`${g.device}\u0000${g.tier.id}\u0000${g.startMs}`);
      const chunk: ChunkLines = stored ? await stored : new Map();
      for (const p of g.items) mergeIntoChunk(g.tier, g.startMs, chunk, p.bucketMs, linesOf(p));
      encoding.push(encodeChunkAsync(g.tier, g.startMs, chunk, compressed(g.tier)).then((data) => ({ device: g.device, tier: g.tier.id, startMs: g.startMs, data })));
    }
    await this.store.history.put(await Promise.all(encoding));
  }

  /** Deletes what is past each tier's retention (a chunk goes once its last bucket is). */
  async prune(nowMs = this.nowMs()): Promise<number> {
    let removed = 0;
    for (const t of tiers) removed += await this.store.history.prune(t.id, nowMs - t.retentionMs - chunkSpanMs(t) + 1);
    removed += await this.store.history.pruneMarks(nowMs - markRetentionMs);
    return removed;
  }

  /**
   * What is not in the store yet for a device and tier, bucket by bucket (readers merge it with what
   * is stored, so a chart shows the last minutes before they are written). A batch being written at
   * this very moment is in neither place for that moment: a reader may miss it once, never count it twice.
   */
  unwritten(device: string, tierId: number): { bucketMs: number; lines: BucketLines }[] {
    const out: { bucketMs: number; lines: BucketLines }[] = [];
    const t = tierById(tierId);
    const st = this.states.get(device);
    if (st) {
      if (t.id === minuteTier.id) {
        for (const b of [st.open, st.closed]) for (const [bucketMs, a] of b.buckets) out.push({ bucketMs, lines: b.lines(a) });
      } else {
        // open minutes are not rolled up yet: they count towards their quarter hour and hour here
        for (const [bucketMs, a] of st.open.buckets) out.push({ bucketMs: bucketStart(t, bucketMs), lines: st.open.lines(a) });
        const r = st.rollups.get(t.id)!;
        for (const [bucketMs, a] of r.arrays.buckets) out.push({ bucketMs, lines: r.arrays.lines(a) });
      }
    }
    for (const p of this.retry) if (p.device === device && p.tier.id === t.id) out.push({ bucketMs: p.bucketMs, lines: linesOf(p) });
    return out;
  }

  /** Bytes of the buckets held in memory, and of the writes waiting to be retried (collector/memory-metrics.ts). */
  get heldBytes(): number {
    let n = 0;
    const add = (b: BucketArrays) => {
      for (const a of b.buckets.values()) n += a.byteLength;
    };
    for (const st of this.states.values()) {
      add(st.open);
      add(st.closed);
      for (const r of st.rollups.values()) add(r.arrays);
    }
    for (const p of this.retry) n += p.a.byteLength;
    return n;
  }

  /** Buckets held in memory (benchmark, tests). */
  get openBuckets(): number {
    let n = 0;
    for (const st of this.states.values()) n += st.open.buckets.size + st.closed.buckets.size;
    return n;
  }
}
