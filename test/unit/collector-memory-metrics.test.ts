// Where the collector's memory goes (collector/memory-metrics.ts), on /collector/metrics: the history
// held in memory until written, and the evaluation worker's heap and counter histories — unknown
// (NaN) until a pass has run, never a made-up 0.
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { buildCollector, type CollectorApp } from '../../collector/app.js';
import { resolveCollectorConfig } from '../../collector/config.js';
import { registerMemorySeries } from '../../collector/memory-metrics.js';
import { silentLogger } from '../../common/logger.js';
import { makeReport } from '../helpers/reports.js';

const TOKEN = 'token-for-pc-01-xxxxxxxx';
let c: CollectorApp | undefined;
afterEach(async () => {
  await c?.app.close();
  c = undefined;
});

const sample = (text: string, name: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
};

describe('memory series', () => {
  it('history held, evaluation heap and counter histories on /collector/metrics', async () => {
    const config = resolveCollectorConfig({ devices: [{ name: 'pc-01', token: TOKEN, site: 'a' }] }, {}, 'test');
    c = await buildCollector(config, { log: silentLogger });
    const now = Date.now();
    const res = await c.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, payload: JSON.stringify(makeReport({ createdAt: now, sentAt: now, samples: [{ metric: 'stationwatch_cpu_utilisation_ratio', value: 0.5 }] })) });
    expect(res.statusCode).toBe(202);
    await c.status.monitor.tick();
    const text = (await c.app.inject('/collector/metrics')).body;
    // One open minute of one device: at least its array of 16 lines × 6 numbers.
    expect(sample(text, 'stationwatch_collector_history_held_bytes')).toBeGreaterThanOrEqual(16 * 6 * 8);
    expect(sample(text, 'stationwatch_collector_evaluation_heap_used_bytes')).toBeGreaterThan(1 << 20);
    expect(sample(text, 'stationwatch_collector_evaluation_increase_history_bytes')).toBeGreaterThanOrEqual(0);
  });

  it('an evaluation that has not run yet is NaN, not 0', async () => {
    const registry = new Registry();
    registerMemorySeries(registry, { evaluation: () => undefined });
    const text = await registry.metrics();
    expect(sample(text, 'stationwatch_collector_evaluation_heap_used_bytes')).toBeNaN();
    expect(text).not.toContain('stationwatch_collector_history_held_bytes');
  });
});
