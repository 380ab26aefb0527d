// promtool's metric lint on the collector's exposition with a full report (the integration test
// runs it again on a real agent's output).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { buildCollector } from '../../collector/app.js';
import { resolveCollectorConfig } from '../../collector/config.js';
import { silentLogger } from '../../common/logger.js';
import { agentMetrics } from '../../protocol/metrics.js';
import { makeReport } from '../helpers/reports.js';

describe('exposition', () => {
  it('every metric passes promtool check metrics', async () => {
    if (!existsSync('/usr/bin/promtool')) throw new Error('promtool not found: apt-get install -y --no-install-recommends prometheus');
    const token = 'a-token-of-sixteen-chars';
    const c = await buildCollector(resolveCollectorConfig({ devices: [{ name: 'pc-01', token }] }, {}, 't'), { log: silentLogger, nowMs: () => 1_700_000_000_000 });
    // One sample of every agent metric, with every label, so no name escapes the lint.
    const samples = agentMetrics.map((d) => ({ metric: d.name, value: 1, ...(d.labels.length ? { labels: Object.fromEntries(d.labels.map((l) => [l, 'x'])) } : {}) }));
    const res = await c.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { authorization: `Bearer ${token}` }, payload: makeReport({ samples }) });
    expect(res.json().dropped).toEqual([]);
    const text = (await c.app.inject('/metrics')).body;
    for (const d of agentMetrics) expect(text).toContain(`${d.name}{`);
    const lint = execFileSync('/usr/bin/promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(lint).toBe('');
  });
});
