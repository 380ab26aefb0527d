// In-process measurement of the device-state commit's cost to the collector's event loop (issue 18),
// run by hand, not by `npm run bench`:
//   npm run build && node dist/bench/device-state-commit.js [--seconds 30] [--rate 667] [--devices 10000] [--modes none,loop,thread] [--dir DIR]
// 10,000 devices' saved states in a store file; then DeviceStateWriter saves at `rate` reports/s with
// the loadgen's report text (tools/loadgen/report-shape.ts), grouped per event-loop turn as the ingest
// route's are, beside a status-evaluation-like transaction every 200 ms (50 indicator states). Modes:
// loop — commits on the collector's own connection (before issue 18, item 3); thread — on the commit
// thread's connection (collector/store/sqlite/device-state-committer.ts); none — the driver alone
// (saves answered at once), the floor of the per-report CPU; thread-ck — thread, but the collector's
// connection checkpoints the WAL at SQLite's default threshold too. Prints, per mode: main-thread CPU per
// committed report, the synchronous time of each saveMany call on the event loop, the event-loop
// delay (perf_hooks.monitorEventLoopDelay), commit latency and the other transaction's latency.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHistogram, monitorEventLoopDelay, performance, type RecordableHistogram } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { DeviceRecord } from '../collector/device-store.js';
import { DeviceStateWriter } from '../collector/store/device-state-writer.js';
import { openSqliteStore } from '../collector/store/sqlite/index.js';
import type { DeviceStateRow, DeviceStateStore } from '../collector/store/store.js';
import { simulatedReport } from '../tools/loadgen/report-shape.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '30' }, rate: { type: 'string', default: '667' }, devices: { type: 'string', default: '10000' }, modes: { type: 'string', default: 'none,loop,thread' }, dir: { type: 'string', default: tmpdir() } } });
const seconds = Number(values.seconds);
const rate = Number(values.rate);
const devices = Number(values.devices);

const T0 = Date.now();
const names = Array.from({ length: devices }, (_, i) => `pc-${String(i).padStart(5, '0')}`);
const texts = names.map((n, i) => JSON.stringify(simulatedReport(n, `site-${i % 20}`, T0 - 3_600_000, 240, T0, 15)));
const records: DeviceRecord[] = names.map((n, i) => ({ name: n, site: `site-${i % 20}`, kind: 'agent', intervalSeconds: 15, configured: false, report: { ...JSON.parse(texts[i]!), samples: [] }, reportText: texts[i]!, metrics: [], seriesKept: 0, receivedAtMs: T0, clockOffsetSeconds: 0.01, reportsAccepted: 240, gaps: [{ fromMs: T0 - 7_200_000, toMs: T0 - 7_000_000 }] }));
const avgBytes = texts.reduce((s, t) => s + t.length, 0) / texts.length;

const q = (h: RecordableHistogram | ReturnType<typeof monitorEventLoopDelay>, p: number, scale: number) => (h.count === 0 ? 'n/a' : (h.percentile(p) / scale).toFixed(scale === 1e6 ? 2 : 0));

async function run(mode: string): Promise<void> {
  // Put --dir on the disk the collector's state would be on (not a tmpfs): the fsync is half the story.
  const dir = mkdtempSync(join(values.dir!, 'sw-bench-device-state-'));
  try {
    const store = openSqliteStore(dir, { commitThread: mode.startsWith('thread') });
    // The other transaction's BEGIN IMMEDIATE (a wait for the write lock would be here, asleep on the
    // event loop) and COMMIT (its fsync; a WAL checkpoint when its commit crosses the threshold).
    const beginUs = createHistogram();
    let slowCommits = 0;
    const commitUs = createHistogram();
    const exec = store.raw.exec.bind(store.raw);
    store.raw.exec = (sql: string) => {
      const h = sql === 'COMMIT' ? commitUs : sql === 'BEGIN IMMEDIATE' ? beginUs : undefined;
      if (!h) return exec(sql);
      const t = performance.now();
      const r = exec(sql);
      const us = Math.max(1, Math.round((performance.now() - t) * 1000));
      h.record(us);
      if (h === commitUs && us > 20_000) slowCommits++;
      return r;
    };
    const rows = (from: number, to: number): DeviceStateRow[] =>
      names.slice(from, to).map((n, i) => ({ name: n, site: records[from + i]!.site, reportJson: texts[from + i]!, receivedAtMs: T0, clockOffsetSeconds: 0.01, reportsAccepted: 240, gaps: records[from + i]!.gaps, savedMs: T0, intervalSeconds: 15 }));
    for (let i = 0; i < devices; i += 1000) await store.devices.saveMany(rows(i, Math.min(devices, i + 1000)));

    // thread-ck: the collector's connection checkpointing the WAL at SQLite's default threshold, as
    // before the thread took the checkpoints over (walAutocheckpointPages).
    if (mode === 'thread-ck') store.raw.pragma('wal_autocheckpoint = 1000');
    const syncUs = createHistogram();
    const batch = createHistogram();
    const latencyUs = createHistogram();
    const otherUs = createHistogram();
    const states: DeviceStateStore = {
      ...store.devices,
      loadAll: (h) => store.devices.loadAll(h),
      load: (d) => store.devices.load(d),
      summariesSince: (s) => store.devices.summariesSince(s),
      forget: (d) => store.devices.forget(d),
      saveMany: (r) => {
        batch.record(r.length);
        if (mode === 'none') return Promise.resolve();
        const t = performance.now();
        const p = store.devices.saveMany(r);
        syncUs.record(Math.max(1, Math.round((performance.now() - t) * 1000)));
        return p;
      },
    };
    const writer = new DeviceStateWriter(states, 'bench');
    const eld = monitorEventLoopDelay({ resolution: 1 });
    let committed = 0;
    let failed = 0;
    const failures = new Set<string>();
    const outstanding = new Set<Promise<void>>();
    let next = 0;
    let sent = 0;
    const start = performance.now();
    const cpu0 = process.threadCpuUsage();
    eld.enable();
    const other = setInterval(() => {
      const t = performance.now();
      const at = Date.now();
      void store
        .transaction((tx) => tx.indicators.setInitial(Array.from({ length: 50 }, (_, i) => ({ device: names[(sent + i) % devices]!, indicator: 'cpu', state: 'normal' as const })), at))
        .then(() => otherUs.record(Math.max(1, Math.round((performance.now() - t) * 1000))));
    }, 200);
    await new Promise<void>((done) => {
      const tick = setInterval(() => {
        const elapsed = (performance.now() - start) / 1000;
        if (elapsed >= seconds) {
          clearInterval(tick);
          done();
          return;
        }
        // Reports arrive spread over the interval; each is its own request (its own save call).
        for (const due = Math.floor(elapsed * rate); sent < due; sent++) {
          const i = next++ % devices;
          const d = { ...records[i]!, reportsAccepted: records[i]!.reportsAccepted + sent };
          const t = performance.now();
          const saved = writer.save(d);
          outstanding.add(saved);
          void saved.finally(() => outstanding.delete(saved)).catch(() => undefined);
          saved.then(
            () => {
              committed++;
              latencyUs.record(Math.max(1, Math.round((performance.now() - t) * 1000)));
            },
            (err: unknown) => {
              failed++;
              failures.add(String((err as Error).message ?? err));
            },
          );
        }
      }, 2);
    });
    clearInterval(other);
    const cpu = process.threadCpuUsage(cpu0);
    const wall = performance.now() - start;
    eld.disable();
    // The saves still on their way are committed (and counted in the commit latency), not cut off by the close.
    await Promise.allSettled([...outstanding]);
    await store.close();
    const cpuUs = cpu.user + cpu.system;
    console.log(
      `${mode.padEnd(6)} reports ${committed} (${(committed / (wall / 1000)).toFixed(0)}/s, failed ${failed}), ${avgBytes.toFixed(0)} B of text each; ` +
        `main-thread CPU ${(cpuUs / 1000).toFixed(0)} ms = ${(cpuUs / Math.max(1, committed)).toFixed(1)} µs/report, ${((cpuUs / 1000 / wall) * 100).toFixed(1)} % of a core; ` +
        `batches ${batch.count} (rows p50 ${q(batch, 50, 1)}, p99 ${q(batch, 99, 1)}); saveMany on the loop µs p50/p99/max ${q(syncUs, 50, 1)}/${q(syncUs, 99, 1)}/${syncUs.count ? syncUs.max : 'n/a'}; ` +
        `event-loop delay ms p50/p99/max ${q(eld, 50, 1e6)}/${q(eld, 99, 1e6)}/${(eld.max / 1e6).toFixed(2)}; commit latency ms p50/p99 ${q(latencyUs, 50, 1e3)}/${q(latencyUs, 99, 1e3)}; ` +
        `other transaction ms p50/p99/max ${q(otherUs, 50, 1e3)}/${q(otherUs, 99, 1e3)}/${otherUs.count ? (otherUs.max / 1e3).toFixed(1) : 'n/a'} (${otherUs.count}), on the loop: BEGIN µs p99/max ${q(beginUs, 99, 1)}/${beginUs.count ? beginUs.max : 'n/a'}, COMMIT ms p50/p99/max ${q(commitUs, 50, 1e3)}/${q(commitUs, 99, 1e3)}/${commitUs.count ? (commitUs.max / 1e3).toFixed(1) : 'n/a'}, ${slowCommits} over 20 ms` + (failures.size ? `; failures: ${[...failures].join(' | ')}` : ''),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const mode of values.modes!.split(',')) await run(mode);
