// The approach the collector used before per-device text (and what the issue's "prom-client
// registry" figure means): a prom-client Registry whose collect callbacks compute every device's
// series at scrape time (registerDeviceSeries). Run in its own process so its memory is its own.
// Usage: node prom-client-baseline-worker.js DEVICES RUNS — prints one JSON line.
import { Registry } from 'prom-client';
import { deviceSamples, DeviceStore } from '../collector/device-store.js';
import { registerDeviceSeries } from '../collector/exposition.js';
import { simulatedReport } from '../tools/loadgen/report-shape.js';
import { peakRssMiB, resetPeak, rssMiB } from './lib/proc-stats.js';

const [devices, runs] = process.argv.slice(2).map(Number) as [number, number];
const now = Date.now();
const store = new DeviceStore([], 'bench', 3);
for (let i = 0; i < devices; i++) {
  const name = `sim-${String(i).padStart(5, '0')}`;
  store.accept(name, 'loadgen', simulatedReport(name, 'loadgen', now - 60_000, 1, now, 3600), now);
}
// Each device's samples held in memory, indexed by metric, as the collector held them when it served
// them this way (its records now keep only the report's text: collector/device-store.ts).
const held = new Map(store.list().map((d) => [d, deviceSamples(d)] as const));
const registry = new Registry();
registerDeviceSeries(registry, () => store.list(), (d) => held.get(d) ?? new Map());
global.gc?.();
const before = rssMiB(process.pid);
resetPeak(process.pid);
const times: number[] = [];
let bytes = 0;
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const text = await registry.metrics();
  times.push(performance.now() - t0);
  bytes = Buffer.byteLength(text);
}
process.stdout.write(`${JSON.stringify({ times, bytes, rssBeforeMiB: before, peakMiB: peakRssMiB(process.pid) })}\n`);
