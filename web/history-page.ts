// The status page's charts, in the browser: the device page's history (one uPlot per chart, grouped
// by indicator, min/max band, threshold lines, overlays of the events only the collector knows) with
// range buttons that fetch the JSON and redraw without a reload; the fleet page's sparklines on each
// device card and each site's timeline of abnormal devices. Loaded as a module with the page's CSP
// nonce (its import of ./format.js inherits the nonce); uPlot is the classic script loaded before it.
//
// What a test or a screen reader needs is in the DOM: each chart's <figure> carries data-points,
// data-overlays and data-overlay-times; its <figcaption> says min/avg/max/last and the events.
import type UPlot from 'uplot';
import type { Chart, DeviceHistory, Overlay, SiteTimeline, Sparkline, Sparklines } from '../collector/history/api.js';
import { formatValue, summarize, type Lang } from './format.js';

const uPlot = (globalThis as unknown as { uPlot: typeof UPlot }).uPlot;

type Texts = Record<string, string>;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

const svgNs = 'http://www.w3.org/2000/svg';

function dateNames(lang: Lang): UPlot.DateNames | undefined {
  if (lang !== 'zh') return undefined;
  const months = Array.from({ length: 12 }, (_, i) => `${i + 1}月`);
  return { MMMM: months, MMM: months, WWWW: ['星期日', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六'], WWW: ['周日', '周一', '周二', '周三', '周四', '周五', '周六'] };
}

/** Time-axis labels in 24-hour time (both languages), the date where the day changes or the range is long. */
function timeAxis(lang: Lang): UPlot.Axis {
  const locale = lang === 'zh' ? 'zh-CN' : 'en-GB';
  const hm = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', hour12: false });
  const md = new Intl.DateTimeFormat(locale, { month: 'numeric', day: 'numeric' });
  return {
    values: (u, splits) => {
      const span = (u.scales.x!.max ?? 0) - (u.scales.x!.min ?? 0);
      let lastDay = '';
      return splits.map((s) => {
        const d = new Date(s * 1000);
        const day = md.format(d);
        if (span > 3 * 86_400) return day;
        const label = day !== lastDay ? `${hm.format(d)}\n${day}` : hm.format(d);
        lastDay = day;
        return label;
      });
    },
  };
}

function when(ms: number, lang: Lang): string {
  return new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(ms));
}

const lineColours = ['#0b57d0', '#7b1fa2', '#00796b', '#b06000', '#5f6368', '#c2185b', '#2e7d32', '#3949ab'];

const overlayKindText: Record<Overlay['kind'], string> = {
  state: 'ovState',
  inspection: 'ovInspection',
  maintenance: 'ovMaintenance',
  boot: 'ovBoot',
  unclean_shutdown: 'ovUncleanShutdown',
  backup: 'ovBackup',
};

/** A tick label's width in CSS pixels, in uPlot's axis font. */
function textWidth(u: UPlot, text: string): number {
  const ctx = u.ctx;
  ctx.save();
  ctx.font = `${12 * devicePixelRatio}px system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", sans-serif`;
  const w = ctx.measureText(text).width / devicePixelRatio;
  ctx.restore();
  return w;
}

/** Tick spacings for durations: round milliseconds, seconds, minutes, hours, days. */
const durationSteps = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800, 345_600, 604_800, 1_209_600, 2_592_000];

/** Indices of values with no neighbour: a line cannot draw them. */
function isolated(values: readonly (number | null)[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if (values[i] === null || values[i] === undefined) continue;
    if ((i === 0 || values[i - 1] === null) && (i === values.length - 1 || values[i + 1] === null)) out.push(i);
  }
  return out;
}

/** Points of a series: only the isolated values, as dots (a line draws the rest). */
function dots(values: readonly (number | null)[], colour: string): UPlot.Series.Points {
  const lonely = isolated(values);
  return { show: lonely.length > 0, size: 5, fill: colour, stroke: colour, filter: () => lonely };
}

/** Which overlays a chart shows: state changes of its own indicator, backup runs on backup charts, the rest everywhere. */
export function overlaysFor(chart: Chart, overlays: readonly Overlay[]): Overlay[] {
  return overlays.filter((o) => {
    if (o.kind === 'state') return o.indicator === chart.indicator;
    if (o.kind === 'backup') return chart.indicator === 'backup';
    return true;
  });
}

function overlayTitle(o: Overlay, t: Texts, lang: Lang): string {
  const span = o.endMs !== undefined ? `${when(o.atMs, lang)} – ${when(o.endMs, lang)}` : when(o.atMs, lang);
  return `${t[overlayKindText[o.kind]] ?? o.kind}: ${o.text[lang]} (${span})`;
}

/** Draws overlays as DOM markers over the plot (native tooltips, hover, inspectable positions). */
function placeOverlays(u: UPlot, overlays: readonly Overlay[], t: Texts, lang: Lang): void {
  const layer = u.over;
  layer.querySelectorAll('.ov').forEach((n) => n.remove());
  const [xMin, xMax] = [u.scales.x!.min!, u.scales.x!.max!];
  for (const o of overlays) {
    const at = Math.max(o.atMs / 1000, xMin);
    const end = o.endMs !== undefined ? Math.min(o.endMs / 1000, xMax) : undefined;
    if (at > xMax || (end === undefined && o.atMs / 1000 < xMin)) continue;
    const left = u.valToPos(at, 'x');
    const marker = el('div', { class: `ov ov-${o.kind}${o.outcome ? ` ov-${o.outcome}` : ''}`, title: overlayTitle(o, t, lang), 'data-at': String(o.atMs), 'data-kind': o.kind });
    marker.style.left = `${left}px`;
    if (end !== undefined) marker.style.width = `${Math.max(2, u.valToPos(end, 'x') - left)}px`;
    layer.append(marker);
  }
}

function drawThresholds(u: UPlot, chart: Chart, lang: Lang): void {
  const ctx = u.ctx;
  const { left, width } = u.bbox;
  for (const th of chart.thresholds) {
    const y = u.valToPos(th.value, 'y', true);
    if (!Number.isFinite(y) || y < u.bbox.top || y > u.bbox.top + u.bbox.height) continue;
    ctx.save();
    ctx.strokeStyle = th.severity === 'critical' ? '#c5221f' : '#e37400';
    ctx.lineWidth = 1.5 * devicePixelRatio;
    ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
    ctx.beginPath();
    ctx.moveTo(left, y);
    ctx.lineTo(left + width, y);
    ctx.stroke();
    ctx.fillStyle = ctx.strokeStyle;
    ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
    // Warnings labelled on the left, criticals on the right: two close lines keep readable labels.
    const critical = th.severity === 'critical';
    ctx.textAlign = critical ? 'right' : 'left';
    ctx.fillText(`${th.label[lang]} ${formatValue(th.value, chart.unit, lang)}`, critical ? left + width - 4 : left + 4, y - 4);
    ctx.restore();
  }
}

/** A state chart's code as its name (e.g. 1 → "ok"), when the backend says what the codes mean. */
function stateLabel(chart: Chart, v: number, lang: Lang): string | undefined {
  const states = (chart as Chart & { states?: { value: number; label: { en: string; zh: string } }[] }).states;
  if (chart.unit !== 'state' || !states) return undefined;
  return states.find((s) => s.value === v)?.label[lang] ?? '';
}

function yRange(chart: Chart): UPlot.Range.Function {
  return (_u, min, max) => {
    const values = [min, max, ...chart.thresholds.map((th) => th.value)].filter((v) => Number.isFinite(v));
    let lo = Math.min(...values);
    let hi = Math.max(...values);
    if (chart.unit === 'ratio') return [0, Math.max(1, hi)];
    if (lo >= 0 && chart.unit !== 'celsius') lo = 0;
    if (hi === lo) hi = lo + 1;
    const pad = (hi - lo) * 0.08;
    return [lo === 0 ? 0 : lo - pad, hi + pad];
  };
}

function plotWidth(container: HTMLElement): number {
  return Math.max(260, Math.floor(container.clientWidth));
}

/** One chart of the device page: a <figure> with the plot and its text alternative. */
function renderChart(h: DeviceHistory, chart: Chart, t: Texts, lang: Lang, plots: UPlot[]): HTMLElement {
  const overlays = overlaysFor(chart, h.overlays);
  const xs = h.times.map((ms) => ms / 1000);
  const withValue = h.times.filter((_, i) => chart.lines.some((l) => l.avg[i] !== null && l.avg[i] !== undefined)).length;
  const fig = el('figure', {
    class: 'chart',
    'data-chart': chart.id,
    'data-group': chart.indicator,
    'data-unit': chart.unit,
    'data-points': String(withValue),
    'data-lines': String(chart.lines.length),
    'data-overlays': String(overlays.length),
    'data-overlay-times': overlays.map((o) => o.atMs).join(','),
    'data-thresholds': chart.thresholds.map((th) => th.value).join(','),
  });
  const caption = el('figcaption');
  caption.append(el('span', { class: 'chart-title' }, chart.title[lang]), el('span', { class: 'visually-hidden' }, ': '));
  const parts = chart.lines.map((line) => {
    const s = summarize(line.avg);
    const name = line.key === chart.id ? '' : `${line.label}: `;
    if (!s) return `${name}${t.noData}`;
    const f = (v: number) => formatValue(v, chart.unit, lang, h.toMs);
    return `${name}${t.min} ${f(s.min)}, ${t.avg} ${f(s.avg)}, ${t.max} ${f(s.max)}, ${t.last} ${f(s.last)}`;
  });
  caption.append(el('span', { class: 'chart-summary' }, `${parts.join(' · ')} · ${overlays.length} ${t.events}`));
  fig.append(caption);
  const plotBox = el('div', { class: 'plot', 'aria-hidden': 'true' });
  fig.append(plotBox);
  if (overlays.length > 0) {
    const list = el('ul', { class: 'visually-hidden' });
    for (const o of overlays.slice(0, 100)) list.append(el('li', {}, overlayTitle(o, t, lang)));
    fig.append(list);
  }

  const series: UPlot.Series[] = [{ label: t.time, value: (_u, v) => (v === null ? '—' : when(v * 1000, lang)) }];
  const data: (number | null)[][] = [xs];
  const bands: UPlot.Band[] = [];
  const bandSeries: number[] = [];
  const fmt = (_u: UPlot, v: number | null) => (v !== null && stateLabel(chart, v, lang)) || formatValue(v, chart.unit, lang, h.toMs);
  chart.lines.forEach((line, i) => {
    const colour = lineColours[i % lineColours.length]!;
    // A chart of one unlabelled line (key = chart id) names it by the chart's title, in the page's language.
    const name = line.key === chart.id ? chart.title[lang] : line.label;
    // A value with a gap on both sides is no line segment: drawn as a dot, or it would not show at all.
    series.push({ label: name, stroke: colour, width: 1.5, value: fmt, spanGaps: false, points: dots(line.avg, colour) });
    data.push(line.avg);
    if (line.min && line.max && chart.lines.length <= 3) {
      const maxIdx = series.length;
      series.push({ label: `${name} ${t.max}`, stroke: 'transparent', value: fmt, points: { show: false } });
      data.push(line.max);
      series.push({ label: `${name} ${t.min}`, stroke: 'transparent', value: fmt, points: { show: false } });
      data.push(line.min);
      bands.push({ series: [maxIdx, maxIdx + 1], fill: `${colour}33` });
      bandSeries.push(maxIdx, maxIdx + 1);
    }
  });
  const names = dateNames(lang);
  const opts: UPlot.Options = {
    width: 600,
    height: 180,
    series,
    bands,
    scales: { x: { time: true, range: [h.fromMs / 1000, h.toMs / 1000] }, y: { range: yRange(chart) } },
    axes: [
      timeAxis(lang),
      {
        // As wide as the longest label ("6 d 22 h", "已损坏"), measured rather than guessed.
        size: (u, values) => Math.ceil(Math.max(40, ...(values ?? []).map((v) => textWidth(u, v))) + 18),
        ...(chart.unit === 'seconds' ? { incrs: durationSteps } : {}),
        values: (_u, splits) => splits.map((v) => stateLabel(chart, v, lang) ?? formatValue(v, chart.unit, lang, h.toMs)),
      },
    ],
    legend: { live: true },
    ...(names ? { fmtDate: (tpl: string) => uPlot.fmtDate(tpl, names) } : {}),
    hooks: {
      draw: [(u) => drawThresholds(u, chart, lang)],
      setScale: [(u, key) => key === 'x' && placeOverlays(u, overlays, t, lang)],
      setSize: [(u) => placeOverlays(u, overlays, t, lang)],
    },
  };
  // Drawn once the figure is in the page, so the plot takes the width it really has.
  queueMicrotask(() => {
    opts.width = plotWidth(plotBox);
    const u = new uPlot(opts, data as UPlot.AlignedData, plotBox);
    // The band's edges stay out of the legend: the band itself says min..max.
    const rows = u.root.querySelectorAll<HTMLElement>('.u-legend .u-series');
    for (const i of bandSeries) if (rows[i]) rows[i].style.display = 'none';
    placeOverlays(u, overlays, t, lang);
    plots.push(u);
  });
  return fig;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } });
  if (!res.ok) {
    let message = `${res.status}`;
    try {
      message = `${res.status} ${((await res.json()) as { message?: string }).message ?? ''}`;
    } catch {
      // not JSON: the status is all we have
    }
    throw new Error(message);
  }
  return (await res.json()) as T;
}

function setPressed(buttons: NodeListOf<HTMLButtonElement>, range: string): void {
  buttons.forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.range === range)));
}

function observeWidth(plots: UPlot[]): void {
  let timer: number | undefined;
  window.addEventListener('resize', () => {
    clearTimeout(timer);
    timer = window.setTimeout(() => {
      for (const u of plots) {
        const box = u.root.parentElement;
        if (box) u.setSize({ width: plotWidth(box), height: u.height });
      }
    }, 150);
  });
}

function deviceCharts(root: HTMLElement): void {
  const lang = (root.dataset.lang === 'zh' ? 'zh' : 'en') as Lang;
  const t = JSON.parse(root.dataset.texts ?? '{}') as Texts;
  const url = root.dataset.historyUrl!;
  const buttons = document.querySelectorAll<HTMLButtonElement>('#chart-ranges button[data-range]');
  const source = document.getElementById('chart-source');
  const grafana = document.getElementById('grafana-link') as HTMLAnchorElement | null;
  let plots: UPlot[] = [];
  observeWidth(plots);
  let generation = 0;

  const load = async (range: string) => {
    const mine = ++generation;
    root.dataset.state = 'loading';
    root.setAttribute('aria-busy', 'true');
    setPressed(buttons, range);
    try {
      const h = await getJson<DeviceHistory>(`${url}?range=${encodeURIComponent(range)}`);
      if (mine !== generation) return;
      for (const u of plots) u.destroy();
      plots.length = 0;
      root.replaceChildren();
      if (source) {
        source.textContent = `${t.source}: ${h.source === 'prometheus' ? t.sourcePrometheus : t.sourceEmbedded}`;
        source.dataset.source = h.source;
      }
      if (grafana) {
        const g = new URL(grafana.href);
        g.searchParams.set('from', `now-${range === 'quarter' ? '92d' : range}`);
        grafana.href = g.toString();
      }
      const groups = new Map<string, Chart[]>();
      for (const c of h.charts) groups.set(c.indicator, [...(groups.get(c.indicator) ?? []), c]);
      const titles = JSON.parse(root.dataset.indicators ?? '{}') as Record<string, string>;
      for (const [indicator, charts] of groups) {
        const group = el('section', { class: 'chart-group', 'data-group': indicator });
        group.append(el('h3', {}, titles[indicator] ?? indicator));
        const grid = el('div', { class: 'chart-grid' });
        for (const c of charts) grid.append(renderChart(h, c, t, lang, plots));
        group.append(grid);
        root.append(group);
      }
      if (h.charts.length === 0) root.append(el('p', {}, t.noData));
      root.dataset.range = h.range;
      root.dataset.source = h.source;
      root.dataset.charts = String(h.charts.length);
      root.dataset.overlays = String(h.overlays.length);
      root.dataset.from = String(h.fromMs);
      root.dataset.to = String(h.toMs);
      // uPlots are created in microtasks queued by renderChart; "ready" once they exist.
      await Promise.resolve();
      root.dataset.state = 'ready';
    } catch (err) {
      if (mine !== generation) return;
      root.replaceChildren(el('p', { class: 'error', role: 'alert' }, `${t.loadFailed}: ${(err as Error).message}`));
      root.dataset.state = 'error';
    } finally {
      if (mine === generation) root.removeAttribute('aria-busy');
    }
  };

  buttons.forEach((b) =>
    b.addEventListener('click', () => {
      const range = b.dataset.range!;
      const here = new URL(location.href);
      here.searchParams.set('range', range);
      history.replaceState(null, '', here);
      void load(range);
    }),
  );
  void load(root.dataset.range ?? '24h');
}

/** A sparkline as SVG: small, many per page, no canvas per card. */
function sparkline(s: Sparkline, times: readonly number[], lang: Lang, t: Texts, nowMs: number): HTMLElement {
  const box = el('div', { class: 'spark-line', 'data-spark-chart': s.chart, 'data-spark-indicator': s.indicator });
  const sum = summarize(s.values);
  const f = (v: number) => formatValue(v, s.unit, lang, nowMs);
  const described = sum ? `${s.label[lang]}, ${t.last24h}: ${t.min} ${f(sum.min)}, ${t.max} ${f(sum.max)}, ${t.last} ${f(sum.last)}` : `${s.label[lang]}: ${t.noData}`;
  box.dataset.points = String(sum?.points ?? 0);
  const svg = document.createElementNS(svgNs, 'svg');
  svg.setAttribute('viewBox', '0 0 100 24');
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', described);
  const fixedMax = s.unit === 'ratio' ? 1 : undefined;
  const hi = Math.max(fixedMax ?? -Infinity, sum?.max ?? 1);
  const lo = s.unit === 'ratio' || (sum?.min ?? 0) >= 0 ? 0 : sum!.min;
  const span = hi - lo || 1;
  const t0 = times[0] ?? 0;
  const tSpan = (times[times.length - 1] ?? 1) - t0 || 1;
  // One polyline per run without gaps: a gap stays a gap.
  let run: string[] = [];
  const flush = () => {
    if (run.length > 0) {
      const line = document.createElementNS(svgNs, 'polyline');
      line.setAttribute('points', run.length === 1 ? `${run[0]} ${run[0]}` : run.join(' '));
      line.setAttribute('class', 'spark-path');
      svg.append(line);
    }
    run = [];
  };
  s.values.forEach((v, i) => {
    if (v === null) return flush();
    const x = (((times[i] ?? t0) - t0) / tSpan) * 100;
    const y = 23 - ((v - lo) / span) * 22;
    run.push(`${x.toFixed(2)},${y.toFixed(2)}`);
  });
  flush();
  box.append(svg, el('span', { class: 'spark-label' }, sum ? `${s.label[lang]} ${f(sum.last)}` : s.label[lang]));
  return box;
}

function fleetSparklines(list: HTMLElement): void {
  const lang = (list.dataset.lang === 'zh' ? 'zh' : 'en') as Lang;
  const t = JSON.parse(list.dataset.texts ?? '{}') as Texts;
  let latest: Sparklines | undefined;
  const fill = () => {
    if (!latest) return;
    const byDevice = new Map<string, Sparkline[]>();
    for (const s of latest.sparklines) byDevice.set(s.device, [...(byDevice.get(s.device) ?? []), s]);
    list.querySelectorAll<HTMLElement>('[data-spark]').forEach((slot) => {
      if (slot.dataset.filled === latest!.toMs.toString()) return;
      const lines = byDevice.get(slot.dataset.spark!) ?? [];
      const card = slot.closest('.card');
      slot.replaceChildren(
        ...lines.map((s) => {
          const line = sparkline(s, latest!.times, lang, t, latest!.toMs);
          if (card?.querySelector(`[data-indicator="${CSS.escape(s.indicator)}"][data-state="abnormal"]`)) line.dataset.abnormal = '';
          return line;
        }),
      );
      slot.dataset.filled = latest!.toMs.toString();
    });
  };
  const load = async () => {
    try {
      latest = await getJson<Sparklines>(list.dataset.sparklinesUrl!);
      list.dataset.sparklines = String(latest.sparklines.length);
      fill();
    } catch (err) {
      list.dataset.sparklinesError = (err as Error).message;
    }
  };
  // The live refresh (layout.ts) swaps the cards' HTML: fill the new slots from what we have.
  new MutationObserver(fill).observe(list, { childList: true, subtree: true });
  void load();
  setInterval(() => {
    if (!document.hidden) void load();
  }, 5 * 60_000);
}

function siteTimelines(root: HTMLElement): void {
  const lang = (root.dataset.lang === 'zh' ? 'zh' : 'en') as Lang;
  const t = JSON.parse(root.dataset.texts ?? '{}') as Texts;
  const sites = JSON.parse(root.dataset.sites ?? '[]') as string[];
  const buttons = document.querySelectorAll<HTMLButtonElement>('#timeline-ranges button[data-range]');
  const out = root.querySelector<HTMLElement>('.timelines')!;
  const plots: UPlot[] = [];
  observeWidth(plots);
  const names = dateNames(lang);
  const load = async (range: string) => {
    setPressed(buttons, range);
    root.dataset.state = 'loading';
    const results = await Promise.all(sites.map((site) => getJson<SiteTimeline>(`/api/v1/history/sites/${encodeURIComponent(site)}/timeline?range=${range}`).catch((err: Error) => err)));
    for (const u of plots) u.destroy();
    plots.length = 0;
    out.replaceChildren();
    results.forEach((r, i) => {
      const site = sites[i]!;
      const fig = el('figure', { class: 'chart timeline', 'data-site': site });
      if (r instanceof Error) {
        fig.append(el('figcaption', {}, site), el('p', { class: 'error' }, `${t.loadFailed}: ${r.message}`));
        out.append(fig);
        return;
      }
      const ab = summarize(r.abnormal);
      const nr = summarize(r.notReporting);
      fig.dataset.points = String(r.abnormal.filter((v) => v !== null).length);
      fig.dataset.range = r.range;
      const caption = el('figcaption');
      caption.append(el('span', { class: 'chart-title' }, site));
      caption.append(el('span', { class: 'chart-summary' }, ab && nr ? `${t.abnormalDevices}: ${t.max} ${ab.max}, ${t.last} ${ab.last} · ${t.notReportingDevices}: ${t.max} ${nr.max}, ${t.last} ${nr.last}` : t.noData));
      const box = el('div', { class: 'plot', 'aria-hidden': 'true' });
      fig.append(caption, box);
      out.append(fig);
      const opts: UPlot.Options = {
        width: plotWidth(box),
        height: 140,
        series: [
          { label: t.time, value: (_u, v) => (v === null ? '—' : when(v * 1000, lang)) },
          { label: t.abnormalDevices, stroke: '#c5221f', fill: '#c5221f22', width: 1.5, points: dots(r.abnormal, '#c5221f') },
          { label: t.notReportingDevices, stroke: '#b06000', width: 1.5, points: dots(r.notReporting, '#b06000') },
          { label: t.knownDevices, stroke: '#9aa0a6', width: 1, dash: [4, 4], points: dots(r.devices, '#9aa0a6') },
        ],
        scales: { x: { time: true, range: [r.fromMs / 1000, r.toMs / 1000] }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        axes: [timeAxis(lang), { size: 40, values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : '')) }],
        ...(names ? { fmtDate: (tpl: string) => uPlot.fmtDate(tpl, names) } : {}),
      };
      plots.push(new uPlot(opts, [r.times.map((ms) => ms / 1000), r.abnormal, r.notReporting, r.devices] as UPlot.AlignedData, box));
    });
    root.dataset.range = range;
    root.dataset.state = 'ready';
  };
  buttons.forEach((b) => b.addEventListener('click', () => void load(b.dataset.range!)));
  void load(root.dataset.range ?? '24h');
}

const charts = document.getElementById('charts');
if (charts) deviceCharts(charts);
const list = document.getElementById('device-list');
if (list?.dataset.sparklinesUrl) fleetSparklines(list);
const timelines = document.getElementById('site-timelines');
if (timelines) siteTimelines(timelines);
