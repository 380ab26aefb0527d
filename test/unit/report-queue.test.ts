import { describe, it, expect } from 'vitest';
import { silentLogger } from '../../common/logger.js';
import { ReportQueue } from '../../agent/report-queue.js';
import type { SendResult, Transport } from '../../agent/push.js';
import type { Report } from '../../protocol/report.js';
import { makeReport } from '../helpers/reports.js';

function scripted(results: SendResult[]): Transport & { sent: Report[] } {
  const sent: Report[] = [];
  return {
    sent,
    async send(r) {
      sent.push(r);
      return results.shift() ?? { kind: 'sent' };
    },
  };
}

describe('report queue', () => {
  it('keeps reports while the collector is away and sends them in order when it is back', async () => {
    let mono = 0;
    const t = scripted([{ kind: 'retry', reason: 'ECONNREFUSED' }]);
    const q = new ReportQueue(t, silentLogger, () => mono, () => 42, { maxReports: 10, baseDelayMs: 1000, maxDelayMs: 60_000, random: () => 1 });
    q.enqueue(makeReport({ seq: 1 }));
    await q.drain();
    expect(q.length).toBe(1);
    q.enqueue(makeReport({ seq: 2 }));
    mono = 999; // backoff (1000 ms with random()=1) not over: nothing sent
    await q.drain();
    expect(t.sent).toHaveLength(1);
    mono = 1000;
    await q.drain();
    expect(t.sent.map((r) => r.seq)).toEqual([1, 1, 2]);
    expect(q.length).toBe(0);
    // sentAt is the time of the attempt, for the collector's clock-offset reading
    expect(t.sent[2]!.sentAt).toBe(42);
  });

  it('backs off exponentially with jitter, up to the ceiling', async () => {
    let mono = 0;
    const t = scripted(Array.from({ length: 10 }, () => ({ kind: 'retry', reason: 'down' }) as SendResult));
    const q = new ReportQueue(t, silentLogger, () => mono, () => 0, { maxReports: 10, baseDelayMs: 1000, maxDelayMs: 8000, random: () => 0.5 });
    q.enqueue(makeReport());
    const gaps: number[] = [];
    let last = 0;
    for (let i = 0; i < 6; i++) {
      // advance until the queue tries again
      while (t.sent.length === i) {
        mono += 50;
        await q.drain();
      }
      gaps.push(mono - last);
      last = mono;
    }
    expect(gaps.slice(1)).toEqual([500, 1000, 2000, 4000, 4000]);
  });

  it('drops a refused report (it can never be accepted) and goes on', async () => {
    const t = scripted([{ kind: 'refused', status: 400, reason: 'invalid' }]);
    const q = new ReportQueue(t, silentLogger, () => 0, () => 0, { maxReports: 10, baseDelayMs: 1000, maxDelayMs: 1000 });
    q.enqueue(makeReport({ seq: 1 }));
    q.enqueue(makeReport({ seq: 2 }));
    await q.drain();
    expect(t.sent.map((r) => r.seq)).toEqual([1, 2]);
    expect(q.length).toBe(0);
  });

  it('is bounded: the oldest snapshots go first', async () => {
    const q = new ReportQueue(scripted([]), silentLogger, () => 0, () => 0, { maxReports: 2, baseDelayMs: 1, maxDelayMs: 1 });
    for (let seq = 1; seq <= 5; seq++) await q.enqueue(makeReport({ seq }));
    expect(q.length).toBe(2);
    expect(q.dropped).toBe(3);
  });
});

describe('report queue: pacing, busy collector, refused token', () => {
  it('paces a backlog with jittered gaps between sends', async () => {
    const t = scripted([]);
    const slept: number[] = [];
    const rnd = [0, 1, 0.5];
    const q = new ReportQueue(t, silentLogger, () => 0, () => 0, { maxReports: 10, baseDelayMs: 1, maxDelayMs: 1, minGapMs: 200, random: () => rnd.shift() ?? 0.5, sleep: async (ms) => void slept.push(ms) });
    for (let seq = 1; seq <= 4; seq++) await q.enqueue(makeReport({ seq }));
    await q.drain();
    expect(t.sent.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    expect(slept).toEqual([100, 300, 200]); // 200 ms × (0.5 + random)
  });

  it('waits at least as long as a busy collector asks (Retry-After)', async () => {
    let mono = 0;
    const t = scripted([{ kind: 'retry', reason: 'HTTP 429', retryAfterMs: 30_000 }]);
    const q = new ReportQueue(t, silentLogger, () => mono, () => 0, { maxReports: 10, baseDelayMs: 1000, maxDelayMs: 60_000, random: () => 0 });
    await q.enqueue(makeReport({ seq: 1 }));
    await q.drain();
    mono = 29_999;
    await q.drain();
    expect(t.sent).toHaveLength(1);
    mono = 30_000;
    await q.drain();
    expect(t.sent).toHaveLength(2);
    expect(q.length).toBe(0);
  });

  it('keeps every report while the collector refuses the token (revoked), and asks again rarely', async () => {
    let mono = 0;
    const t = scripted([{ kind: 'unauthorized', status: 401, reason: 'revoked' }]);
    const q = new ReportQueue(t, silentLogger, () => mono, () => 0, { maxReports: 10, baseDelayMs: 1000, maxDelayMs: 300_000, random: () => 1 });
    await q.enqueue(makeReport({ seq: 1 }));
    await q.enqueue(makeReport({ seq: 2 }));
    await q.drain();
    expect(q.length).toBe(2);
    mono = 299_999;
    await q.drain();
    expect(t.sent).toHaveLength(1);
    mono = 300_000;
    await q.drain();
    expect(t.sent.map((r) => r.seq)).toEqual([1, 1, 2]);
  });
});
