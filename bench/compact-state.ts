// In process, not part of `npm run bench`: what one accepted report costs the collector's main thread
// (CPU of the main thread only, process.threadCpuUsage) and what the device state keeps on the main
// heap after every device reported — through the real ingest route (fastify inject, the ingest
// workers, SQLite commit, history). Used to compare builds (issue 18, compact device state):
//   node --expose-gc dist/bench/compact-state.js [devices=10000] [rounds=3]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';
import { buildCollector } from '../collector/app.js';
import { resolveCollectorConfig } from '../collector/config.js';
import { silentLogger } from '../common/logger.js';
import { simulatedReport } from '../tools/loadgen/report-shape.js';
import { benchDevices } from './lib/collector.js';

const count = Number(process.argv[2] ?? 10_000);
const rounds = Number(process.argv[3] ?? 3);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const heapMiB = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

const dir = await mkdtemp(join(tmpdir(), 'sw-compact-'));
try {
  const devices = benchDevices(count);
  let now = Date.now();
  const T0 = now - 60_000;
  const config = resolveCollectorConfig({ stateDir: dir, devices: devices.map((d) => ({ name: d.name, token: d.token, site: d.site })) }, {}, 'bench');
  const c = await buildCollector(config, { log: silentLogger, nowMs: () => now });
  await c.app.ready();
  const before = heapMiB();
  const perRound: number[] = [];
  // Garbage collection on the main thread while reports are taken (rounds after the first).
  const gcPauses: number[] = [];
  let measuring = false;
  const observer = new PerformanceObserver((list) => {
    if (measuring) for (const e of list.getEntries()) gcPauses.push(e.duration);
  });
  observer.observe({ entryTypes: ['gc'] });
  for (let r = 1; r <= rounds; r++) {
    now += 15_000;
    const bodies = devices.map((d) => Buffer.from(JSON.stringify(simulatedReport(d.name, d.site, T0, r, now, 15))));
    measuring = r > 1;
    const cpu0 = process.threadCpuUsage();
    let next = 0;
    let bad = 0;
    const lane = async () => {
      for (let i = next++; i < count; i = next++) {
        const res = await c.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { 'content-type': 'application/json', authorization: `Bearer ${devices[i]!.token}` }, payload: bodies[i]! });
        if (res.statusCode !== 202) bad++;
      }
    };
    await Promise.all(Array.from({ length: 64 }, lane));
    const cpu = process.threadCpuUsage(cpu0);
    measuring = false;
    if (bad > 0) throw new Error(`${bad} reports not accepted in round ${r}`);
    perRound.push((cpu.user + cpu.system) / count);
  }
  await new Promise((resolve) => setImmediate(resolve));
  observer.disconnect();
  const gcAfterFirst = { totalMs: Math.round(gcPauses.reduce((a, b) => a + b, 0)), longestMs: Math.round(Math.max(0, ...gcPauses)), count: gcPauses.length };
  const after = heapMiB();
  // To see what the heap holds: STATIONWATCH_HEAP_SNAPSHOT=<file> (open in Chrome's DevTools).
  if (process.env.STATIONWATCH_HEAP_SNAPSHOT) writeHeapSnapshot(process.env.STATIONWATCH_HEAP_SNAPSHOT);
  // A scrape of a per-device target and of /metrics still answers from the compact state.
  const one = await c.app.inject(`/devices/${devices[0]!.name}/metrics`);
  console.log(JSON.stringify({ devices: count, mainThreadMicrosPerReport: perRound.map((x) => Math.round(x)), heapMiB: { before: Math.round(before), after: Math.round(after), deviceState: Math.round(after - before) }, gcAfterFirst, perDeviceTarget: { status: one.statusCode, bytes: one.body.length } }));
  await c.app.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
