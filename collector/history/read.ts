// Reads stored history back as chart lines: picks the tier for a range, lays out the steps, merges
// the tier's buckets into each step (a step may span several buckets: merging is associative) and
// turns aggregates into the numbers a chart draws. A step without a sample is null — a gap, never 0.
import type { Chart, ChartLine, ChartThreshold, HistoryRange } from './api.js';
import { shown, type BucketLines } from './aggregate.js';
import { charts, parseStoredKey, type ChartDef } from './charts.js';
import { aggAt, columns, decodeChunk, mergeAt, mergeColumn, type Columns } from './chunk.js';
import { chunkStart, tierById, type Tier } from './tiers.js';
import type { HistoryStore } from '../store/store.js';
import type { ResolvedThresholds } from '../../alerts/catalog/types.js';

const H = 3_600_000;
const D = 24 * H;

export const rangeMs: Record<HistoryRange, number> = { '1h': H, '24h': D, '7d': 7 * D, '30d': 30 * D, quarter: 92 * D };

/** The tier and step for a device's charts over a range: at most ~1500 points, from a tier that still holds the range. */
export const deviceTierFor: Record<HistoryRange, { tier: 1 | 15 | 60; stepMs: number }> = {
  '1h': { tier: 1, stepMs: 60_000 },
  '24h': { tier: 1, stepMs: 60_000 },
  '7d': { tier: 15, stepMs: 15 * 60_000 },
  '30d': { tier: 60, stepMs: H },
  quarter: { tier: 60, stepMs: H },
};

/** A site's timeline is coarser: a bar per step readable on a phone. */
export const timelineTierFor: Record<HistoryRange, { tier: 1 | 15 | 60; stepMs: number }> = {
  '1h': { tier: 1, stepMs: 60_000 },
  '24h': { tier: 15, stepMs: 15 * 60_000 },
  '7d': { tier: 60, stepMs: H },
  '30d': { tier: 60, stepMs: 6 * H },
  quarter: { tier: 60, stepMs: D },
};

export interface Steps {
  fromMs: number;
  toMs: number;
  stepMs: number;
  times: number[];
}

/** Steps ending with the one that holds `nowMs` (partly filled). */
export function stepsFor(range: HistoryRange, stepMs: number, nowMs: number): Steps {
  const toMs = Math.floor(nowMs / stepMs) * stepMs + stepMs;
  const fromMs = toMs - Math.ceil(rangeMs[range] / stepMs) * stepMs;
  const times: number[] = [];
  for (let t = fromMs; t < toMs; t += stepMs) times.push(t);
  return { fromMs, toMs, stepMs, times };
}

/** Per device, per stored line: its columns over the steps (n = 0: no sample in the step). */
export type StepLines = Map<string, Columns>;

/** What the writer holds but has not written yet, for a device and tier (HistoryWriter.unwritten). */
export type Unwritten = (device: string, tierId: number) => readonly { bucketMs: number; lines: BucketLines }[];

export async function readSteps(store: HistoryStore, devices: readonly string[], tierId: number, s: Steps, unwritten?: Unwritten): Promise<Map<string, StepLines>> {
  const tier: Tier = tierById(tierId);
  const chunks = await store.range(devices, tier.id, chunkStart(tier, s.fromMs), s.toMs);
  const out = new Map<string, StepLines>();
  const n = s.times.length;
  for (const c of chunks) {
    let dev = out.get(c.device);
    if (!dev) out.set(c.device, (dev = new Map()));
    for (const [key, l] of decodeChunk(tier, c.startMs, c.data)) {
      let line = dev.get(key);
      if (!line) dev.set(key, (line = columns(l.kind, n)));
      for (let i = 0; i < tier.bucketsPerChunk; i++) {
        if (l.n[i] === 0) continue;
        const at = c.startMs + i * tier.stepMs;
        if (at < s.fromMs || at >= s.toMs) continue;
        mergeColumn(line, Math.floor((at - s.fromMs) / s.stepMs), l, i);
      }
    }
  }
  if (unwritten) {
    for (const device of devices) {
      for (const { bucketMs, lines } of unwritten(device, tier.id)) {
        if (bucketMs < s.fromMs || bucketMs >= s.toMs) continue;
        let dev = out.get(device);
        if (!dev) out.set(device, (dev = new Map()));
        const k = Math.floor((bucketMs - s.fromMs) / s.stepMs);
        for (const [key, { kind, agg }] of lines) {
          let line = dev.get(key);
          if (!line) dev.set(key, (line = columns(kind, s.times.length)));
          mergeAt(line, k, agg);
        }
      }
    }
  }
  return out;
}

const sevLabel = { warning: { en: 'warning', zh: '警告' }, critical: { en: 'critical', zh: '严重' } } as const;

export function thresholdsOf(c: ChartDef, resolved: ResolvedThresholds): ChartThreshold[] {
  const out: ChartThreshold[] = [];
  for (const t of c.thresholds) {
    const v = resolved[t.indicator]?.[t.key];
    if (v === undefined) continue;
    const minus = t.minus ? (resolved[t.indicator]?.[t.minus] ?? 0) : 0;
    out.push({ value: v - minus, severity: t.severity, label: sevLabel[t.severity] });
  }
  return out;
}

const round = (v: number) => (Number.isFinite(v) ? Math.round(v * 1e6) / 1e6 : null);

/** The charts of one device's stored lines, in the table's order; charts without any line are left out. */
export function chartsOf(lines: StepLines | undefined, n: number, resolved: ResolvedThresholds): Chart[] {
  if (!lines) return [];
  const byChart = new Map<string, Map<string, { cols: Columns; suffix: string }[]>>();
  for (const [key, cols] of lines) {
    const { chart, line, suffix } = parseStoredKey(key);
    let c = byChart.get(chart);
    if (!c) byChart.set(chart, (c = new Map()));
    let parts = c.get(line);
    if (!parts) c.set(line, (parts = []));
    parts.push({ cols, suffix });
  }
  const out: Chart[] = [];
  for (const def of charts) {
    const c = byChart.get(def.id);
    if (!c) continue;
    const chartLines: ChartLine[] = [];
    for (const [key, parts] of [...c.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
      const num = parts.find((p) => p.suffix === '/n')?.cols;
      const den = parts.find((p) => p.suffix === '/d')?.cols;
      if (num || den) {
        // lost / sent per step: none where nothing was sent (nothing measured)
        const avg = Array.from({ length: n }, (_, i) => (den && den.n[i]! > 0 && den.sum[i]! > 0 ? round((num && num.n[i]! > 0 ? num.sum[i]! : 0) / den.sum[i]!) : null));
        chartLines.push({ key, label: key, avg });
        continue;
      }
      const p = parts[0]!.cols;
      const at = (i: number) => aggAt(p, i);
      const avg = Array.from({ length: n }, (_, i) => {
        const a = at(i);
        return a ? round(shown(p.kind, a)) : null;
      });
      const line: ChartLine = { key, label: key === def.id ? def.title.en : key, avg };
      if (p.kind !== 'sum') {
        line.min = Array.from({ length: n }, (_, i) => (p.n[i]! > 0 ? round(p.min[i]!) : null));
        line.max = Array.from({ length: n }, (_, i) => (p.n[i]! > 0 ? round(p.max[i]!) : null));
      }
      chartLines.push(line);
    }
    out.push({ id: def.id, indicator: def.indicator, title: def.title, unit: def.unit, thresholds: thresholdsOf(def, resolved), lines: chartLines, ...(def.states ? { states: def.states.map((s) => ({ value: s.value, label: s.label })) } : {}) });
  }
  return out;
}
