// The evaluation loop: every `evaluateEverySeconds` the catalog is evaluated over what a scrape of the
// collector would see, each device's badges derived and every badge change recorded in the event
// history. The page reads the latest result; it never evaluates on its own, so history does not
// depend on anyone looking.
//
// The evaluation runs in a worker thread (evaluation-worker.ts), not in slices on the event loop. At
// 10,000 devices a pass is seconds of CPU (4.5–6.9 s measured, /work/shared/facts.md): slices that
// yield would keep the loop answering, but that CPU would still be taken from ingest and scrapes on
// the same thread, whereas a worker puts it on the machine's other core and keeps the counter
// histories out of the main heap. The main thread only copies each changed device's exposition lines
// (bytes it rendered for scrapes anyway) to the worker, a roster of the devices with what the
// collector itself knows of each, and takes back the devices whose badges changed, in chunks of a few
// thousand objects, one per event-loop turn. SQLite writes of a pass go in one transaction (several
// of at most WRITE_BATCH rows when a pass has more, e.g. a fleet's first states) on later turns,
// through the store interface (collector/store/store.ts: SQLite or PostgreSQL).
// Inspections and maintenance re-evaluate only the device concerned (`update`).
import { setImmediate as yieldTurn } from 'node:timers/promises';
import { TimeSlicer } from '../../common/time-slice.js';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../common/logger.js';
import { CatalogEvaluator, type AlertInstance, type Series } from '../../alerts/evaluate.js';
import { catalog } from '../../alerts/catalog/index.js';
import type { Indicator, ResolvedThresholds } from '../../alerts/catalog/types.js';
import type { CollectorContext } from '../context.js';
import type { DeviceRecord } from '../device-store.js';
import { deviceFamilies, familyBytes, type FamilyLines } from '../device-exposition.js';
import { collectorMetrics as cm } from '../../protocol/collector-metrics.js';
import { recordStatusChanges, type InspectionStore, type MaintenanceStore, type PendingAlert, type Store, type StoredIndicatorState } from '../store/store.js';
import { indicatorMetrics, type Badge } from './badges.js';
import type { ChunkMessage, FromWorker, PassSummary, Persist, Roster, ToWorker } from './evaluation-protocol.js';
import { packLines } from './exposition-lines.js';
import { storeReads, storeSeriesMetrics, storeSeriesOf } from './inspection-metrics.js';
import { snapshotOf } from './snapshot.js';
import { evaluationWorkerScript } from './worker-script.js';

export { startupGraceMs } from './evaluation-engine.js';

/**
 * Rows written per SQLite transaction: a pass with more is written in several, one per event-loop turn.
 * A pass usually has fewer; but when a fleet's alerts start and end by the thousand (or a fleet's first
 * states are recorded) one transaction of them all held the event loop for tens of milliseconds.
 */
const WRITE_BATCH = 100;
/** Devices (or bytes of their lines) per message to the worker: each is one memcpy on the event loop. */
const LINES_BATCH_DEVICES = 500;
const LINES_BATCH_BYTES = 2 << 20;
/** Restart delays after worker crashes: doubled per crash in a row, up to the last. */
const RESTART_MS = [1000, 2000, 5000, 15_000, 60_000];
/** Increase() windows refill from nothing after a restart: the badges that read them are partial until the longest has passed. */
const REFILL_MS = 86_400_000;

// Badges arrive from the worker as copies (structured clone) and are held per device until its badges
// change: their strings are shared and their empty alert lists are one frozen array, so 10,000 devices'
// ~11 badges each are not ~500,000 strings and arrays on the main heap (issue 18).
const sharedStrings = new Map<string, string>();
const noAlerts: Badge['firing'] = Object.freeze([]) as unknown as Badge['firing'];
function share<T extends string>(s: T): T {
  const known = sharedStrings.get(s);
  if (known !== undefined) return known as T;
  if (sharedStrings.size < 10_000) sharedStrings.set(s, s);
  return s;
}
const shareAlert = (a: AlertInstance): AlertInstance => ({ ...a, alert: share(a.alert), indicator: share(a.indicator), severity: share(a.severity), state: share(a.state) });
function shareBadges(badges: Badge[]): Badge[] {
  for (const b of badges) {
    b.indicator = share(b.indicator);
    b.state = share(b.state);
    b.firing = b.firing.length === 0 ? noAlerts : b.firing.map(shareAlert);
    b.pending = b.pending.length === 0 ? noAlerts : b.pending.map(shareAlert);
  }
  return badges;
}

export interface DeviceStatus {
  device: DeviceRecord;
  reporting: boolean;
  badges: Badge[];
  /** Since when each badge has had its state (from the history). */
  since: Record<string, number>;
  /** The device's series the catalog's alerts read (not every series it reports), as a scrape would give them now. */
  readonly series: readonly Series[];
}

export interface Degraded {
  reason: string;
  sinceMs: number;
  restarts: number;
}

export interface StatusSnapshot {
  atMs: number;
  devices: DeviceStatus[];
  notEvaluated: readonly string[];
  /** Set after the evaluation worker crashed (it is restarted; its counter windows refill). */
  degraded?: Degraded;
}

interface Inflight {
  id: number;
  only: boolean;
  devices: Map<string, { badges: Badge[]; since: Record<string, number> }>;
  persist: Persist;
  resolve(done: PassSummary): void;
  reject(err: Error): void;
}

export class StatusMonitor {
  private latest: StatusSnapshot | undefined;
  private results = new Map<string, { badges: Badge[]; since: Record<string, number> }>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private fullQueued = false;
  private startedAtMs: number | undefined;
  private worker: Worker | undefined;
  private starting: Promise<Worker> | undefined;
  /** The family lines last sent to the current worker, per device: a new array means a new report. */
  private sentLines = new WeakMap<DeviceRecord, FamilyLines>();
  private inflight: Inflight | undefined;
  private passes = 0;
  private crashes = 0;
  private crashesInRow = 0;
  private stopped = false;
  private degraded: Degraded | undefined;
  /** The last pass's worker-side figures (for logs, tests and the benchmark). */
  lastStats: PassSummary['stats'] | undefined;
  /** The metrics the evaluation and the badges read: all a snapshot has to hold. */
  private readonly wanted: ReadonlySet<string>;
  private readonly wantedFamilies: number[];
  /** Per-device series the collector computes itself, sent as roster columns. */
  private readonly rosterMetrics: string[];
  /** The rest of the registry's wanted series (fleet series without a device label). */
  private readonly registryMetrics: ReadonlySet<string>;

  constructor(
    private readonly ctx: CollectorContext,
    private readonly thresholds: ResolvedThresholds,
    indicators: readonly Indicator[],
    private readonly store: Store,
    private readonly inspections: InspectionStore,
    private readonly maintenance: MaintenanceStore,
    private readonly log: Logger,
  ) {
    this.wanted = new Set([...new CatalogEvaluator(catalog, thresholds).inputMetrics(), ...indicators.flatMap(indicatorMetrics)]);
    this.wantedFamilies = deviceFamilies.flatMap((f, i) => (this.wanted.has(f.name) ? [i] : []));
    this.rosterMetrics = [cm.deviceReporting, ...storeSeriesMetrics].filter((m) => this.wanted.has(m));
    this.registryMetrics = new Set([...this.wanted].filter((m) => !this.rosterMetrics.includes(m)));
  }

  start(everyMs: number): void {
    const run = () => {
      // A pass still queued covers this turn too: passes never pile up behind a slow one.
      if (this.fullQueued) return;
      void this.tick().catch((err: unknown) => this.log.error({ err }, 'status evaluation failed'));
    };
    run();
    this.timer = setInterval(run, everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
    const w = this.worker;
    this.worker = undefined;
    await w?.terminate();
  }

  /** Devices taken over from another collector, with their stored states: handed to the worker before the first pass that evaluates them. */
  private adoptions = new Map<string, { states: readonly StoredIndicatorState[]; pending: readonly PendingAlert[] }>();

  /**
   * A device taken over from another collector of the shared store (collector/fleet/remote-fleet.ts):
   * its evaluation here continues from the states and pending times that collector stored, so no
   * "initial" state and no transition is recorded twice.
   */
  adopt(device: string, states: readonly StoredIndicatorState[], pending: readonly PendingAlert[]): void {
    this.adoptions.set(device, { states, pending });
  }

  /** Drops a forgotten device's badge states (in memory and stored); the next evaluation no longer sees it. */
  // The worker drops the device's series and alerts itself on the next full pass, whose roster no
  // longer lists it; its stored states go now so a restarted worker does not bring them back.
  async forget(device: string): Promise<void> {
    this.results.delete(device);
    await this.store.indicators.forgetDevice(device);
    // Its alert times too: the worker drops them without ending them (evaluation-engine.ts).
    const { pending } = await this.store.indicators.ofDevice(device);
    await this.store.indicators.updatePendingAlerts([], pending);
  }

  /** The latest evaluation, evaluating now if there has been none. */
  async current(): Promise<StatusSnapshot> {
    return this.latest ?? this.tick();
  }

  /** Evaluates every device now. */
  tick(): Promise<StatusSnapshot> {
    this.fullQueued = true;
    return this.queue(() => {
      this.fullQueued = false;
      return this.pass(this.ctx.store.list(), false);
    });
  }

  /**
   * Re-evaluates only these devices now (an inspection or maintenance changed what they read), so the
   * page the technician returns to shows the effect: no full pass, no counter samples recorded.
   */
  update(names: readonly string[]): Promise<StatusSnapshot> {
    return this.queue(() => {
      const devices = names.flatMap((n) => this.ctx.store.get(n) ?? []);
      // Nothing evaluated yet: the first pass covers these devices too.
      if (!this.latest) return this.pass(this.ctx.store.list(), false);
      return this.pass(devices, true);
    });
  }

  /** The evaluation worker (tests crash it to see the monitor recover). */
  get evaluationWorker(): Worker | undefined {
    return this.worker;
  }

  private queue(run: () => Promise<StatusSnapshot>): Promise<StatusSnapshot> {
    // One pass at a time: `for` and counter histories assume increasing time.
    const next = (this.running ?? Promise.resolve()).catch(() => undefined).then(run);
    this.running = next;
    return next;
  }

  private post(w: Worker, m: ToWorker, transfer?: ArrayBuffer[]): void {
    w.postMessage(m, transfer);
  }

  private ensureWorker(): Promise<Worker> {
    if (this.worker) return Promise.resolve(this.worker);
    this.starting ??= this.spawn().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async spawn(): Promise<Worker> {
    if (this.crashesInRow > 0) await new Promise((r) => setTimeout(r, RESTART_MS[Math.min(this.crashesInRow, RESTART_MS.length) - 1]).unref());
    if (this.stopped) throw new Error('the status monitor is stopped');
    const w = new Worker(await evaluationWorkerScript(), { name: 'status-evaluation' });
    w.unref();
    const ready = new Promise<void>((resolve, reject) => {
      w.once('message', (m: FromWorker) => (m.type === 'ready' ? resolve() : reject(new Error(`unexpected first message ${m.type}`))));
      w.once('error', reject);
      w.once('exit', (code) => reject(new Error(`the evaluation worker exited with code ${code} while starting`)));
    });
    w.on('error', (err) => this.crashed(w, err));
    w.on('exit', (code) => this.crashed(w, new Error(`the evaluation worker exited with code ${code}`)));
    // The states and pending times as last persisted: what a restarted collector would start from.
    await this.drainWrites();
    const states = await this.store.indicators.currentStates();
    // On a shared store, only the devices this collector holds: the others' are evaluated by their
    // holders (a device taken over later brings its own, adopt()).
    const held = this.ctx.fleet ? (device: string | undefined) => device !== undefined && this.ctx.store.get(device) !== undefined : () => true;
    const keys = [...states.keys()].filter((k) => held(k.slice(0, k.indexOf('\u0000'))));
    this.post(w, {
      type: 'init',
      thresholds: this.thresholds,
      pending: (await this.store.indicators.pendingAlerts()).filter((a) => a.labels.device === undefined || held(a.labels.device)),
      states: { keys, states: keys.map((k) => states.get(k)!.state), since: Float64Array.from(keys, (k) => states.get(k)!.sinceMs) },
      startedAtMs: (this.startedAtMs ??= this.ctx.nowMs()),
    });
    await ready;
    w.on('message', (m: FromWorker) => this.received(m));
    this.sentLines = new WeakMap();
    this.worker = w;
    return w;
  }

  private crashed(w: Worker, err: Error): void {
    if (this.worker !== w || this.stopped) return;
    this.worker = undefined;
    this.crashes++;
    this.crashesInRow++;
    const now = this.ctx.nowMs();
    this.degraded = { reason: err.message, sinceMs: now, restarts: this.crashes };
    this.log.error({ err, restarts: this.crashes }, 'the status evaluation worker crashed: restarting it; increase() windows refill from now');
    if (this.latest) this.latest = { ...this.latest, degraded: this.degraded };
    const f = this.inflight;
    this.inflight = undefined;
    f?.reject(new Error(`the evaluation worker crashed during a pass: ${err.message}`));
    // Restarted before the next pass needs it, so the page's "degraded" is about the past, not an outage.
    void this.ensureWorker().catch((e: unknown) => this.log.error({ err: e }, 'the status evaluation worker could not be restarted'));
  }

  private received(m: FromWorker): void {
    const f = this.inflight;
    if (!f || m.type === 'ready' || m.id !== f.id) return;
    if (m.type === 'failed') {
      this.inflight = undefined;
      f.reject(new Error(`status evaluation failed in the worker: ${m.error}`));
      return;
    }
    this.take(f, m);
    if (m.last) {
      this.inflight = undefined;
      f.resolve(m.done!);
      return;
    }
    // The next chunk only on the next turn: whatever waits on the event loop goes first.
    setImmediate(() => {
      if (this.inflight === f && this.worker) this.post(this.worker, { type: 'next', id: f.id });
    });
  }

  private take(f: Inflight, c: ChunkMessage): void {
    for (const d of c.devices) f.devices.set(d.name, { badges: shareBadges(d.badges), since: d.since });
    const p = f.persist;
    for (const r of c.initial) p.initial.push(r);
    for (const r of c.changes) p.changes.push(r);
    for (const r of c.started) p.started.push(r);
    for (const r of c.ended) p.ended.push(r);
  }

  /** Hands over each device whose report changed since: its wanted families' lines, in batches. */
  private async sendLines(w: Worker, devices: readonly DeviceRecord[]): Promise<void> {
    let batch: { name: string; parts: Uint8Array[] }[] = [];
    let bytes = 0;
    const slicer = new TimeSlicer();
    const flush = () => {
      if (batch.length === 0) return;
      const packed = packLines(batch);
      this.post(w, { type: 'devices', ...packed }, [packed.bytes.buffer as ArrayBuffer, packed.offsets.buffer as ArrayBuffer]);
      batch = [];
      bytes = 0;
    };
    for (let i = 0; i < devices.length; i++) {
      const d = devices[i]!;
      const lines = this.ctx.exposition.familyLines(d);
      if (this.sentLines.get(d) === lines) continue;
      this.sentLines.set(d, lines);
      const parts: Uint8Array[] = [];
      for (const f of this.wantedFamilies) {
        const p = familyBytes(lines, f);
        if (p) parts.push(p);
      }
      batch.push({ name: d.name, parts });
      for (const p of parts) bytes += p.length;
      // Also by time: a batch of 500 devices held the loop up to ~140 ms in the benchmark's profile at 10,000 devices.
      if (batch.length >= LINES_BATCH_DEVICES || bytes >= LINES_BATCH_BYTES || slicer.due()) {
        flush();
        await slicer.next();
      }
    }
    flush();
  }

  /** The devices of a pass with what the collector itself knows of each (store series: inspections, maintenance). */
  private async roster(devices: readonly DeviceRecord[], now: number): Promise<Roster> {
    const reads = await storeReads(devices, this.inspections, this.maintenance, now);
    const storeValues = this.rosterMetrics.map(() => new Float64Array(devices.length));
    const reporting = new Uint8Array(devices.length);
    const heard = new Uint8Array(devices.length);
    // In time slices: 10,000 devices' store series are tens of milliseconds (issue 18).
    const slicer = new TimeSlicer();
    for (let i = 0; i < devices.length; i++) {
      if (slicer.due()) await slicer.next();
      const d = devices[i]!;
      reporting[i] = this.ctx.store.isReporting(d, now) ? 1 : 0;
      heard[i] = d.receivedAtMs === undefined ? 0 : 1;
      const values = storeSeriesOf(d.name, reads);
      this.rosterMetrics.forEach((m, k) => (storeValues[k]![i] = m === cm.deviceReporting ? reporting[i]! : (values[m] ?? NaN)));
    }
    return { names: devices.map((d) => d.name), sites: devices.map((d) => d.site), reporting, heard, storeMetrics: this.rosterMetrics, storeValues };
  }

  private async pass(devices: readonly DeviceRecord[], only: boolean): Promise<StatusSnapshot> {
    // The moment of the pass is when it was asked for, as the series a scrape would see then.
    const now = this.ctx.nowMs();
    const roster = await this.roster(devices, now);
    const fleet = (await snapshotOf(this.ctx.collectorRegistry, this.registryMetrics)).filter((s) => s.labels.device === undefined);
    const w = await this.ensureWorker();
    // Before the device's lines and the pass: adopting resets what the worker held for the device.
    for (const name of roster.names) {
      const a = this.adoptions.get(name);
      if (!a) continue;
      this.adoptions.delete(name);
      this.post(w, { type: 'adopt', device: name, states: a.states.map((s) => ({ indicator: s.indicator, state: s.state, sinceMs: s.sinceMs })), pending: [...a.pending] });
      this.results.delete(name);
    }
    await this.sendLines(w, devices);
    const id = ++this.passes;
    let f!: Inflight;
    const done = await new Promise<PassSummary>((resolve, reject) => {
      f = this.inflight = { id, only, devices: new Map(), persist: { initial: [], changes: [], started: [], ended: [] }, resolve, reject };
      this.post(w, { type: 'pass', id, nowMs: now, roster, fleet, only }, roster.storeValues.map((a) => a.buffer as ArrayBuffer));
    });
    this.crashesInRow = 0;
    this.lastStats = done.stats;
    if (this.degraded && now - this.degraded.sinceMs >= REFILL_MS) this.degraded = undefined;
    const snap = await this.apply(roster, f, done, only);
    for (const l of this.listeners) l(snap);
    return snap;
  }

  private readonly listeners: ((s: StatusSnapshot) => void)[] = [];

  /** Calls `fn` with every pass's snapshot (the notifier): it must not block the evaluation. */
  onPass(fn: (s: StatusSnapshot) => void): void {
    this.listeners.push(fn);
  }

  /** The pass's results into the snapshot the page reads; its rows to SQLite. */
  private async apply(roster: Roster, f: Inflight, done: PassSummary, only: boolean): Promise<StatusSnapshot> {
    for (const [name, r] of f.devices) this.results.set(name, r);
    const wanted = this.wanted;
    const exposition = this.ctx.exposition;
    const statusOf = (device: DeviceRecord, reporting: boolean): DeviceStatus => {
      const r = this.results.get(device.name) ?? { badges: [], since: {} };
      return {
        device,
        reporting,
        badges: r.badges,
        since: r.since,
        get series() {
          return exposition.series(device, wanted);
        },
      };
    };
    const devices: DeviceStatus[] = [];
    if (only && this.latest) {
      const changed = new Map(roster.names.map((n, i) => [n, i]));
      for (const s of this.latest.devices) {
        const i = changed.get(s.device.name);
        devices.push(i === undefined ? s : statusOf(s.device, roster.reporting[i] === 1));
      }
    } else {
      const inRoster = new Set(roster.names);
      for (const name of this.results.keys()) if (!inRoster.has(name)) this.results.delete(name);
      const slicer = new TimeSlicer();
      for (let i = 0; i < roster.names.length; i++) {
        if (slicer.due()) await slicer.next();
        const device = this.ctx.store.get(roster.names[i]!);
        if (device) devices.push(statusOf(device, roster.reporting[i] === 1));
      }
    }
    this.latest = { atMs: only && this.latest ? this.latest.atMs : done.atMs, devices, notEvaluated: done.notEvaluated, ...(this.degraded ? { degraded: this.degraded } : {}) };
    this.enqueueWrites(f.persist, done.atMs);
    await this.drainWrites();
    return this.latest;
  }

  private writes: { atMs: number; p: Persist }[] = [];
  private draining: Promise<void> | undefined;

  private enqueueWrites(p: Persist, atMs: number): void {
    this.writes.push({ atMs, p });
  }

  /** Writes what passes left to persist: one transaction per pass, or per WRITE_BATCH rows, one per turn. */
  private drainWrites(): Promise<void> {
    this.draining ??= (async () => {
      while (this.writes.length > 0) {
        const head = this.writes[0]!;
        let room = WRITE_BATCH;
        const take = <T>(list: T[]): T[] => {
          const part = list.splice(0, room);
          room -= part.length;
          return part;
        };
        const part: Persist = { initial: take(head.p.initial), changes: take(head.p.changes), started: take(head.p.started), ended: take(head.p.ended) };
        if (head.p.initial.length + head.p.changes.length + head.p.started.length + head.p.ended.length === 0) this.writes.shift();
        try {
          await recordStatusChanges(this.store, part, head.atMs);
        } catch (err) {
          this.log.error({ err }, 'could not record status changes');
        }
        if (this.writes.length > 0) await yieldTurn();
      }
    })().finally(() => (this.draining = undefined));
    return this.draining;
  }
}
