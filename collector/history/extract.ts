// What one accepted report adds to its device's history: one aggregate per chart line for the minute
// the report was made in, and the marks only we can draw (boots, unclean shutdowns, backup runs).
// Counters become increases here, against the previous raw value the same device sent: a value below
// the previous one is a reset (the agent restarted, a counter file was lost), so the increase is the
// new value itself, never a negative drop. Reports older than the previous one of a series (arriving
// out of order) add no increase — the next report in order carries the whole growth — so a resend or
// a reordered replay never counts twice.
import type { Report, Sample } from '../../protocol/report.js';
import { m } from '../../protocol/metrics.js';
import { charts, storedKey, type ChartDef, type LineKind } from './charts.js';

export type MarkKind = 'boot' | 'unclean_shutdown' | 'backup';

export interface HistoryMark {
  device: string;
  kind: MarkKind;
  atMs: number;
  /** backup: the job; otherwise empty. With device, kind and atMs the mark's identity (stored once). */
  key: string;
  /** backup: ok | failed | corrupt | missing; otherwise empty. */
  outcome: string;
}

/** Per device: the previous raw value of each counter series, and the marks already seen. */
export interface DeviceMemory {
  counters: Map<string, { value: number; atMs: number }>;
  marks: Map<string, number>;
}

export const newMemory = (): DeviceMemory => ({ counters: new Map(), marks: new Map() });

const usesByMetric = new Map<string, { chart: ChartDef; role: 'value' | 'denominator' }[]>();
for (const c of charts) {
  const s = c.source;
  if (s.kind === 'clockOffset' || s.kind === 'reporting') continue;
  const add = (metric: string, role: 'value' | 'denominator') => {
    let l = usesByMetric.get(metric);
    if (!l) usesByMetric.set(metric, (l = []));
    l.push({ chart: c, role });
  };
  add(s.metric, 'value');
  if ((s.kind === 'gauge' || s.kind === 'counter') && s.denominator) add(s.denominator, 'denominator');
}

const lineOf = (c: ChartDef, s: Sample) => (c.lineLabel ? s.labels?.[c.lineLabel] : c.id);

// Stored keys by chart, suffix and line, built once: a report names the same lines every time.
const keyCache = new Map<string, Map<string, string>>();
function keyOf(chart: string, line: string, suffix = ''): string {
  const id = suffix ? chart + suffix : chart;
  let m = keyCache.get(id);
  if (!m) keyCache.set(id, (m = new Map()));
  let k = m.get(line);
  if (k === undefined) {
    k = storedKey(chart, line, suffix);
    // Label values are bounded per device, not across a fleet: keep the cache from growing without end.
    if (m.size < 10_000) m.set(line, k);
  }
  return k;
}

// Stored keys as one string each, whoever made them: a feed from an ingest worker brings copies, and
// the keys a device's memory and line table keep would otherwise be one copy per device (issue 18).
const sharedKeys = new Map<string, string>();
function sharedKey(key: string): string {
  const known = sharedKeys.get(key);
  if (known !== undefined) return known;
  if (sharedKeys.size < 50_000) sharedKeys.set(key, key);
  return key;
}

/** Where extract() puts each value: straight into the writer's bucket for the report's minute (nothing allocated per value). */
export type Put = (key: string, kind: LineKind, value: number) => void;

/**
 * What extract() reads of a report, worked out from the report alone (no device memory): each chart
 * line's value in the order the report gives them, and the marks' raw times. Made where the report is
 * parsed (the ingest worker, collector/ingest-prepare.ts), so the event loop never holds the report's
 * samples: a few typed arrays and the stored keys instead of ~130 sample objects (issue 18).
 */
export interface HistoryFeed {
  /** Stored key of each entry (the chart line, with its counter suffix). */
  keys: string[];
  /** What each entry is: see Op. */
  ops: Uint8Array;
  values: Float64Array;
  /** The last boot time / unclean shutdown in the report, in ms (the sample's seconds × 1000). */
  bootAtMs?: number;
  uncleanAtMs?: number;
  /** Backup jobs, first seen first: the job, its last run (ms), the result it reports as current. */
  backups: Array<{ job: string; atMs: number; result?: string }>;
}

/** gauge: a value (finite checked when applied); ratio: numerator / denominator of a gauge ratio; counter: a raw counter (not negative); state: a state's code. */
const enum Op {
  gauge = 0,
  ratioNum = 1,
  ratioDen = 2,
  counter = 3,
  state = 4,
}

/** The feed of one report (see HistoryFeed): pure, the same wherever it is made. */
export function historyFeed(report: Report): HistoryFeed {
  const keys: string[] = [];
  const ops: number[] = [];
  const values: number[] = [];
  const entry = (key: string, op: Op, v: number) => {
    keys.push(key);
    ops.push(op);
    values.push(v);
  };
  let bootAt: number | undefined;
  let uncleanAt: number | undefined;
  const backupRun = new Map<string, number>();
  const backupResult = new Map<string, string>();
  for (const s of report.samples) {
    if (s.metric === m.bootTime.name) bootAt = s.value * 1000;
    else if (s.metric === m.lastUncleanShutdown.name) uncleanAt = s.value * 1000;
    else if (s.metric === m.backupLastRun.name && s.labels?.backup_job) backupRun.set(s.labels.backup_job, s.value * 1000);
    else if (s.metric === m.backupLastResult.name && s.value === 1 && s.labels?.backup_job && s.labels.result) backupResult.set(s.labels.backup_job, s.labels.result);
    const uses = usesByMetric.get(s.metric);
    if (!uses) continue;
    for (const { chart: c, role } of uses) {
      const line = lineOf(c, s);
      if (line === undefined) continue;
      const src = c.source;
      if (src.kind === 'gauge') {
        if (!src.denominator) entry(keyOf(c.id, line), Op.gauge, s.value);
        else entry(keyOf(c.id, line), role === 'value' ? Op.ratioNum : Op.ratioDen, s.value);
      } else if (src.kind === 'counter') {
        if (s.value < 0) continue;
        entry(keyOf(c.id, line, src.denominator ? (role === 'value' ? '/n' : '/d') : ''), Op.counter, s.value);
      } else if (src.kind === 'state') {
        if (s.value !== 1) continue;
        const code = c.states?.find((x) => x.name === s.labels?.[src.stateLabel])?.value;
        if (code !== undefined) entry(keyOf(c.id, line), Op.state, code);
      } else if (src.kind === 'age') {
        entry(keyOf(c.id, line), Op.gauge, Math.max(0, report.createdAt / 1000 - s.value));
      }
    }
  }
  return {
    keys,
    ops: Uint8Array.from(ops),
    values: Float64Array.from(values),
    ...(bootAt !== undefined ? { bootAtMs: bootAt } : {}),
    ...(uncleanAt !== undefined ? { uncleanAtMs: uncleanAt } : {}),
    backups: [...backupRun].map(([job, atMs]) => {
      const result = backupResult.get(job);
      return result !== undefined ? { job, atMs, result } : { job, atMs };
    }),
  };
}

/**
 * `atMs`: when the report was made, on the collector's clock. `clockOffsetSeconds`: device minus
 * collector clock when it was sent (the collector's own reading). Returns the marks the report shows.
 */
export function extract(device: string, report: Report, clockOffsetSeconds: number, mem: DeviceMemory, atMs: number, put: Put): HistoryMark[] {
  return applyFeed(device, historyFeed(report), clockOffsetSeconds, mem, atMs, put);
}

/** extract() of the report `feed` was made from. */
export function applyFeed(device: string, feed: HistoryFeed, clockOffsetSeconds: number, mem: DeviceMemory, atMs: number, put: Put): HistoryMark[] {
  const marks: HistoryMark[] = [];
  const gauge = (key: string, v: number) => {
    if (Number.isFinite(v)) put(key, 'gauge', v);
  };
  // gauge ratios: numerator and denominator per line, divided once both are known
  const ratios = new Map<string, { num?: number; den?: number }>();
  const states = new Map<string, number>();
  const { keys, ops, values } = feed;
  for (let i = 0; i < keys.length; i++) {
    const key = sharedKey(keys[i]!);
    const v = values[i]!;
    switch (ops[i] as Op) {
      case Op.gauge:
        gauge(key, v);
        break;
      case Op.ratioNum:
      case Op.ratioDen: {
        const r = ratios.get(key) ?? {};
        if (ops[i] === Op.ratioNum) r.num = v;
        else r.den = v;
        ratios.set(key, r);
        break;
      }
      case Op.counter: {
        const prev = mem.counters.get(key);
        // The first report of a series (or the first after a collector restart) has nothing to compare with: no increase, not 0.
        if (!prev) {
          mem.counters.set(key, { value: v, atMs });
          break;
        }
        if (atMs <= prev.atMs) break;
        const inc = v >= prev.value ? v - prev.value : v;
        prev.value = v;
        prev.atMs = atMs;
        put(key, 'sum', inc);
        break;
      }
      case Op.state:
        states.set(key, v);
        break;
    }
  }
  for (const [key, r] of ratios) if (r.num !== undefined && r.den !== undefined && r.den > 0) gauge(key, r.num / r.den);
  for (const [key, code] of states) put(key, 'last', code);
  gauge(keyOf('clock_offset', 'clock_offset'), clockOffsetSeconds);

  // Marks: once per distinct moment (a boot time read from uptime wobbles by a second: 5 s apart is the same boot).
  const seen = (id: string, at: number, slackMs: number) => {
    const prev = mem.marks.get(id);
    if (prev !== undefined && Math.abs(prev - at) <= slackMs) return true;
    mem.marks.set(id, at);
    return false;
  };
  const bootAt = feed.bootAtMs;
  const uncleanAt = feed.uncleanAtMs;
  if (bootAt !== undefined && bootAt > 0 && !seen('boot', bootAt, 5000)) marks.push({ device, kind: 'boot', atMs: Math.round(bootAt / 1000) * 1000, key: '', outcome: '' });
  if (uncleanAt !== undefined && uncleanAt > 0 && !seen('unclean', uncleanAt, 0)) marks.push({ device, kind: 'unclean_shutdown', atMs: Math.round(uncleanAt), key: '', outcome: '' });
  for (const { job, atMs: at, result } of feed.backups) {
    if (at <= 0 || seen(`backup\u0000${job}`, at, 0)) continue;
    marks.push({ device, kind: 'backup', atMs: Math.round(at), key: job, outcome: result ?? 'unknown' });
  }
  return marks;
}
