import { describe, it, expect } from 'vitest';
import { silentLogger } from '../../common/logger.js';
import { m } from '../../protocol/metrics.js';
import { ProbeRunner, describeError, type ScheduledProbe } from '../../agent/runner.js';
import { sample, unavailable, type ProbeDefinition, type ProbeInstance } from '../../agent/probes/probe.js';
import { runCommand } from '../../agent/exec/run-command.js';
import { liveChildren } from '../../agent/exec/children.js';

function scheduled(name: string, instance: ProbeInstance, timeoutMs = 200, intervalMs = 1000): ScheduledProbe {
  const definition: ProbeDefinition = { name, interval: 'fast', metrics: [], create: () => instance };
  return { definition, instance, intervalMs, timeoutMs };
}

const realClock = { mono: () => performance.now(), wall: () => Date.now() };

describe('probe runner', () => {
  it('a hanging probe times out without delaying the others, and is not started twice', async () => {
    let hangingStarts = 0;
    const hanging = scheduled('hanging', { collect: () => { hangingStarts++; return new Promise(() => {}); } }, 100, 0);
    const fine = scheduled('fine', { collect: async () => [sample(m.cpuUtilisation, 0.25)] }, 100, 0);
    const runner = new ProbeRunner([hanging, fine], silentLogger, realClock.mono, realClock.wall);
    const t0 = performance.now();
    await runner.runDue();
    expect(performance.now() - t0).toBeLessThan(1000);
    const snap = runner.snapshot();
    expect(snap.samples).toEqual([{ metric: 'stationwatch_cpu_utilisation_ratio', value: 0.25 }]);
    const status = snap.probes.find((p) => p.name === 'hanging')!;
    expect(status.ok).toBe(false);
    expect(status.error).toBe('probe hanging timed out after 0.1 s');
    await runner.runDue();
    expect(hangingStarts).toBe(1); // still in flight: not piled up
    // …and said so on this cycle, not an old outcome repeated.
    expect(runner.snapshot().probes.find((p) => p.name === 'hanging')!.error).toMatch(/^probe hanging timed out and its run has not ended \d+ s later/);
  });

  it('a probe whose command hangs is killed at its timeout with the command, reported failed with why, and runs again next cycle while the others keep their schedule', async () => {
    let starts = 0;
    const hanging = scheduled('hanging', {
      collect: async ({ signal }) => {
        starts++;
        await runCommand('sh', ['-c', 'echo $$; exec sleep 30'], { timeoutMs: 60_000, signal });
        return [];
      },
    }, 300, 0);
    let fastRuns = 0;
    const fast = scheduled('resources', { collect: async () => [sample(m.cpuUtilisation, ++fastRuns)] }, 300, 0);
    const runner = new ProbeRunner([hanging, fast], silentLogger, realClock.mono, realClock.wall);
    const spawned = new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (liveChildren() > 0) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    const first = runner.runDue();
    await spawned;
    await first;
    const status = runner.snapshot().probes.find((p) => p.name === 'hanging')!;
    expect(status).toMatchObject({ ok: false, error: expect.stringMatching(/^probe hanging timed out after 0.3 s/) });
    expect(runner.snapshot().samples).toEqual([{ metric: 'stationwatch_cpu_utilisation_ratio', value: 1 }]);
    // The abort killed the command, so the run ended and the probe starts again on the next cycle.
    for (let i = 0; i < 100 && liveChildren() > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(liveChildren()).toBe(0);
    await runner.runDue();
    expect(starts).toBe(2);
    expect(fastRuns).toBe(2);
  });

  it('spreads the first runs of slow probes; fast ones run at once', async () => {
    let mono = 1000;
    const ran: string[] = [];
    const probe = (name: string, interval: 'fast' | 'slow'): ScheduledProbe => {
      const instance: ProbeInstance = { collect: async () => (ran.push(name), []) };
      return { definition: { name, interval, metrics: [], create: () => instance }, instance, intervalMs: 60_000, timeoutMs: 100 };
    };
    const runner = new ProbeRunner([probe('a', 'slow'), probe('f', 'fast'), probe('b', 'slow'), probe('c', 'slow')], silentLogger, () => mono, () => 0, { slowStaggerMs: 500 });
    await runner.runDue();
    expect(ran).toEqual(['a', 'f']);
    // The agent's slow-probe timer is set to this, not ticking: the next staggered start.
    expect(runner.nextDueMono('slow')).toBe(1500);
    mono = 1499;
    await runner.runDue('slow');
    expect(ran).toEqual(['a', 'f']);
    mono = 1500;
    await runner.runDue('slow');
    expect(ran).toEqual(['a', 'f', 'b']);
    expect(runner.nextDueMono('slow')).toBe(2000);
    mono = 2000;
    await runner.runDue('fast');
    expect(ran).toEqual(['a', 'f', 'b']);
    await runner.runDue();
    expect(ran).toEqual(['a', 'f', 'b', 'c']);
    // Once each has run, the next is a whole interval away: the first one's.
    expect(runner.nextDueMono('slow')).toBe(1000 + 60_000);
    expect(runner.nextDueMono('fast')).toBe(1000 + 60_000);
    expect(new ProbeRunner([probe('f', 'fast')], silentLogger, () => mono, () => 0).nextDueMono('slow')).toBeUndefined();
  });

  it('stop aborts running probes (their commands killed) and starts nothing new', async () => {
    const p = scheduled('p', { collect: async ({ signal }) => (await runCommand('sleep', ['30'], { timeoutMs: 60_000, signal }), []) }, 60_000, 0);
    const runner = new ProbeRunner([p], silentLogger, realClock.mono, realClock.wall);
    const run = runner.runDue();
    for (let i = 0; i < 100 && liveChildren() === 0; i++) await new Promise((r) => setTimeout(r, 10));
    const t0 = performance.now();
    await runner.stop(2000);
    expect(performance.now() - t0).toBeLessThan(1000);
    await run;
    expect(runner.snapshot().probes[0]).toMatchObject({ ok: false, error: expect.stringMatching(/the agent is stopping/) });
    for (let i = 0; i < 100 && liveChildren() > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(liveChildren()).toBe(0);
  });

  it('a throwing probe reports its error chain and contributes no values', async () => {
    const broken = scheduled('broken', { collect: async () => { throw new Error('query CUPS', { cause: new Error('connect ECONNREFUSED') }); } });
    const runner = new ProbeRunner([broken], silentLogger, realClock.mono, realClock.wall);
    await runner.runDue();
    expect(runner.snapshot()).toMatchObject({ samples: [], probes: [{ name: 'broken', ok: false, error: 'query CUPS: connect ECONNREFUSED' }] });
  });

  it('runs a probe again only when its interval has passed', async () => {
    let mono = 0;
    let runs = 0;
    const p = scheduled('p', { collect: async () => { runs++; return [unavailable(m.temperature, 'no sensors')]; } }, 100, 1000);
    const runner = new ProbeRunner([p], silentLogger, () => mono, () => 0);
    await runner.runDue();
    mono = 999;
    await runner.runDue();
    expect(runs).toBe(1);
    mono = 1000;
    await runner.runDue();
    expect(runs).toBe(2);
    expect(runner.snapshot().unavailable).toEqual([{ metric: 'stationwatch_temperature_celsius', reason: 'no sensors' }]);
  });

  it('sends a NaN, an infinite value or a negative counter as unavailable, with why, not as a sample', async () => {
    const p = scheduled('p', {
      collect: async () => [
        sample(m.cpuUtilisation, NaN),
        sample(m.load1, 1.5),
        sample(m.fsUtilisation, Infinity, { mountpoint: '/', fstype: 'ext4' }),
        sample(m.boots, -2),
        sample(m.failedLogins, 0),
      ],
    });
    const runner = new ProbeRunner([p], silentLogger, realClock.mono, realClock.wall);
    await runner.runDue();
    const snap = runner.snapshot();
    expect(snap.samples).toEqual([{ metric: 'stationwatch_load1', value: 1.5 }, { metric: 'stationwatch_failed_logins_total', value: 0 }]);
    expect(snap.unavailable).toEqual([
      { metric: 'stationwatch_cpu_utilisation_ratio', reason: 'the probe produced NaN, not a number' },
      { metric: 'stationwatch_filesystem_utilisation_ratio', reason: 'the probe produced Infinity, not a finite number (mountpoint="/", fstype="ext4")' },
      { metric: 'stationwatch_boots_total', reason: 'the probe produced -2 for a counter, which cannot be negative' },
    ]);
    // what the agent sends is plain JSON that keeps every value
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
  });

  it('describeError handles non-errors', () => {
    expect(describeError('plain')).toBe('plain');
  });
});
