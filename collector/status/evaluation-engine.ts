// The status evaluation itself, as the worker thread runs it (evaluation-worker.ts): it keeps each
// device's series (parsed from the exposition text the main thread hands over when a report changed
// them), the catalog evaluator with its counter histories and pending times, and each badge's state;
// a pass evaluates the catalog over the snapshot a scrape would see, derives badges and transitions,
// and returns only what the main thread must know — devices whose badges changed, rows to persist —
// in chunks of bounded size.
import { catalog } from '../../alerts/catalog/index.js';
import { CatalogEvaluator, type AlertInstance, type Labels, type Series } from '../../alerts/evaluate.js';
import type { Indicator } from '../../alerts/catalog/types.js';
import type { BadgeState, DeviceEvent } from '../store/store.js';
import { badgeIndicators, deviceBadges, indicatorMetrics, type Badge } from './badges.js';
import type { AdoptMessage, ChunkMessage, DeviceResult, DevicesMessage, InitMessage, PassMessage, Persist } from './evaluation-protocol.js';
import { unpackDevice } from './exposition-lines.js';

/** How long after start a device that has not reported yet keeps its recorded states. */
export const startupGraceMs = 5 * 60_000;
/**
 * Objects per chunk, roughly: what the main thread deserializes in one event-loop turn (a few
 * thousand small objects: about a millisecond).
 */
const CHUNK_UNITS = 3000;

export class EvaluationEngine {
  private readonly evaluator: CatalogEvaluator;
  readonly indicators: readonly Indicator[] = badgeIndicators(catalog);
  private readonly metricsOf = new Map(this.indicators.map((i) => [i.id, new Set(indicatorMetrics(i))]));
  private readonly seriesOf = new Map<string, Series[]>();
  private readonly states: Map<string, { state: BadgeState; sinceMs: number }>;
  private readonly sent = new Map<string, string>();
  /** `{device, site}` per device, the same object while the site stays: the evaluator caches per labels object. */
  private readonly baseLabels = new Map<string, Labels>();
  private readonly startedAtMs: number;
  private outbox: { id: number; chunks: ChunkMessage[] } | undefined;

  constructor(init: InitMessage) {
    this.evaluator = new CatalogEvaluator(catalog, init.thresholds);
    this.evaluator.restore(init.pending);
    this.states = new Map(init.states.keys.map((k, i) => [k, { state: init.states.states[i]!, sinceMs: init.states.since[i]! }]));
    this.startedAtMs = init.startedAtMs;
  }

  devices(msg: DevicesMessage): void {
    for (let i = 0; i < msg.names.length; i++) {
      const name = msg.names[i]!;
      this.seriesOf.set(name, keepUnchanged(this.seriesOf.get(name), unpackDevice(msg, i)));
    }
  }

  forget(names: readonly string[]): void {
    for (const name of names) {
      this.seriesOf.delete(name);
      this.sent.delete(name);
      this.baseLabels.delete(name);
      this.evaluator.forget(name);
      for (const key of this.states.keys()) if (key.startsWith(`${name}\u0000`)) this.states.delete(key);
    }
  }

  /** A device taken over from another collector: what it held for the device goes, the stored states and pending times come in. */
  adopt(msg: AdoptMessage): void {
    this.forget([msg.device]);
    for (const s of msg.states) this.states.set(`${msg.device}\u0000${s.indicator}`, { state: s.state, sinceMs: s.sinceMs });
    this.evaluator.restore(msg.pending);
  }

  private labelsOf(name: string, site: string): Labels {
    let l = this.baseLabels.get(name);
    if (l?.site !== site) this.baseLabels.set(name, (l = { device: name, site }));
    return l;
  }

  /** Runs a pass and returns its first chunk; the rest come from next(). */
  pass(msg: PassMessage): ChunkMessage {
    const { roster, nowMs: now } = msg;
    const justStarted = now - this.startedAtMs < startupGraceMs;
    const t0 = performance.now();
    const snapshot: Series[] = [...msg.fleet];
    const byDevice: Series[][] = [];
    for (let i = 0; i < roster.names.length; i++) {
      const name = roster.names[i]!;
      const base = this.labelsOf(name, roster.sites[i]!);
      const list: Series[] = [];
      // In the order the collector's registry lists them: the store's series, then the device's own.
      roster.storeMetrics.forEach((metric, k) => {
        const v = roster.storeValues[k]![i]!;
        if (!Number.isNaN(v)) list.push({ metric, labels: base, value: v });
      });
      if (roster.reporting[i]) for (const s of this.seriesOf.get(name) ?? []) list.push(s);
      byDevice.push(list);
    }
    // By metric as before: registry series of every device first, then each reporting device's series.
    for (let i = 0; i < byDevice.length; i++) for (const s of byDevice[i]!) if (s.labels === this.baseLabels.get(roster.names[i]!)) snapshot.push(s);
    for (let i = 0; i < byDevice.length; i++) for (const s of byDevice[i]!) if (s.labels !== this.baseLabels.get(roster.names[i]!)) snapshot.push(s);
    // Alert times of devices this collector does not evaluate (another collector's, restored with the
    // store's at start, or one handed over) are dropped, not ended: ending them would delete their
    // holder's rows. A forgotten device's rows are deleted by the monitor (StatusMonitor.forget).
    if (!msg.only) this.evaluator.keepOnly(new Set(roster.names));
    const evaluation = this.evaluator.evaluate(snapshot, now, msg.only ? new Set(roster.names) : undefined);
    const t1 = performance.now();
    const alertsByDevice = new Map<string, AlertInstance[]>();
    for (const a of evaluation.alerts) {
      const d = a.labels.device;
      if (d === undefined) continue;
      let list = alertsByDevice.get(d);
      if (!list) alertsByDevice.set(d, (list = []));
      list.push(a);
    }
    const persist: Persist = { initial: [], changes: [], started: evaluation.started.map((a) => ({ alert: a.alert, labels: a.labels, activeAtMs: a.activeAtMs })), ended: [...evaluation.ended] };
    const results: DeviceResult[] = [];
    const inRoster = new Set<string>();
    for (let i = 0; i < roster.names.length; i++) {
      const name = roster.names[i]!;
      const site = roster.sites[i]!;
      inRoster.add(name);
      const series = byDevice[i]!;
      const badges = deviceBadges({ name }, roster.reporting[i] === 1, this.indicators, alertsByDevice.get(name) ?? [], series);
      const since: Record<string, number> = {};
      const unheard = justStarted && roster.heard[i] === 0;
      for (const b of badges) {
        const key = `${name}\u0000${b.indicator}`;
        if (unheard) {
          since[b.indicator] = this.states.get(key)?.sinceMs ?? now;
          continue;
        }
        const before = this.states.get(key);
        if (!before) persist.initial.push({ device: name, indicator: b.indicator, state: b.state });
        else if (before.state !== b.state) persist.changes.push(this.event(name, site, b, before.state, series, now));
        if (!before || before.state !== b.state) this.states.set(key, { state: b.state, sinceMs: now });
        since[b.indicator] = this.states.get(key)!.sinceMs;
      }
      let sig = '';
      for (const b of badges) {
        sig += `${b.state}${b.severity ?? ''}@${since[b.indicator]}`;
        // Values too: the page shows each alert's current value, as the in-process evaluation did.
        for (const a of b.firing) sig += `|f${a.key}@${a.activeAtMs}=${a.value}`;
        for (const a of b.pending) sig += `|p${a.key}@${a.activeAtMs}=${a.value}`;
        sig += ';';
      }
      // A device whose badges, alerts and values are as last sent is not sent again.
      if (msg.only || this.sent.get(name) !== sig) {
        results.push({ name, badges, since });
        this.sent.set(name, sig);
      }
    }
    // A device no longer in the store (forgotten) takes its series, histories and states with it.
    if (!msg.only) for (const name of new Set([...this.sent.keys(), ...this.seriesOf.keys()])) if (!inRoster.has(name)) this.forget([name]);
    const t2 = performance.now();
    const counters = this.evaluator.counterStats();
    const done = {
      atMs: now,
      notEvaluated: [...evaluation.notEvaluated],
      stats: { threadId: 0, devices: roster.names.length, series: snapshot.length, evaluateMs: t1 - t0, badgesMs: t2 - t1, counters, heapUsedBytes: process.memoryUsage().heapUsed },
    };
    const chunks = chunk(msg.id, results, persist);
    chunks[chunks.length - 1]!.done = done;
    this.outbox = { id: msg.id, chunks };
    return this.next(msg.id)!;
  }

  /** The next chunk of pass `id`, if any is left. */
  next(id: number): ChunkMessage | undefined {
    if (this.outbox?.id !== id) return undefined;
    const c = this.outbox.chunks.shift();
    if (this.outbox.chunks.length === 0) this.outbox = undefined;
    return c;
  }

  private event(device: string, site: string, b: Badge, from: BadgeState, series: readonly Series[], now: number): Omit<DeviceEvent, 'id'> {
    const metrics = this.metricsOf.get(b.indicator)!;
    return {
      device,
      site,
      indicator: b.indicator,
      from,
      to: b.state,
      atMs: now,
      detail: {
        alerts: b.firing.map((a) => ({ alert: a.alert, severity: a.severity, labels: a.labels, value: a.value })),
        readings: series.filter((s) => metrics.has(s.metric)).slice(0, 30).map((s) => ({ metric: s.metric, labels: s.labels, value: s.value })),
      },
    };
  }
}

/** Splits a pass's results into chunks of about CHUNK_UNITS objects each. */
function chunk(id: number, devices: DeviceResult[], p: Persist): ChunkMessage[] {
  const chunks: ChunkMessage[] = [];
  let cur: ChunkMessage | undefined;
  let units = 0;
  const take = (cost: number): ChunkMessage => {
    if (!cur || units + cost > CHUNK_UNITS) {
      chunks.push((cur = { type: 'chunk', id, devices: [], initial: [], changes: [], started: [], ended: [], last: false }));
      units = 0;
    }
    units += cost;
    return cur;
  };
  for (const d of devices) take(d.badges.length * 2 + d.badges.reduce((n, b) => n + 3 * (b.firing.length + b.pending.length), 0)).devices.push(d);
  for (const r of p.initial) take(1).initial.push(r);
  for (const r of p.changes) take(10 + r.detail.readings.length * 2).changes.push(r);
  for (const r of p.started) take(2).started.push(r);
  for (const r of p.ended) take(2).ended.push(r);
  if (chunks.length === 0) take(0);
  chunks[chunks.length - 1]!.last = true;
  return chunks;
}

/**
 * A device's new series, with each one whose metric and labels are those of the series at the same
 * place before replaced by that old object, its value updated: a report usually changes values only,
 * so the worker keeps its series objects (and the evaluator its per-labels caches, alerts/evaluate.ts)
 * instead of ~1.3 million new ones every 15 s at 10,000 devices, which lived until the next report
 * and filled the old generation (a 1–2 GB heap, collected by V8's helper threads that every thread of
 * the collector shares). The new objects die young. Safe because nothing keeps a series object past
 * a pass: the pass reads them synchronously and copies what it reports.
 */
export function keepUnchanged(before: readonly Series[] | undefined, after: Series[]): Series[] {
  if (!before) return after;
  for (let k = 0; k < after.length; k++) {
    const old = before[k];
    const now = after[k]!;
    if (old === undefined || old.metric !== now.metric || !sameLabels(old.labels, now.labels)) continue;
    (old as { value: number }).value = now.value;
    after[k] = old;
  }
  return after;
}

function sameLabels(a: Labels, b: Labels): boolean {
  let n = 0;
  for (const k in a) {
    if (a[k] !== b[k]) return false;
    n++;
  }
  for (const _ in b) n--;
  return n === 0;
}
