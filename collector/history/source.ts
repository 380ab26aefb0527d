// Where the charts' numbers come from: the collector's own downsampled tiers (EmbeddedHistorySource,
// the default) or Prometheus (prometheus-source.ts, when `prometheusUrl` is set). Both answer the one
// JSON shape of api.ts; overlays always come from the store (they are events only we have).
import type { ResolvedThresholds } from '../../alerts/catalog/types.js';
import { indicatorById } from '../../alerts/catalog/index.js';
import type { DeviceStore } from '../device-store.js';
import type { FleetDevices } from '../fleet/fleet-devices.js';
import type { BadgeState, Store } from '../store/store.js';
import type { Chart, DeviceHistory, HistoryRange, HistorySourceKind, Overlay, SiteTimeline, Sparkline, Sparklines } from './api.js';
import { storedKey } from './charts.js';
import { chartsOf, deviceTierFor, readSteps, stepsFor, timelineTierFor, type Steps, type Unwritten } from './read.js';

export interface HistorySource {
  readonly kind: HistorySourceKind;
  /** undefined: no such device. */
  device(device: string, range: HistoryRange): Promise<DeviceHistory | undefined>;
  siteTimeline(site: string, range: HistoryRange): Promise<SiteTimeline>;
  sparklines(site?: string): Promise<Sparklines>;
}

/** What both sources read besides the series. */
export interface HistoryDeps {
  db: Store;
  /** The devices the charts may show: this collector's, and on a shared store the others' too (collector/fleet/fleet-devices.ts). */
  devices: Pick<DeviceStore, 'get' | 'list'> | FleetDevices;
  thresholds: ResolvedThresholds;
  nowMs: () => number;
  /** The writer's buckets not in the store yet (embedded source). */
  unwritten?: Unwritten;
}

const stateText: Record<BadgeState, { en: string; zh: string }> = {
  normal: { en: 'normal', zh: '正常' },
  abnormal: { en: 'abnormal', zh: '异常' },
  unavailable: { en: 'unavailable', zh: '不可用' },
  not_reporting: { en: 'not reporting', zh: '未上报' },
};
const backupText: Record<string, { en: string; zh: string }> = {
  ok: { en: 'ok', zh: '成功' },
  failed: { en: 'failed', zh: '失败' },
  corrupt: { en: 'corrupt', zh: '已损坏' },
  missing: { en: 'missing', zh: '缺失' },
};

/** State changes, inspections, maintenance, boots, unclean shutdowns and backup runs of a device in [fromMs, toMs). */
export async function overlaysOf(db: Store, device: string, fromMs: number, toMs: number): Promise<Overlay[]> {
  const [events, inspections, maintenance, marks] = await Promise.all([db.events.between(fromMs, toMs, device), db.inspections.between(fromMs, toMs, device), db.maintenance.forDevice(device, 500), db.history.marks(device, fromMs, toMs)]);
  const out: Overlay[] = [];
  for (const e of events) {
    const title = indicatorById(e.indicator)?.title ?? { en: e.indicator, zh: e.indicator };
    out.push({ kind: 'state', atMs: e.atMs, indicator: e.indicator, outcome: e.to, text: { en: `${title.en}: ${stateText[e.from].en} → ${stateText[e.to].en}`, zh: `${title.zh}：${stateText[e.from].zh} → ${stateText[e.to].zh}` } });
  }
  for (const i of inspections) {
    const note = i.note ? ` — ${i.note}` : '';
    out.push({ kind: 'inspection', atMs: i.atMs, outcome: i.result, text: { en: `Inspection by ${i.user}: ${i.result === 'ok' ? 'ok' : 'fault'}${note}`, zh: `${i.user} 巡检：${i.result === 'ok' ? '正常' : '故障'}${note}` } });
  }
  for (const w of maintenance) {
    if (w.startsMs >= toMs || w.endsMs <= fromMs) continue;
    const reason = w.reason ? `: ${w.reason}` : '';
    out.push({ kind: 'maintenance', atMs: w.startsMs, endMs: w.endsMs, text: { en: `Maintenance by ${w.user}${reason}`, zh: `${w.user} 维护${reason ? `：${w.reason}` : ''}` } });
  }
  for (const k of marks) {
    if (k.kind === 'boot') out.push({ kind: 'boot', atMs: k.atMs, text: { en: 'Booted', zh: '开机' } });
    else if (k.kind === 'unclean_shutdown') out.push({ kind: 'unclean_shutdown', atMs: k.atMs, text: { en: 'Last seen alive before an unclean shutdown (crash or power loss)', zh: '非正常关机（崩溃或断电）前最后在线' } });
    else {
      const r = backupText[k.outcome] ?? { en: k.outcome, zh: k.outcome };
      out.push({ kind: 'backup', atMs: k.atMs, outcome: k.outcome, text: { en: `Backup ${k.key}: ${r.en}`, zh: `备份 ${k.key}：${r.zh}` } });
    }
  }
  return out.sort((a, b) => a.atMs - b.atMs);
}

/**
 * Per step, how many of `devices` had an indicator abnormal at some time in it, from the events
 * (indicator transitions) and each indicator's current state: before its first transition in the
 * range an indicator was in that transition's `from` state, without any it was in its current state.
 */
export async function abnormalPerStep(db: Store, devices: ReadonlySet<string>, s: Steps): Promise<number[]> {
  const [events, current] = await Promise.all([db.events.between(s.fromMs, s.toMs), db.indicators.currentStates()]);
  const perDevice = new Map<string, Set<number>>();
  const intervals = new Map<string, { device: string; state: BadgeState; fromMs: number }>();
  const mark = (device: string, fromMs: number, toMs: number) => {
    let set = perDevice.get(device);
    if (!set) perDevice.set(device, (set = new Set()));
    const a = Math.max(0, Math.floor((fromMs - s.fromMs) / s.stepMs));
    const b = Math.min(s.times.length - 1, Math.floor((Math.min(toMs, s.toMs) - 1 - s.fromMs) / s.stepMs));
    for (let i = a; i <= b; i++) set.add(i);
  };
  for (const e of events) {
    if (!devices.has(e.device)) continue;
    const id = `${e.device}\u0000${e.indicator}`;
    const cur = intervals.get(id) ?? { device: e.device, state: e.from, fromMs: s.fromMs };
    if (cur.state === 'abnormal') mark(e.device, cur.fromMs, e.atMs + 1);
    intervals.set(id, { device: e.device, state: e.to, fromMs: e.atMs });
  }
  for (const [id, v] of current) {
    const device = id.slice(0, id.indexOf('\u0000'));
    if (!devices.has(device) || intervals.has(id)) continue;
    intervals.set(id, { device, state: v.state, fromMs: Math.max(s.fromMs, v.sinceMs) });
  }
  for (const v of intervals.values()) if (v.state === 'abnormal') mark(v.device, v.fromMs, s.toMs);
  const out = new Array<number>(s.times.length).fill(0);
  for (const set of perDevice.values()) for (const i of set) out[i]!++;
  return out;
}

export class EmbeddedHistorySource implements HistorySource {
  readonly kind = 'embedded' as const;
  constructor(private readonly deps: HistoryDeps) {}

  async device(device: string, range: HistoryRange): Promise<DeviceHistory | undefined> {
    const d = this.deps.devices.get(device);
    if (!d) return undefined;
    const { tier, stepMs } = deviceTierFor[range];
    const s = stepsFor(range, stepMs, this.deps.nowMs());
    const [lines, overlays] = await Promise.all([readSteps(this.deps.db.history, [device], tier, s, this.deps.unwritten), overlaysOf(this.deps.db, device, s.fromMs, s.toMs)]);
    return { device, site: d.site, source: 'embedded', range, fromMs: s.fromMs, toMs: s.toMs, stepMs: s.stepMs, times: s.times, charts: chartsOf(lines.get(device), s.times.length, this.deps.thresholds), overlays };
  }

  async siteTimeline(site: string, range: HistoryRange): Promise<SiteTimeline> {
    const { tier, stepMs } = timelineTierFor[range];
    const s = stepsFor(range, stepMs, this.deps.nowMs());
    const names = this.deps.devices.list().filter((d) => d.site === site).map((d) => d.name);
    const lines = await readSteps(this.deps.db.history, names, tier, s, this.deps.unwritten);
    const n = s.times.length;
    const devices = new Array<number>(n).fill(0);
    const notReporting = new Array<number>(n).fill(0);
    const present = new Set<string>();
    const key = storedKey('reporting', 'reporting');
    for (const [name, l] of lines) {
      const r = l.get(key);
      if (!r) continue;
      present.add(name);
      for (let i = 0; i < n; i++) {
        if (!(r.n[i]! > 0)) continue;
        devices[i]!++;
        // Not reporting at some time in the step (the minute samples' minimum).
        if (r.min[i]! < 1) notReporting[i]!++;
      }
    }
    const abnormal = await abnormalPerStep(this.deps.db, present, s);
    // A step no device has a reporting sample for is unknown (the collector was not running), not 0.
    const known = (i: number) => devices[i]! > 0;
    return {
      site,
      source: 'embedded',
      range,
      fromMs: s.fromMs,
      toMs: s.toMs,
      stepMs: s.stepMs,
      times: s.times,
      abnormal: abnormal.map((v, i) => (known(i) ? v : null)),
      notReporting: notReporting.map((v, i) => (known(i) ? v : null)),
      devices: devices.map((v, i) => (known(i) ? v : null)),
    };
  }

  async sparklines(site?: string): Promise<Sparklines> {
    const s = stepsFor('24h', timelineTierFor['24h'].stepMs, this.deps.nowMs());
    const names = this.deps.devices.list().filter((d) => site === undefined || d.site === site).map((d) => d.name);
    const [lines, current] = await Promise.all([readSteps(this.deps.db.history, names, timelineTierFor['24h'].tier, s, this.deps.unwritten), this.deps.db.indicators.currentStates()]);
    const sparklines: Sparkline[] = [];
    for (const name of names) {
      const cs = chartsOf(lines.get(name), s.times.length, this.deps.thresholds);
      sparklines.push(...pickSparklines(name, cs, (indicator) => current.get(`${name}\u0000${indicator}`)?.state === 'abnormal'));
    }
    return { source: 'embedded', fromMs: s.fromMs, toMs: s.toMs, stepMs: s.stepMs, times: s.times, sparklines };
  }
}

/** The abnormal indicator's first chart with data (its lines' worst value per step), else CPU and memory. */
export function pickSparklines(device: string, cs: readonly Chart[], abnormal: (indicator: string) => boolean): Sparkline[] {
  const bad = cs.find((c) => c.id !== 'reporting' && abnormal(c.indicator));
  const chosen = bad ? [bad] : cs.filter((c) => c.id === 'cpu' || c.id === 'memory');
  return chosen.map((c) => ({
    device,
    chart: c.id,
    indicator: c.indicator,
    unit: c.unit,
    label: c.title,
    values: c.lines.length === 1 ? c.lines[0]!.avg : c.lines[0]!.avg.map((_, i) => worst(c.lines.map((l) => l.avg[i] ?? null))),
  }));
}

function worst(values: (number | null)[]): number | null {
  const v = values.filter((x): x is number => x !== null);
  return v.length === 0 ? null : Math.max(...v);
}

