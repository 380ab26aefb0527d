// The history from Prometheus (`prometheusUrl` set): the same charts, read with query_range and PromQL
// built from the chart table (charts.ts) — avg/min/max_over_time per step for gauges, increase() for
// counters (Prometheus handles resets the same way: a drop is a reset), the one-of-n state series
// turned into the table's codes — so the page draws Prometheus' data with the same chart code, and
// says so (`source: 'prometheus'`). Overlays still come from the store: they are events only we have.
//
// What Prometheus cannot give comes from the store, as noted where it happens: a site's abnormal
// device count per step is the collector's badge state (events), which no exported series carries
// (ALERTS would count only where our rules are loaded, and not the collector's own evaluation).
import type { ResolvedThresholds } from '../../alerts/catalog/types.js';
import type { Chart, ChartLine, DeviceHistory, HistoryRange, SiteTimeline, Sparkline, Sparklines } from './api.js';
import { charts, clockOffsetMetric, reportingMetric, type ChartDef } from './charts.js';
import { deviceTierFor, stepsFor, thresholdsOf, timelineTierFor, type Steps } from './read.js';
import { abnormalPerStep, overlaysOf, pickSparklines, type HistoryDeps, type HistorySource } from './source.js';

interface Matrix {
  metric: Record<string, string>;
  values: [number, string][];
}

/** A label value inside a PromQL string literal. */
const q = (v: string) => JSON.stringify(v);
const sel = (metric: string, match: Record<string, string>) => `${metric}{${Object.entries(match).map(([k, v]) => `${k}=${q(v)}`).join(',')}}`;

export interface ChartQueries {
  avg: string;
  min?: string;
  max?: string;
}

/** The PromQL of one chart's lines, grouped by `by` (the line label, and `device` for the fleet). */
export function chartQueries(c: ChartDef, match: Record<string, string>, window: string, extraBy: readonly string[] = []): ChartQueries {
  const by = `by (${[...extraBy, ...(c.lineLabel ? [c.lineLabel] : [])].join(', ')})`;
  const s = c.source;
  const over = (fn: string, metric: string, m: Record<string, string> = match) => `max ${by} (${fn}_over_time(${sel(metric, m)}[${window}]))`;
  const avgOver = (metric: string) => `avg ${by} (avg_over_time(${sel(metric, match)}[${window}]))`;
  const minOver = (metric: string) => `min ${by} (min_over_time(${sel(metric, match)}[${window}]))`;
  // min/max over the step of an expression (a subquery at the evaluation interval), where the
  // embedded tiers keep them for a derived value too (a ratio, an age, a state code).
  const sub = (instant: string) => ({ min: `min ${by} (min_over_time((${instant})[${window}:]))`, max: `max ${by} (max_over_time((${instant})[${window}:]))` });
  switch (s.kind) {
    case 'gauge':
      if (s.denominator) return { avg: `${avgOver(s.metric)} / (${avgOver(s.denominator)} > 0)`, ...sub(`${sel(s.metric, match)} / (${sel(s.denominator, match)} > 0)`) };
      return { avg: avgOver(s.metric), min: minOver(s.metric), max: over('max', s.metric) };
    case 'counter': {
      const inc = (metric: string) => `sum ${by} (increase(${sel(metric, match)}[${window}]))`;
      return { avg: s.denominator ? `${inc(s.metric)} / (${inc(s.denominator)} > 0)` : inc(s.metric) };
    }
    case 'state':
      // The newest state in the step as the table's code: one `or` branch per state.
      return {
        avg: (c.states ?? []).map((st) => `(${over('last', s.metric, { ...match, [s.stateLabel]: st.name })} == 1) * 0 + ${st.value}`).join(' or '),
        ...sub((c.states ?? []).map((st) => `(${sel(s.metric, { ...match, [s.stateLabel]: st.name })} == 1) * 0 + ${st.value}`).join(' or ')),
      };
    case 'age':
      return { avg: `time() - ${over('last', s.metric)}`, ...sub(`time() - ${sel(s.metric, match)}`) };
    case 'clockOffset':
      return { avg: avgOver(clockOffsetMetric), min: minOver(clockOffsetMetric), max: over('max', clockOffsetMetric) };
    case 'reporting':
      return { avg: avgOver(reportingMetric), min: minOver(reportingMetric), max: over('max', reportingMetric) };
  }
}

export class PrometheusHistorySource implements HistorySource {
  readonly kind = 'prometheus' as const;
  constructor(
    private readonly url: string,
    private readonly deps: HistoryDeps & { thresholds: ResolvedThresholds },
    private readonly timeoutMs = 10_000,
  ) {}

  /** query_range over the steps: the value evaluated at a step's end is the step's (Prometheus looks back over the window). */
  async range(expr: string, s: Steps): Promise<Matrix[]> {
    const params = new URLSearchParams({ query: expr, start: String((s.fromMs + s.stepMs) / 1000), end: String(s.toMs / 1000), step: `${s.stepMs / 1000}s` });
    let body: { status: string; error?: string; data?: { resultType: string; result: Matrix[] } };
    try {
      const res = await fetch(`${this.url.replace(/\/+$/, '')}/api/v1/query_range`, { method: 'POST', body: params, signal: AbortSignal.timeout(this.timeoutMs) });
      body = (await res.json()) as typeof body;
    } catch (err) {
      throw new Error(`Prometheus at ${this.url} did not answer: ${(err as Error).message}`);
    }
    if (body.status !== 'success') throw new Error(`Prometheus refused the query ${expr}: ${body.error ?? 'unknown error'}`);
    return body.data?.result ?? [];
  }

  /** One array per series, by its grouping labels; a step Prometheus has no value for is null. */
  private toArrays(result: Matrix[], s: Steps): { labels: Record<string, string>; values: (number | null)[] }[] {
    return result.map((r) => {
      const values = new Array<number | null>(s.times.length).fill(null);
      for (const [t, v] of r.values) {
        const i = Math.round((t * 1000 - s.stepMs - s.fromMs) / s.stepMs);
        const n = Number(v);
        if (i >= 0 && i < values.length && Number.isFinite(n)) values[i] = Math.round(n * 1e6) / 1e6;
      }
      return { labels: r.metric, values };
    });
  }

  private async chart(def: ChartDef, match: Record<string, string>, s: Steps, extraBy: readonly string[] = []): Promise<{ labels: Record<string, string>; line: ChartLine }[]> {
    const qs = chartQueries(def, match, `${s.stepMs / 1000}s`, extraBy);
    const [avg, min, max] = await Promise.all([this.range(qs.avg, s), qs.min ? this.range(qs.min, s) : undefined, qs.max ? this.range(qs.max, s) : undefined]);
    const keyOf = (l: Record<string, string>) => [...extraBy.map((b) => l[b] ?? ''), def.lineLabel ? (l[def.lineLabel] ?? '') : def.id].join('\u0000');
    const mins = new Map(min ? this.toArrays(min, s).map((x) => [keyOf(x.labels), x.values]) : []);
    const maxs = new Map(max ? this.toArrays(max, s).map((x) => [keyOf(x.labels), x.values]) : []);
    return this.toArrays(avg, s)
      .map(({ labels, values }) => {
        const key = def.lineLabel ? (labels[def.lineLabel] ?? '') : def.id;
        const line: ChartLine = { key, label: key === def.id ? def.title.en : key, avg: values };
        const k = keyOf(labels);
        if (mins.has(k)) line.min = mins.get(k)!;
        if (maxs.has(k)) line.max = maxs.get(k)!;
        return { labels, line };
      })
      .sort((a, b) => a.line.key.localeCompare(b.line.key));
  }

  async device(device: string, range: HistoryRange): Promise<DeviceHistory | undefined> {
    const d = this.deps.devices.get(device);
    if (!d) return undefined;
    const s = stepsFor(range, deviceTierFor[range].stepMs, this.deps.nowMs());
    const [perChart, overlays] = await Promise.all([Promise.all(charts.map((c) => this.chart(c, { device }, s))), overlaysOf(this.deps.db, device, s.fromMs, s.toMs)]);
    const out: Chart[] = [];
    charts.forEach((def, i) => {
      const lines = perChart[i]!.map((x) => x.line);
      if (lines.length === 0) return;
      out.push({ id: def.id, indicator: def.indicator, title: def.title, unit: def.unit, thresholds: thresholdsOf(def, this.deps.thresholds), lines, ...(def.states ? { states: def.states.map((x) => ({ value: x.value, label: x.label })) } : {}) });
    });
    return { device, site: d.site, source: 'prometheus', range, fromMs: s.fromMs, toMs: s.toMs, stepMs: s.stepMs, times: s.times, charts: out, overlays };
  }

  async siteTimeline(site: string, range: HistoryRange): Promise<SiteTimeline> {
    const s = stepsFor(range, timelineTierFor[range].stepMs, this.deps.nowMs());
    const w = `${s.stepMs / 1000}s`;
    const m = sel(reportingMetric, { site });
    // A device scraped by two jobs has two series: counted once, by its device label.
    const [known, down] = await Promise.all([this.range(`count(count by (device) (max_over_time(${m}[${w}])))`, s), this.range(`count(count by (device) (min_over_time(${m}[${w}]) == 0))`, s)]);
    const devices = this.toArrays(known, s)[0]?.values ?? new Array<number | null>(s.times.length).fill(null);
    const notDown = this.toArrays(down, s)[0]?.values ?? [];
    // Abnormal: the collector's badge states, from the store's events (no exported series has them).
    const names = new Set(this.deps.devices.list().filter((d) => d.site === site).map((d) => d.name));
    const abnormal = await abnormalPerStep(this.deps.db, names, s);
    return {
      site,
      source: 'prometheus',
      range,
      fromMs: s.fromMs,
      toMs: s.toMs,
      stepMs: s.stepMs,
      times: s.times,
      abnormal: abnormal.map((v, i) => (devices[i] === null ? null : v)),
      // count() of nothing is no value: with devices known, that is 0 not reporting.
      notReporting: devices.map((v, i) => (v === null ? null : (notDown[i] ?? 0))),
      devices,
    };
  }

  async sparklines(site?: string): Promise<Sparklines> {
    const s = stepsFor('24h', timelineTierFor['24h'].stepMs, this.deps.nowMs());
    const names = this.deps.devices.list().filter((d) => site === undefined || d.site === site).map((d) => d.name);
    const current = await this.deps.db.indicators.currentStates();
    const abnormal = (name: string) => (indicator: string) => current.get(`${name}\u0000${indicator}`)?.state === 'abnormal';
    // Only the charts some card needs: CPU and memory, and the first chart of each abnormal indicator.
    const wanted = new Set(['cpu', 'memory']);
    for (const name of names) for (const c of charts) if (c.id !== 'reporting' && abnormal(name)(c.indicator)) wanted.add(c.id);
    const match: Record<string, string> = site === undefined ? {} : { site };
    const defs = charts.filter((c) => wanted.has(c.id));
    const results = await Promise.all(defs.map((c) => this.chart(c, match, s, ['device'])));
    const perDevice = new Map<string, Chart[]>();
    defs.forEach((def, i) => {
      const byDevice = new Map<string, ChartLine[]>();
      for (const { labels, line } of results[i]!) {
        const dev = labels.device ?? '';
        if (!byDevice.has(dev)) byDevice.set(dev, []);
        byDevice.get(dev)!.push(line);
      }
      for (const [dev, lines] of byDevice) {
        if (!perDevice.has(dev)) perDevice.set(dev, []);
        perDevice.get(dev)!.push({ id: def.id, indicator: def.indicator, title: def.title, unit: def.unit, thresholds: [], lines });
      }
    });
    const sparklines: Sparkline[] = [];
    for (const name of names) sparklines.push(...pickSparklines(name, perDevice.get(name) ?? [], abnormal(name)));
    return { source: 'prometheus', fromMs: s.fromMs, toMs: s.toMs, stepMs: s.stepMs, times: s.times, sparklines };
  }
}
