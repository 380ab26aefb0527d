// History (issue 19): what the embedded history costs. (1) Disk per device for the full retention:
// a synthetic history of every tier (1 min × 2 days, 15 min × 30 days, 1 h × 400 days) for N
// devices, encoded exactly as the writer encodes it (collector/history/chunk.ts, the writer's
// compression policy) and written through the store into a real SQLite file; the file's growth per
// device. (2) Ingest throughput at 10,000 devices with the history on vs off: the real collector
// (built CLI) pinned to one core, saturated by the lean generator, reports counted on the server.
// (3) Server time of the device history endpoint for a 7-day range (and the other ranges, the site
// timeline and the fleet's sparklines) on the real collector reading the synthetic store.
import { join } from 'node:path';
import { statSync, existsSync } from 'node:fs';
import { loadgenDevices } from '../tools/loadgen/loadgen.js';
import { storedKey, type LineKind } from '../collector/history/charts.js';
import { columns, encodeChunk, mergeAt, type ChunkLines } from '../collector/history/chunk.js';
import { chunkSpanMs, chunkStart, tiers, type Tier } from '../collector/history/tiers.js';
import { compressed, HistoryWriter } from '../collector/history/writer.js';
import { DeviceStore } from '../collector/device-store.js';
import { silentLogger } from '../common/logger.js';
import { simulatedReport } from '../tools/loadgen/report-shape.js';
import { openSqliteStore, storeFileName } from '../collector/store/sqlite/index.js';
import type { BlasterArgs } from './blaster-worker.js';
import { startCollector, type BenchDevice } from './lib/collector.js';
import { timedGet } from './lib/http-time.js';
import { cpuSeconds } from './lib/proc-stats.js';
import { benchDist, sleep, withScope, type Scope } from './lib/processes.js';
import { fmt, median, percentile, type Section } from './lib/report.js';
import type { BenchOptions } from './options.js';

const SEED = 'bench-history';
const MiB = 1024 * 1024;

/** The lines of a device: a typical counter PC, and a heavy one (the load generator's label sets). */
function deviceLines(heavy: boolean): { key: string; kind: LineKind }[] {
  const n = heavy ? { fs: 6, sensors: 6, targets: 5, printers: 2, jobs: 2 } : { fs: 2, sensors: 2, targets: 2, printers: 1, jobs: 1 };
  const g = (chart: string, line = chart) => ({ key: storedKey(chart, line), kind: 'gauge' as const });
  const s = (chart: string, line = chart, suffix = '') => ({ key: storedKey(chart, line, suffix), kind: 'sum' as const });
  const l = (chart: string, line: string) => ({ key: storedKey(chart, line), kind: 'last' as const });
  const times = (k: number) => Array.from({ length: k }, (_, i) => i);
  return [
    g('cpu'), g('memory'), g('swap'), g('clock_offset'), g('reporting'), s('throttling'), s('failed_logins'),
    ...times(n.fs).map((i) => g('filesystem', `/fs${i}`)),
    ...times(n.sensors).map((i) => g('temperature', `sensor${i}`)),
    ...times(n.targets).flatMap((i) => [s('ping_loss', `t${i}`, '/n'), s('ping_loss', `t${i}`, '/d'), g('ping_rtt', `t${i}`), g('ping_jitter', `t${i}`)]),
    ...times(n.printers).flatMap((i) => [l('printer_state', `p${i}`), g('printer_queue', `p${i}`), g('printer_oldest_job', `p${i}`)]),
    ...times(n.jobs).flatMap((i) => [l('backup_result', `job${i}`), g('backup_age', `job${i}`)]),
  ];
}

/** A full chunk of plausible values (a random walk: neither constant nor noise, as real series are). */
function synthChunk(t: Tier, startMs: number, lines: { key: string; kind: LineKind }[], rnd: () => number): ChunkLines {
  const out: ChunkLines = new Map();
  const n = Math.max(1, Math.round(t.stepMs / 15_000));
  for (const { key, kind } of lines) {
    let v = rnd();
    const c = columns(kind, t.bucketsPerChunk);
    for (let i = 0; i < t.bucketsPerChunk; i++) {
      v = Math.min(1, Math.max(0, v + (rnd() - 0.5) * 0.05));
      const at = startMs + i * t.stepMs;
      if (kind === 'gauge') mergeAt(c, i, { n, min: v * 0.8, max: Math.min(1, v * 1.3), sum: v * n, last: v, lastAt: at });
      else if (kind === 'sum') mergeAt(c, i, { n, min: 0, max: 0, sum: Math.round(v * 20), last: 0, lastAt: at });
      else mergeAt(c, i, { n, min: 0, max: 2, sum: 0, last: Math.round(v * 2), lastAt: at + 30_000 });
    }
    out.set(key, c);
  }
  return out;
}

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const fileBytes = (stateDir: string) => ['', '-wal'].map((s) => join(stateDir, storeFileName + s)).filter(existsSync).reduce((a, f) => a + statSync(f).size, 0);

/** Writes every tier's full retention for `devices` into the store in `stateDir`; returns bytes per device and per tier. */
async function synthesize(stateDir: string, devices: readonly string[], heavy: boolean, nowMs: number): Promise<{ perDevice: number; perTier: Map<number, number>; lines: number }> {
  const store = openSqliteStore(stateDir);
  await store.close();
  const empty = fileBytes(stateDir);
  const s = openSqliteStore(stateDir);
  const lines = deviceLines(heavy);
  const rnd = mulberry32(42);
  const perTier = new Map<number, number>();
  for (const t of tiers) {
    let batch: Parameters<typeof s.history.put>[0][number][] = [];
    const first = chunkStart(t, nowMs - t.retentionMs);
    for (const device of devices) {
      for (let start = first; start <= nowMs; start += chunkSpanMs(t)) {
        const data = encodeChunk(t, start, synthChunk(t, start, lines, rnd), compressed(t));
        perTier.set(t.id, (perTier.get(t.id) ?? 0) + data.length);
        batch.push({ device, tier: t.id, startMs: start, data });
        if (batch.length >= 500) {
          await s.history.put(batch);
          batch = [];
        }
      }
    }
    await s.history.put(batch);
  }
  await s.close();
  return { perDevice: (fileBytes(stateDir) - empty) / devices.length, perTier: new Map([...perTier].map(([k, v]) => [k, v / devices.length])), lines: lines.length };
}

/**
 * The writer in process, on a real SQLite file: `devices` devices × 15 minutes of the load
 * generator's reports (one a minute each), then the flush at the quarter hour's close that writes
 * every device's minute chunk, quarter hour and hour — the writer's heaviest moment.
 */
async function writerCost(dir: string, devices: number): Promise<{ recordUs: number; flushS: number; flushCpuS: number; innerFlushCpuS: number; chunks: number; perReportUs: number }> {
  const store = openSqliteStore(dir);
  const base = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
  let now = base;
  const registry = new DeviceStore([], 'bench', 3);
  const writer = new HistoryWriter(store, registry, () => now, silentLogger);
  const names = loadgenDevices(devices, SEED).map((d) => d.name);
  const reports = names.map((n, i) => simulatedReport(n, 'loadgen', base - 60_000, i, base, 15));
  let recordCpu = 0;
  let innerFlushCpu = 0;
  let recorded = 0;
  for (let minute = 0; minute < 15; minute++) {
    now = base + minute * 60_000 + 30_000;
    const bodies = reports.map((r) => ({ ...r, seq: r.seq + minute * devices + 1, createdAt: now, sentAt: now }));
    const c0 = process.cpuUsage();
    for (let i = 0; i < bodies.length; i++) writer.record(names[i]!, bodies[i]!, now);
    const c = process.cpuUsage(c0);
    recordCpu += (c.user + c.system) / 1e6;
    recorded += bodies.length;
    // the flushes inside the quarter hour roll minutes up, and write each five minutes' chunks as they close
    if (minute < 14) {
      now += 40_000;
      const f0 = process.cpuUsage();
      await writer.flush();
      const f = process.cpuUsage(f0);
      innerFlushCpu += (f.user + f.system) / 1e6;
    }
  }
  now = base + 15 * 60_000 + 11_000;
  const before = writer.stats.chunksWritten;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await writer.flush();
  const flushS = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  await store.close();
  const flushCpuS = (c.user + c.system) / 1e6;
  // Amortised over the reports a quarter hour brings at the agents' default 15 s interval (60 per device).
  return { recordUs: (recordCpu / recorded) * 1e6, flushS, flushCpuS, innerFlushCpuS: innerFlushCpu, chunks: writer.stats.chunksWritten - before, perReportUs: (recordCpu / recorded) * 1e6 + ((flushCpuS + innerFlushCpu) / (devices * 60)) * 1e6 };
}

async function withBlaster<T>(scope: Scope, args: BlasterArgs, measure: (generatorPid: number) => Promise<T>): Promise<T> {
  const proc = scope.startNode(join(benchDist, 'blaster-worker.js'), [JSON.stringify(args)], { core: 1 });
  const measured = await measure(proc.pid);
  await proc.stop('SIGKILL');
  return measured;
}

async function reportsTaken(url: string): Promise<number> {
  const text = await (await fetch(url)).text();
  let n = 0;
  for (const l of text.split('\n')) if (/^stationwatch_collector_reports_received_total\{result="(accepted|late|outdated)"\}/.test(l)) n += Number(l.slice(l.lastIndexOf(' ') + 1));
  return n;
}

export async function historyBench(opts: BenchOptions): Promise<Section> {
  const diskDevices = opts.smoke ? 2 : 10;
  const fleet = opts.smoke ? 200 : 10_000;
  const warm = opts.smoke ? 1 : 5;
  const window = opts.smoke ? 3 : 15;
  const requests = opts.smoke ? 3 : 30;
  const nowMs = Date.now();
  return withScope(async (scope) => {
    // 1. disk
    opts.log(`history: synthesizing 400 days for ${diskDevices} typical and ${diskDevices} heavy devices`);
    const typicalDir = join(await scope.tempDir('history-typical'), 'state');
    const names: BenchDevice[] = Array.from({ length: diskDevices }, (_, i) => ({ name: `hist-${String(i).padStart(3, '0')}`, token: `history-bench-token-${i}-0123456789abcdef`, site: 'branch-h' }));
    const t0 = performance.now();
    const typical = await synthesize(typicalDir, names.map((d) => d.name), false, nowMs);
    const synthSeconds = (performance.now() - t0) / 1000;
    const heavy = await synthesize(join(await scope.tempDir('history-heavy'), 'state'), names.map((d) => d.name), true, nowMs);

    // 3. the endpoints, on the real collector reading the typical store
    opts.log('history: endpoint times on the synthetic store');
    const reader = await startCollector(scope, names, { core: 0, name: 'history-reader', extra: { stateDir: typicalDir } });
    const timings: [string, string][] = [
      ['device, 7 days (15 min steps)', `/api/v1/history/devices/${names[0]!.name}?range=7d`],
      ['device, 24 h (1 min steps)', `/api/v1/history/devices/${names[0]!.name}?range=24h`],
      ['device, quarter (1 h steps)', `/api/v1/history/devices/${names[0]!.name}?range=quarter`],
      [`site timeline, 7 days (${diskDevices} devices)`, '/api/v1/history/sites/branch-h/timeline?range=7d'],
      [`sparklines, 24 h (${diskDevices} devices)`, '/api/v1/history/sparklines'],
    ];
    const times = new Map<string, number[]>();
    for (const [label, path] of timings) {
      const ms: number[] = [];
      for (let i = 0; i < requests; i++) {
        const r = await timedGet(`${reader.url}${path}`);
        if (r.status !== 200) throw new Error(`${path} answered ${r.status}`);
        ms.push(r.ms);
      }
      times.set(label, ms);
    }
    const sevenDay = times.get(timings[0]![0])!;
    await reader.proc.stop();

    opts.log(`history: the writer in process, ${fleet} devices × 15 minutes`);
    const wc = await writerCost(join(await scope.tempDir('history-writer'), 'state'), fleet);

    // 2. ingest at 10,000 devices, history off then on
    // Alternated (off, on, on, off): on this shared machine a single pair swung by ±50 % between runs.
    const runs: Record<'off' | 'on', { perSecond: number; cpu: number }[]> = { off: [], on: [] };
    for (const mode of (opts.smoke ? ['off', 'on'] : ['off', 'on', 'on', 'off']) as ('off' | 'on')[]) {
      opts.log(`history: ingest at ${fleet} devices, history ${mode}`);
      const c = await startCollector(scope, loadgenDevices(fleet, SEED), { core: 0, name: `history-ingest-${mode}`, extra: { staleAfterIntervals: 1000, limits: { reportsPerSecond: 1000, reportBurst: 1000 }, history: { enabled: mode === 'on' } } });
      const url = `${c.url}/collector/metrics`;
      const measured = await withBlaster(scope, { url: c.url, seconds: warm + window + 5, connections: 32, devices: fleet, tokenSeed: SEED }, async () => {
        await sleep(warm * 1000);
        const [n0, c0, w0] = [await reportsTaken(url), cpuSeconds(c.proc.pid).own, performance.now()];
        await sleep(window * 1000);
        const [n1, c1, w1] = [await reportsTaken(url), cpuSeconds(c.proc.pid).own, performance.now()];
        const s = (w1 - w0) / 1000;
        return { perSecond: (n1 - n0) / s, cpu: (c1 - c0) / s };
      });
      runs[mode].push(measured);
      await c.proc.stop();
    }
    const mean = (xs: { perSecond: number; cpu: number }[]) => ({ perSecond: xs.reduce((a, x) => a + x.perSecond, 0) / xs.length, cpu: xs.reduce((a, x) => a + x.cpu, 0) / xs.length });
    const rates = { off: mean(runs.off), on: mean(runs.on) };
    const ratioOnOff = rates.on.perSecond / rates.off.perSecond;
    const typicalMiB = typical.perDevice / MiB;
    return {
      title: 'History (issue 19)',
      method: `Disk: every tier's full retention (1 min × 2 days, 15 min × 30 days, 1 h × 400 days) synthesized for ${diskDevices} devices — a typical counter PC (${typical.lines} stored lines: CPU, memory, swap, 2 filesystems, 2 sensors, 2 ping targets, a printer, a backup job, logins, clock, reporting) and a heavy one (${heavy.lines} lines: 6 filesystems, 6 sensors, 5 targets, 2 printers, 2 jobs) — encoded as the writer encodes it (collector/history/chunk.ts: float32 columns, deflated) and written through the store into a real SQLite file (WAL checkpointed at close); the file's growth per device. Ingest: the real collector (built CLI) on core 0 with ${fleet} configured devices, saturated by the lean generator (bench/blaster-worker.ts, core 1, 32 connections, the load generator's ~150-series reports), reports taken counted on the server over ${window} s after ${warm} s — history.enabled false and true, alternated off, on, on, off (the per-minute roll-ups and reporting samples fall inside each window; the five-minutely chunk writes may not: the in-process table below shows their cost). Endpoints: the real collector reading the typical store, ${requests} sequential GETs each over loopback (no events or inspections stored: overlays cost a range query each).`,
      headlines: [
        { what: 'disk per device for 400 days (typical / heavy)', value: `${fmt(typicalMiB, 3)} / ${fmt(heavy.perDevice / MiB, 3)} MiB`, target: '≤ 5 MiB (typical)', met: typicalMiB <= 5 },
        { what: `ingest at ${fleet} devices, history on vs off`, value: `${fmt(rates.on.perSecond)} vs ${fmt(rates.off.perSecond)} reports/s (${fmt(ratioOnOff * 100)} %)`, target: '≥ 90 %', met: ratioOnOff >= 0.9 },
        { what: 'history writer CPU per report, amortised at a 15 s interval (vs the whole ingest path with history off)', value: `${fmt(wc.perReportUs)} µs vs ${fmt((rates.off.cpu / rates.off.perSecond) * 1e6)} µs` },
        { what: 'device history, 7-day range (median / p95)', value: `${fmt(median(sevenDay))} / ${fmt(percentile(sevenDay, 0.95))} ms`, target: '≤ 200 ms', met: percentile(sevenDay, 0.95) <= 200 },
      ],
      tables: [
        {
          caption: '**Disk per device for the full retention**',
          headers: ['device', 'stored lines', 'SQLite file growth per device', '1 min tier (2 days)', '15 min tier (30 days)', '1 h tier (400 days)'],
          rows: [
            ['typical', typical.lines, `${fmt(typicalMiB, 3)} MiB`, ...tiers.map((t) => `${fmt((typical.perTier.get(t.id) ?? 0) / MiB, 3)} MiB`)],
            ['heavy', heavy.lines, `${fmt(heavy.perDevice / MiB, 3)} MiB`, ...tiers.map((t) => `${fmt((heavy.perTier.get(t.id) ?? 0) / MiB, 3)} MiB`)],
          ],
        },
        {
          caption: `**Ingest at ${fleet} devices on one core**`,
          headers: ['history', 'reports/s', 'collector CPU (share of its core)'],
          rows: [
            ['off (mean of the runs)', `${fmt(rates.off.perSecond)} (${runs.off.map((r) => fmt(r.perSecond)).join(', ')})`, `${fmt(rates.off.cpu * 100)} %`],
            ['on (mean of the runs)', `${fmt(rates.on.perSecond)} (${runs.on.map((r) => fmt(r.perSecond)).join(', ')})`, `${fmt(rates.on.cpu * 100)} %`],
            ['collector CPU per report, off / on', `${fmt((rates.off.cpu / rates.off.perSecond) * 1e6)} / ${fmt((rates.on.cpu / rates.on.perSecond) * 1e6)} µs`, ''],
            ['on / off', `${fmt(ratioOnOff * 100)} %`, ''],
          ],
        },
        {
          caption: `**The writer in process at ${fleet} devices** (load generator reports, one per device per minute for a quarter hour with a flush after each minute, then the flush at its close)`,
          headers: ['figure', 'value'],
          rows: [
            ['record(): CPU per report (in memory, on the ingest path)', `${fmt(wc.recordUs)} µs`],
            [`flush at the quarter hour's close: chunks written / wall / CPU`, `${wc.chunks} / ${fmt(wc.flushS)} s / ${fmt(wc.flushCpuS)} s`],
            ['the 14 flushes before it (roll-ups, the five-minute chunks of minutes 0–9): CPU', `${fmt(wc.innerFlushCpuS)} s`],
            ['amortised CPU per report at the default 15 s interval (record + its share of every flush of the quarter hour)', `${fmt(wc.perReportUs)} µs`],
            ['collector CPU per report with history off, from the ingest runs', `${fmt((rates.off.cpu / rates.off.perSecond) * 1e6)} µs`],
          ],
        },
        {
          caption: '**History endpoints** (time to the last byte over loopback)',
          headers: ['request', 'median ms', 'p95 ms'],
          rows: [...times].map(([label, ms]) => [label, fmt(median(ms)), fmt(percentile(ms, 0.95))]),
        },
      ],
      notes: [
        `Synthesizing the ${diskDevices} typical devices' 400 days took ${fmt(synthSeconds)} s (chunk encoding and SQLite writes; in service the writer spreads this over 400 days).`,
        'Chunk sizes per tier are the encoded blobs; the file growth adds SQLite\'s pages, keys and the (tier, start) index.',
      ],
      reproduce: `npm run bench -- --only history${opts.smoke ? ' --smoke' : ''}`,
      data: { diskMiBPerDevice: typicalMiB, ingestOn: rates.on.perSecond, ingestOff: rates.off.perSecond, sevenDayMs: median(sevenDay) },
    };
  });
}
