// Shared store (issue 21): what PostgreSQL costs and gives against the embedded SQLite, at 10,000
// devices. (1) The same workload through a real collector (built CLI) on each store, one after the
// other in the same run: the load generator's devices reporting every 15 s (tools/loadgen on its own
// core), the status evaluation on; committed reports/s and the state rows each store took per second
// (device states, events, indicator states, read from the database itself), ingest latency, and the
// CPU and memory of the collector and of PostgreSQL. Then the raw store throughput: saveMany batches
// of device states in this process, no collector. (2) With the fleet still reporting, the status
// page (`/`), a device page and the CSV exports, request to last byte, on each store. (3) PostgreSQL
// stopped (fast shutdown) for 2 minutes under the reporting fleet and started again: whether ingest
// kept answering, the outage spool at its peak, how long its drain took, and whether every
// acknowledged state write is in PostgreSQL afterwards.
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { startPostgres, type PrivatePostgres } from '../common/daemons/private-postgres.js';
import { loadgenDevices } from '../tools/loadgen/loadgen.js';
import { simulatedReport } from '../tools/loadgen/report-shape.js';
import { openSqliteStore, storeFileName } from '../collector/store/sqlite/index.js';
import { openPostgresStore } from '../collector/store/postgres/index.js';
import type { DeviceStateRow, Store } from '../collector/store/store.js';
import type { LoadgenArgs, LoadgenOutput } from './loadgen-worker.js';
import { startCollector, type RunningCollector } from './lib/collector.js';
import { du } from './lib/disk.js';
import { timedGet } from './lib/http-time.js';
import { cpuSeconds, processTreeStats, rssMiB } from './lib/proc-stats.js';
import { benchDist, sleep, withScope, type Proc, type Scope } from './lib/processes.js';
import { fmt, percentile, ratio, type Section } from './lib/report.js';
import type { BenchOptions } from './options.js';

const SEED = 'bench-shared-store';
const LOADGEN_CORE = 1;

/** What the store holds, read from the database itself: each committed report is one device-state row write. */
interface Contents {
  reportsInStore: number;
  events: number;
  indicatorRows: number;
  devices: number;
}

interface PgActivity {
  commits: number;
  tuplesWritten: number;
  walBytes: number;
  connections: number;
  databaseBytes: number;
}

const CONTENTS_SQL = `SELECT coalesce(sum(reports_accepted), 0) AS r, count(*) AS d, (SELECT count(*) FROM events) AS e, (SELECT count(*) FROM indicator_state) AS i FROM device_state`;

function sqliteContents(stateDir: string): Contents {
  // Read-only beside the collector's connection (WAL: readers never block the writer).
  const db = new Database(join(stateDir, storeFileName), { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    const row = db.prepare(CONTENTS_SQL).get() as { r: number; d: number; e: number; i: number };
    return { reportsInStore: row.r, devices: row.d, events: row.e, indicatorRows: row.i };
  } finally {
    db.close();
  }
}

async function withPg<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000, statement_timeout: 60_000, query_timeout: 60_000 });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function pgContents(url: string): Promise<Contents> {
  return withPg(url, async (c) => {
    const row = (await c.query<{ r: string; d: string; e: string; i: string }>(CONTENTS_SQL)).rows[0]!;
    return { reportsInStore: Number(row.r), devices: Number(row.d), events: Number(row.e), indicatorRows: Number(row.i) };
  });
}

async function pgActivity(url: string): Promise<PgActivity> {
  return withPg(url, async (c) => {
    const s = (
      await c.query<{ commits: string; tup: string; wal: string; conns: string; size: string }>(
        `SELECT xact_commit AS commits, tup_inserted + tup_updated + tup_deleted AS tup, pg_current_wal_lsn() - '0/0'::pg_lsn AS wal,
                (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()) AS conns,
                pg_database_size(current_database()) AS size
         FROM pg_stat_database WHERE datname = current_database()`,
      )
    ).rows[0]!;
    return { commits: Number(s.commits), tuplesWritten: Number(s.tup), walBytes: Number(s.wal), connections: Number(s.conns), databaseBytes: Number(s.size) };
  });
}

async function collectorSeries(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/collector/metrics`)).text();
  const out = new Map<string, number>();
  for (const l of text.split('\n')) {
    if (l.startsWith('#') || l === '') continue;
    const i = l.lastIndexOf(' ');
    out.set(l.slice(0, i), Number(l.slice(i + 1)));
  }
  return out;
}

/**
 * Reports the collector acknowledged as newer than what it held, each one a committed device-state
 * write: fresh ones and late ones that were newer (reports_received_total{result="late"} also counts
 * late ones that changed nothing, so it cannot be reconciled against the store).
 */
const accepted = (s: Map<string, number>) => s.get('stationwatch_collector_reports_applied_total') ?? 0;

function startLoad(scope: Scope, args: LoadgenArgs): { proc: Proc; result: () => Promise<LoadgenOutput> } {
  const proc = scope.startNode(join(benchDist, 'loadgen-worker.js'), [JSON.stringify(args)], { core: LOADGEN_CORE });
  return {
    proc,
    async result() {
      const { code } = await proc.exited;
      const line = proc.output().trim().split('\n').reverse().find((l) => l.startsWith('{'));
      if (code !== 0 || !line) throw new Error(`the load generator failed (exit ${code}):\n${proc.output().slice(-3000)}`);
      return JSON.parse(line) as LoadgenOutput;
    },
  };
}

/**
 * Waits until the collector has acknowledged one report per device (the load generator spreads its
 * first reports over an interval), at most `maxS`: a collector that cannot keep up (a busy machine)
 * is measured as it is, and the section says how far it got. Returns the seconds waited and the count.
 */
async function everyDeviceReported(url: string, n: number, maxS: number): Promise<{ seconds: number; acknowledged: number }> {
  const t0 = performance.now();
  let acknowledged = 0;
  while (performance.now() - t0 < maxS * 1000) {
    acknowledged = accepted(await collectorSeries(url));
    if (acknowledged >= n) break;
    await sleep(250);
  }
  return { seconds: (performance.now() - t0) / 1000, acknowledged };
}

interface PageTimes {
  label: string;
  ms: number[];
  bytes: number;
}

async function pageTimes(url: string, device: string, requests: number): Promise<PageTimes[]> {
  const pages: [string, string, number][] = [
    ['fleet status page `/`', '/', requests],
    [`device page \`/devices/${device}\``, `/devices/${device}`, requests * 2],
    ['CSV export, devices', '/export/devices.csv', requests],
    ['CSV export, events (30 days)', '/export/events.csv', requests],
  ];
  const out: PageTimes[] = [];
  for (const [label, path, n] of pages) {
    const t: PageTimes = { label, ms: [], bytes: 0 };
    for (let i = 0; i < n; i++) {
      const r = await timedGet(`${url}${path}`, 120_000);
      if (r.status !== 200) throw new Error(`${path} answered ${r.status}`);
      t.ms.push(r.ms);
      t.bytes = r.bytes;
    }
    out.push(t);
  }
  return out;
}

interface StoreRun {
  store: 'SQLite' | 'PostgreSQL';
  reportsPerSecond: number;
  writes: { devices: number; events: number; indicators: number };
  collectorCpu: number;
  collectorRssMiB: number;
  pg?: { cpu: number; pssMiB: number; processes: number; commitsPerSecond: number; tuplesPerSecond: number; walBytesPerSecond: number; connections: number; databaseBytes: number };
  sqliteBytes?: number;
  load: LoadgenOutput;
  pages: PageTimes[];
  end: Contents;
  firstRound: { seconds: number; acknowledged: number };
}

/**
 * One store's run: the collector with `n` devices, the load generator reporting every `intervalS`;
 * after `warmS` the counters are read over `measureS`, then the pages are timed while reports flow.
 */
async function storeRun(
  scope: Scope,
  opts: BenchOptions,
  which: StoreRun['store'],
  p: { n: number; intervalS: number; warmS: number; measureS: number; pageRequests: number; postgres?: PrivatePostgres; url?: string; extra?: Record<string, unknown> },
): Promise<{ run: StoreRun; collector: RunningCollector }> {
  const devices = loadgenDevices(p.n, SEED);
  const collector = await startCollector(scope, devices, { name: `sharedstore-${which.toLowerCase()}`, ...(p.extra ? { extra: p.extra } : {}) });
  const stateDir = join(collector.dir, 'state');
  const contents = () => (which === 'SQLite' ? Promise.resolve(sqliteContents(stateDir)) : pgContents(p.url!));
  // Long enough for the window and the pages; the pages are requested while the fleet reports.
  const pageBudgetS = opts.smoke ? 1 : p.pageRequests * 9;
  const load = startLoad(scope, { url: collector.url, agents: p.n, seconds: p.warmS + p.measureS + pageBudgetS, intervalSeconds: p.intervalS, concurrency: 64, tokenSeed: SEED, site: 'loadgen' });
  opts.log(`sharedstore: ${which}: ${p.n} devices reporting every ${p.intervalS} s; warming up ${p.warmS} s after each has reported once`);
  const firstRound = await everyDeviceReported(collector.url, p.n, opts.smoke ? 30 : 60);
  await sleep(p.warmS * 1000);
  const s0 = await collectorSeries(collector.url);
  const c0 = await contents();
  const a0 = p.url ? await pgActivity(p.url) : undefined;
  const g0 = p.postgres ? processTreeStats(p.postgres.processGroup()!) : undefined;
  const cpu0 = cpuSeconds(collector.proc.pid).own;
  const t0 = performance.now();
  await sleep(p.measureS * 1000);
  const s1 = await collectorSeries(collector.url);
  const c1 = await contents();
  const a1 = p.url ? await pgActivity(p.url) : undefined;
  const g1 = p.postgres ? processTreeStats(p.postgres.processGroup()!) : undefined;
  const cpu1 = cpuSeconds(collector.proc.pid).own;
  const wall = (performance.now() - t0) / 1000;
  const rss = rssMiB(collector.proc.pid);
  opts.log(`sharedstore: ${which}: timing the pages (${p.pageRequests} requests each)`);
  opts.log(`sharedstore: ${which}: ${firstRound.acknowledged} reports acknowledged after ${firstRound.seconds.toFixed(0)} s; ${((accepted(s1) - accepted(s0)) / wall).toFixed(0)}/s in the window`);
  const pages = await pageTimes(collector.url, devices[Math.floor(p.n / 2)]!.name, p.pageRequests);
  const loadOut = await load.result();
  const end = await contents();
  const events = (c1.events - c0.events) / wall;
  const run: StoreRun = {
    store: which,
    reportsPerSecond: (accepted(s1) - accepted(s0)) / wall,
    // An indicator-state row is written for each new row and for each transition (an event).
    writes: { devices: (c1.reportsInStore - c0.reportsInStore) / wall, events, indicators: (c1.indicatorRows - c0.indicatorRows) / wall + events },
    collectorCpu: (cpu1 - cpu0) / wall,
    collectorRssMiB: rss,
    load: loadOut,
    pages,
    end,
    firstRound,
    ...(a0 && a1 && g0 && g1
      ? {
          pg: {
            cpu: (g1.cpu - g0.cpu) / wall,
            pssMiB: g1.pssMiB,
            processes: g1.processes,
            commitsPerSecond: (a1.commits - a0.commits) / wall,
            tuplesPerSecond: (a1.tuplesWritten - a0.tuplesWritten) / wall,
            walBytesPerSecond: (a1.walBytes - a0.walBytes) / wall,
            connections: a1.connections,
            databaseBytes: a1.databaseBytes,
          },
        }
      : { sqliteBytes: du(stateDir) }),
  };
  return { run, collector };
}

/** Device-state rows the size of the load generator's reports, saved in batches of `batch` straight through the store. */
async function rawSaveMany(store: Store, n: number, rounds: number, batch: number): Promise<number> {
  const now = Date.now();
  const names = loadgenDevices(n, SEED).map((d) => d.name);
  const texts = names.map((name, i) => JSON.stringify(simulatedReport(name, 'loadgen', now - 60_000, i, now, 15)));
  let rows = 0;
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < n; i += batch) {
      const part: DeviceStateRow[] = names.slice(i, i + batch).map((name, k) => ({ name, site: 'loadgen', reportJson: texts[i + k]!, receivedAtMs: now + r * 15_000, reportsAccepted: r + 1, gaps: [] }));
      await store.devices.saveMany(part);
      rows += part.length;
    }
  }
  return rows / ((performance.now() - t0) / 1000);
}

interface Outage {
  seconds: number;
  load: LoadgenOutput;
  peakEntries: number;
  peakBytes: number;
  spooled: number;
  replayed: number;
  refused: number;
  full: number;
  drainS: number;
  restartS: number;
  awayDuringOutage: boolean;
  inStore: number;
  acknowledged: number;
  devicesInStore: number;
  stateMismatches: number;
  statesCompared: number;
  mismatchExamples: string[];
}

/** PostgreSQL stopped for `outageS` under the reporting fleet, then started again; waits for the spool to drain. */
async function outage(scope: Scope, opts: BenchOptions, postgres: PrivatePostgres, url: string, collector: RunningCollector, p: { n: number; intervalS: number; warmS: number; outageS: number; afterS: number }): Promise<Outage> {
  // Reconciled as growth over this phase: the database already holds the earlier phases' counts (and
  // the raw-throughput rows), the collector's counter counts since its start.
  const storeBefore = (await pgContents(url)).reportsInStore;
  const ackedBefore = accepted(await collectorSeries(collector.url));
  const load = startLoad(scope, { url: collector.url, agents: p.n, seconds: p.warmS + p.outageS + p.afterS, intervalSeconds: p.intervalS, concurrency: 64, tokenSeed: `${SEED}`, site: 'loadgen' });
  await sleep(p.warmS * 1000);
  opts.log(`sharedstore: stopping PostgreSQL for ${p.outageS} s under ${p.n} reporting devices`);
  let peakEntries = 0;
  let peakBytes = 0;
  let awayDuringOutage = false;
  let end = Infinity;
  let failedPolls = 0;
  const watch = async () => {
    let s: Map<string, number>;
    try {
      s = await collectorSeries(collector.url);
    } catch (err) {
      // A busy collector may drop one poll; one that exited fails the benchmark with what it said.
      const exit = collector.proc.exit();
      if (exit) throw new Error(`the collector exited (${exit.code ?? exit.signal}) while PostgreSQL was ${performance.now() < end ? 'stopped' : 'back'}:\n${collector.proc.output().slice(-4000)}`);
      failedPolls++;
      if (failedPolls > 30) throw new Error(`the collector's /collector/metrics failed ${failedPolls} times: ${(err as Error).message}`);
      return new Map<string, number>();
    }
    peakEntries = Math.max(peakEntries, s.get('stationwatch_collector_store_spool_entries') ?? 0);
    peakBytes = Math.max(peakBytes, s.get('stationwatch_collector_store_spool_bytes') ?? 0);
    return s;
  };
  await postgres.pause();
  end = performance.now() + p.outageS * 1000;
  while (performance.now() < end) {
    const s = await watch();
    if (s.get('stationwatch_collector_store_reachable') === 0) awayDuringOutage = true;
    await sleep(1000);
  }
  const r0 = performance.now();
  await postgres.resume();
  const restartS = (performance.now() - r0) / 1000;
  opts.log('sharedstore: PostgreSQL is back; waiting for the spool to drain');
  let drainS = NaN;
  const deadline = performance.now() + 600_000;
  while (performance.now() < deadline) {
    const s = await watch();
    if ((s.get('stationwatch_collector_store_spool_entries') ?? 0) === 0 && s.get('stationwatch_collector_store_reachable') === 1) {
      drainS = (performance.now() - r0) / 1000;
      break;
    }
    await sleep(250);
  }
  const loadOut = await load.result();
  // Every acknowledged report must be in the store: its device-state row carries the count.
  await sleep(2000);
  const s = await collectorSeries(collector.url);
  const c = await pgContents(url);
  const compared = await compareStates(collector.url, url);
  return {
    seconds: p.outageS,
    load: loadOut,
    peakEntries,
    peakBytes,
    spooled: s.get('stationwatch_collector_store_spooled_writes_total') ?? NaN,
    replayed: s.get('stationwatch_collector_store_replayed_writes_total') ?? NaN,
    refused: s.get('stationwatch_collector_store_refused_writes_total') ?? NaN,
    full: s.get('stationwatch_collector_store_spool_full_total') ?? NaN,
    drainS,
    restartS,
    awayDuringOutage,
    inStore: c.reportsInStore - storeBefore,
    acknowledged: accepted(s) - ackedBefore,
    devicesInStore: c.devices,
    ...compared,
  };
}

/** The status page's badge states against the indicator states in PostgreSQL, at one evaluation (retried when an evaluation landed in between). */
async function compareStates(collectorUrl: string, url: string): Promise<{ stateMismatches: number; statesCompared: number; mismatchExamples: string[] }> {
  type Status = { evaluatedAt: string; devices: Array<{ name: string; badges: Array<{ indicator: string; state: string }> }> };
  for (let attempt = 0; attempt < 5; attempt++) {
    const before = (await (await fetch(`${collectorUrl}/api/v1/status`)).json()) as Status;
    const rows = await withPg(url, async (c) => (await c.query<{ device: string; indicator: string; state: string }>('SELECT device, indicator, state FROM indicator_state')).rows);
    const after = (await (await fetch(`${collectorUrl}/api/v1/status`)).json()) as Status;
    if (before.evaluatedAt !== after.evaluatedAt) continue;
    const stored = new Map(rows.map((r) => [`${r.device}\u0000${r.indicator}`, r.state]));
    let mismatches = 0;
    let compared = 0;
    const examples: string[] = [];
    for (const d of after.devices)
      for (const b of d.badges) {
        compared++;
        const s = stored.get(`${d.name}\u0000${b.indicator}`);
        if (s === b.state) continue;
        mismatches++;
        if (examples.length < 3) examples.push(`${d.name} ${b.indicator}: page ${b.state}, PostgreSQL ${s ?? 'none'}`);
      }
    return { stateMismatches: mismatches, statesCompared: compared, mismatchExamples: examples };
  }
  return { stateMismatches: NaN, statesCompared: 0, mismatchExamples: ['every attempt overlapped an evaluation'] };
}

export async function sharedStore(opts: BenchOptions): Promise<Section> {
  const n = opts.smoke ? 100 : 10_000;
  const intervalS = opts.smoke ? 1 : 15;
  const warmS = opts.smoke ? 1.5 : 30;
  const measureS = opts.smoke ? 1 : 45;
  const pageRequests = opts.smoke ? 1 : 3;
  const outageS = opts.smoke ? 1 : 120;
  const retryS = opts.smoke ? 0.25 : 5;
  const rawN = opts.smoke ? 100 : 4_000;
  const rawBatches = opts.smoke ? [100] : [100, 500];
  const settings = { shared_buffers: '128MB', max_connections: '100' };
  const load0 = loadavg();
  return withScope(async (scope) => {
    opts.log('sharedstore: a private PostgreSQL 15 (fsync on, as a real server)');
    const postgres = await startPostgres({ durable: true, settings });
    scope.onClose(() => postgres.stop());
    const url = await postgres.createDatabase('stationwatch');
    const rawUrl = await postgres.createDatabase('rawbench');

    // Raw store throughput first, before the collectors run: device-state batches of 100 and 500 rows.
    opts.log('sharedstore: raw saveMany throughput');
    const raw: { batch: number; sqlite: number; pg: number }[] = [];
    const sq = openSqliteStore(join(await scope.tempDir('sharedstore-raw'), 'state'));
    const pgs = await openPostgresStore({ url: rawUrl, maxConnections: 10, connectTimeoutSeconds: 10, queryTimeoutSeconds: 120 });
    try {
      // Each size twice, the second time over the rows the first wrote (updates, as in service).
      for (const batch of rawBatches) raw.push({ batch, sqlite: await rawSaveMany(sq, rawN, 2, batch), pg: await rawSaveMany(pgs, rawN, 2, batch) });
    } finally {
      await sq.close();
      await pgs.close();
    }
    const rawSqlite = raw[0]!.sqlite;
    const rawPg = raw[0]!.pg;

    // Smoke: collectors that live seconds evaluate every second, so the states compared after the outage were written.
    const statusPage = { evaluateEverySeconds: opts.smoke ? 1 : 15 };
    const common = { n, intervalS, warmS, measureS, pageRequests };
    const sqlite = await storeRun(scope, opts, 'SQLite', { ...common, extra: { statusPage } });
    await sqlite.collector.proc.stop();
    // A larger spool than the default 512 MiB: at 10,000 devices a 2-minute outage needs more (the table shows its growth per minute).
    const spoolMiB = 4096;
    const pgStore = { postgres: { url, maxConnections: 10, outageRetrySeconds: retryS, outageSpoolMegabytes: spoolMiB } };
    const onPg = await storeRun(scope, opts, 'PostgreSQL', { ...common, postgres, url, extra: { store: pgStore, statusPage } });
    const o = await outage(scope, opts, postgres, url, onPg.collector, { n, intervalS, warmS: opts.smoke ? 1 : 20, outageS, afterS: opts.smoke ? 1 : 60 });
    const afterS = opts.smoke ? 1 : 60;
    const pgDiskBytes = du(join(postgres.dir, 'data'));
    await onPg.collector.proc.stop();

    const runs = [sqlite.run, onPg.run];
    const P = onPg.run.pg!;
    const total = (r: StoreRun) => r.writes.devices + r.writes.events + r.writes.indicators;
    const page = (r: StoreRun, i: number, q: number) => percentile(r.pages[i]!.ms, q);
    const nonOk = o.load.result.status5xx + o.load.result.refused;
    const lostWrites = o.acknowledged - o.inStore;
    const perTenK = (x: number) => (x * 10_000) / n;
    return {
      title: 'Shared store (issue 21)',
      method: `A private PostgreSQL 15 (Debian, initdb in a temporary directory, loopback only) with crash-safe settings (fsync on, full-page writes, synchronous commit: PostgreSQL's defaults; shared_buffers ${settings.shared_buffers}, max_connections ${settings.max_connections}), against the embedded SQLite (WAL, synchronous=FULL), on the same machine in the same run. For each store a real collector (built CLI, \`store.postgres\` with maxConnections 10 for PostgreSQL) with ${n} configured devices, the load generator (tools/loadgen on core ${LOADGEN_CORE}) reporting every ${intervalS} s each, the status evaluation on (every 15 s), history on. After ${warmS} s of warm-up, ${measureS} s are measured: reports the collector acknowledged and applied per second (its own counter, stationwatch_collector_reports_applied_total) and the rows each store took, read from the database itself (device-state writes = growth of the summed per-device report count, events = new event rows, indicator-state writes = new rows + one per event); PostgreSQL's commits, tuples written and WAL from pg_stat_database and the WAL position; CPU from /proc (PostgreSQL: the server and every process under it, backends included; memory as PSS, shared buffers counted once). Ingest latency is the load generator's, over its whole run. The pages are then requested one after another while the fleet keeps reporting (time to the last byte over loopback). Raw throughput: device-state rows the size of the load generator's reports saved through the store in batches of 500, in this process, before anything else runs. Outage: on the PostgreSQL collector a new load generator run, PostgreSQL stopped with a fast shutdown for ${outageS} s and started again on the same data; the collector's spool series polled every second; drain = from the restart until the spool is empty and the store reachable (the spool retries every ${retryS} s and may hold ${spoolMiB} MiB, \`outageSpoolMegabytes\`; the default is 512); then the reports applied (collector counter: each one acknowledged only after its state write was committed or spooled) against the report counts in PostgreSQL, and the status page's badge states against the indicator states in PostgreSQL.`,
      headlines: [
        { what: `state rows written per second at ${n} devices reporting every ${intervalS} s, PostgreSQL vs SQLite`, value: `${fmt(total(onPg.run))} vs ${fmt(total(sqlite.run))} (reports acknowledged ${fmt(onPg.run.reportsPerSecond)} vs ${fmt(sqlite.run.reportsPerSecond)} /s)` },
        { what: `raw device-state saves (saveMany, batches of ${rawBatches[0]}), PostgreSQL vs SQLite`, value: `${fmt(rawPg)} vs ${fmt(rawSqlite)} rows/s (${ratio(rawPg, rawSqlite)})` },
        { what: `ingest latency p50 / p99, PostgreSQL vs SQLite`, value: `${fmt(onPg.run.load.result.latencyMs.p50)} / ${fmt(onPg.run.load.result.latencyMs.p99)} ms vs ${fmt(sqlite.run.load.result.latencyMs.p50)} / ${fmt(sqlite.run.load.result.latencyMs.p99)} ms` },
        { what: `fleet status page at ${n} devices, p50 / p99, PostgreSQL vs SQLite`, value: `${fmt(page(onPg.run, 0, 0.5))} / ${fmt(page(onPg.run, 0, 0.99))} ms vs ${fmt(page(sqlite.run, 0, 0.5))} / ${fmt(page(sqlite.run, 0, 0.99))} ms` },
        { what: `PostgreSQL stopped ${outageS} s under ${n} devices: ingest answers not 2xx / reports lost`, value: `${nonOk} / ${o.load.result.lost}`, target: '0 / 0', met: nonOk === 0 && o.load.result.lost === 0 },
        { what: 'acknowledged state writes missing from PostgreSQL after the drain (device states; indicator states differing)', value: `${lostWrites}; ${o.stateMismatches} of ${o.statesCompared}`, target: '0; 0', met: lostWrites === 0 && o.stateMismatches === 0 && o.refused === 0 },
        { what: 'outage spool at its peak; drain after the restart', value: `${fmt(o.peakEntries)} entries, ${fmt(o.peakBytes / 2 ** 20)} MiB; ${fmt(o.drainS)} s` },
      ],
      tables: [
        {
          caption: `**State writes at ${n} devices reporting every ${intervalS} s** (${measureS} s after ${warmS} s of warm-up; offered: ${fmt(n / intervalS)} reports/s)`,
          headers: ['store', 'reports acknowledged/s', 'device-state rows/s', 'events/s', 'indicator-state rows/s', 'state rows/s in all', 'collector CPU (cores)', 'collector RSS MiB', 'ingest latency p50 / p99 / max ms (whole run)', 'not 2xx / lost'],
          rows: runs.map((r) => [
            r.store,
            fmt(r.reportsPerSecond),
            fmt(r.writes.devices),
            fmt(r.writes.events),
            fmt(r.writes.indicators),
            fmt(total(r)),
            fmt(r.collectorCpu, 2),
            fmt(r.collectorRssMiB),
            `${fmt(r.load.result.latencyMs.p50)} / ${fmt(r.load.result.latencyMs.p99)} / ${fmt(r.load.result.latencyMs.max)}`,
            `${r.load.result.status5xx + r.load.result.refused} / ${r.load.result.lost}`,
          ]),
        },
        {
          caption: '**First round of reports** (the warm-up waits for one report per device, one minute at most)',
          headers: ['store', 'reports acknowledged', 'after (s)'],
          rows: runs.map((r) => [r.store, r.firstRound.acknowledged, fmt(r.firstRound.seconds)]),
        },
        {
          caption: `**PostgreSQL during the ${measureS} s window** (the sizing figures; per 10,000 devices where scaled)`,
          headers: ['figure', 'value'],
          rows: [
            ['CPU of every PostgreSQL process (cores)', fmt(P.cpu, 2)],
            ['memory of its processes (PSS, MiB) / processes', `${fmt(P.pssMiB)} / ${P.processes}`],
            ['connections from the collector (maxConnections 10)', P.connections],
            ['commits/s', fmt(P.commitsPerSecond)],
            ['tuples written/s (inserted + updated + deleted, every table)', fmt(P.tuplesPerSecond)],
            ['WAL written (MiB/s; GiB a day at this rate)', `${fmt(P.walBytesPerSecond / 2 ** 20)}; ${fmt((P.walBytesPerSecond * 86_400) / 2 ** 30)}`],
            [`database size after the run (MiB; ${n} devices, a few minutes of events and history)`, fmt(P.databaseBytes / 2 ** 20)],
            ['data directory after the outage run, WAL included (MiB)', fmt(pgDiskBytes / 2 ** 20)],
            ['SQLite state directory after its run (MiB)', fmt((sqlite.run.sqliteBytes ?? NaN) / 2 ** 20)],
            ['per 10,000 devices: PostgreSQL CPU (cores) / state rows/s', `${fmt(perTenK(P.cpu), 2)} / ${fmt(perTenK(total(onPg.run)))}`],
          ],
        },
        {
          caption: `**Raw store throughput** (device-state rows of ~12 KB — the load generator's reports — saved through the store with saveMany in the benchmark process; ${rawN} devices written twice per batch size)`,
          headers: ['batch (rows)', 'SQLite rows/s', 'PostgreSQL rows/s', 'PostgreSQL vs SQLite'],
          rows: raw.map((r) => [r.batch, fmt(r.sqlite), fmt(r.pg), ratio(r.pg, r.sqlite)]),
        },
        {
          caption: `**Pages at ${n} devices while the fleet reports** (time to the last byte; what the page shows now: this collector's devices)`,
          headers: ['page', 'PostgreSQL p50 / p99 ms', 'SQLite p50 / p99 ms', 'requests', 'bytes'],
          rows: onPg.run.pages.map((t, i) => [t.label, `${fmt(percentile(t.ms, 0.5))} / ${fmt(percentile(t.ms, 0.99))}`, `${fmt(page(sqlite.run, i, 0.5))} / ${fmt(page(sqlite.run, i, 0.99))}`, t.ms.length, fmt(t.bytes)]),
        },
        {
          caption: `**PostgreSQL stopped for ${outageS} s under ${n} reporting devices, then restarted**`,
          headers: ['figure', 'value'],
          rows: [
            ['ingest answers during the run: 2xx / not 2xx / reports lost by agents', `${o.load.result.accepted} / ${nonOk} / ${o.load.result.lost}`],
            ['ingest latency during the run p50 / p99 / max (ms)', `${fmt(o.load.result.latencyMs.p50)} / ${fmt(o.load.result.latencyMs.p99)} / ${fmt(o.load.result.latencyMs.max)}`],
            ['store reported away by the collector during the stop', o.awayDuringOutage ? 'yes' : '**no**'],
            ['outage spool at its peak: entries / MiB', `${fmt(o.peakEntries)} / ${fmt(o.peakBytes / 2 ** 20)}`],
            ['spool growth while PostgreSQL was away (MiB per minute; the default 512 MiB lasts this many minutes)', `${fmt(o.peakBytes / 2 ** 20 / (outageS / 60))}; ${fmt(512 / (o.peakBytes / 2 ** 20 / (outageS / 60)))}`],
            ['writes spooled / replayed / refused / failed on a full spool', `${o.spooled} / ${o.replayed} / ${o.refused} / ${o.full}`],
            ['PostgreSQL start until it answered (s)', fmt(o.restartS)],
            ['drain: from the restart until the spool is empty and the store reachable (s)', fmt(o.drainS)],
            [`the fleet kept reporting for ${afterS} s after the restart: drained while it reported`, o.drainS <= afterS ? 'yes' : '**no** (drained after the reports stopped)'],
            ['reports acknowledged by the collector / counted in PostgreSQL device states, both over this phase', `${o.acknowledged} / ${o.inStore}`],
            ['devices with a state in PostgreSQL', o.devicesInStore],
            ['status page badge states differing from PostgreSQL indicator states', `${o.stateMismatches} of ${o.statesCompared}${o.mismatchExamples.length > 0 ? ` (e.g. ${o.mismatchExamples.join('; ')})` : ''}`],
          ],
        },
      ],
      notes: [
        `Load average (1/5/15 min) at the start ${load0.map((x) => x.toFixed(1)).join(' / ')}, at the end ${loadavg().map((x) => x.toFixed(1)).join(' / ')}, on ${cpus().length} cores: other work on the machine shares them.`,
        `Both collectors ran on the same two cores as PostgreSQL and the load generator; the collector and PostgreSQL were not pinned.`,
        'The status page shows the devices of the collector that serves it; once it shows every collector\'s devices from the shared store (issue 21, part 2), the page figures are to be measured again.',
        'High availability tested: stop and restart of one PostgreSQL server on the same data. Replication and failover (a standby promoted) were not tested.',
      ],
      reproduce: `npm run bench -- --only sharedstore${opts.smoke ? ' --smoke' : ''}`,
      data: { pgStateRowsPerSecond: total(onPg.run), sqliteStateRowsPerSecond: total(sqlite.run), pgCpu: P.cpu, rawPg, rawSqlite, drainS: o.drainS },
    };
  });
}
