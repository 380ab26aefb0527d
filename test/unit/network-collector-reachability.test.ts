// Collector reachability as the agent saw it: the report queue counts attempts, failures, outages and
// the time without contact, and the agent sends them with the next report that gets through.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger.js';
import { CollectorReachability } from '../../agent/collector-reachability.js';
import { ReportQueue } from '../../agent/report-queue.js';
import type { SendResult, Transport } from '../../agent/push.js';
import { makeReport } from '../helpers/reports.js';

const byMetric = (r: CollectorReachability, dropped = 0) => Object.fromEntries(r.samples(dropped).map((s) => [s.metric.replace('stationwatch_', ''), s.value]));

describe('collector reachability', () => {
  it('counts a 90 s outage once it is over, with every failed attempt, and keeps the last success time', async () => {
    let mono = 0;
    let wall = 1_700_000_000_000;
    const answers: SendResult[] = [];
    const transport: Transport = { send: async () => answers.shift() ?? { kind: 'sent' } };
    const reach = new CollectorReachability(() => mono, () => wall);
    const q = new ReportQueue(transport, silentLogger, () => mono, () => wall, { maxReports: 10, baseDelayMs: 1000, maxDelayMs: 60_000, random: () => 0, reachability: reach });

    expect(byMetric(reach)).toEqual({ agent_push_attempts_total: 0, agent_push_failures_total: 0, agent_collector_outages_total: 0, agent_collector_unreachable_seconds_total: 0, agent_reports_dropped_total: 0 });
    q.enqueue(makeReport({ seq: 1 }));
    await q.drain();
    const firstSuccess = wall / 1000;

    // the collector goes away: three failed attempts over 90 s
    answers.push({ kind: 'retry', reason: 'ECONNREFUSED' }, { kind: 'retry', reason: 'timeout' }, { kind: 'retry', reason: 'HTTP 503' });
    for (let i = 0; i < 3; i++) {
      mono += i === 0 ? 10_000 : 45_000;
      wall += i === 0 ? 10_000 : 45_000;
      q.enqueue(makeReport({ seq: 2 + i }));
      await q.drain();
    }
    // during the outage: failures counted, the outage itself not yet summed, last success unchanged
    expect(byMetric(reach)).toMatchObject({ agent_push_attempts_total: 4, agent_push_failures_total: 3, agent_collector_outages_total: 1, agent_collector_unreachable_seconds_total: 0, agent_last_push_success_timestamp_seconds: firstSuccess });

    mono += 5000;
    wall += 5000;
    await q.drain();
    // back: 95 s from the first failure to the first success; the three queued reports went out
    expect(byMetric(reach, 2)).toEqual({
      agent_push_attempts_total: 7,
      agent_push_failures_total: 3,
      agent_collector_outages_total: 1,
      agent_collector_unreachable_seconds_total: 95,
      agent_last_push_success_timestamp_seconds: wall / 1000,
      agent_reports_dropped_total: 2,
    });
  });

  it('a refusal (bad token, invalid report) is the collector answering: not an outage', async () => {
    const reach = new CollectorReachability(() => 0, () => 0);
    const transport: Transport = { send: async () => ({ kind: 'refused', status: 401, reason: 'unknown token' }) };
    const q = new ReportQueue(transport, silentLogger, () => 0, () => 0, { maxReports: 10, baseDelayMs: 1000, maxDelayMs: 60_000, reachability: reach });
    q.enqueue(makeReport({ seq: 1 }));
    await q.drain();
    expect(byMetric(reach)).toMatchObject({ agent_push_attempts_total: 1, agent_push_failures_total: 0, agent_collector_outages_total: 0 });
  });
});
