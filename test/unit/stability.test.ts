import { describe, it, expect, beforeEach } from 'vitest';
import { mkdtemp, mkdir, writeFile, readFile, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Clock } from '../../agent/clock.js';
import type { ProbeSetup, Reading } from '../../agent/probes/probe.js';
import { createStability, STATE_FILE, type StabilityOptions } from '../../agent/probes/stability.js';
import {
  DEFAULT_LIMITS,
  classifyGap,
  needsSleepEvidence,
  onAgentStart,
  parseState,
  type StabilityState,
  type Tick,
} from '../../agent/probes/stability-logic.js';

const T0 = Date.UTC(2025, 0, 6, 8, 0, 0);
const HOUR = 3_600_000;

describe('classifyGap with boottime (Linux)', () => {
  const prev: Tick = { wallMs: T0, monoMs: 50_000, bootMs: 60_000 };
  const after = (wall: number, mono: number, boot: number): Tick => ({ wallMs: T0 + wall, monoMs: 50_000 + mono, bootMs: 60_000 + boot });

  it('sees nothing in an ordinary tick', () => {
    const v = classifyGap(prev, after(1_050, 1_050, 1_050), 1_000, DEFAULT_LIMITS);
    expect(v).toMatchObject({ hang: false, suspend: false, clockStep: false, stallMs: 50, suspendedMs: 0, stepMs: 0 });
  });

  it('calls a long monotonic gap a hang', () => {
    const v = classifyGap(prev, after(16_000, 16_000, 16_000), 1_000, DEFAULT_LIMITS);
    expect(v).toMatchObject({ hang: true, suspend: false, clockStep: false, stallMs: 15_000 });
  });

  it('does not call a stall under the threshold a hang', () => {
    expect(classifyGap(prev, after(10_000, 10_000, 10_000), 1_000, DEFAULT_LIMITS).hang).toBe(false);
    expect(classifyGap(prev, after(5_000, 5_000, 5_000), 1_000, { ...DEFAULT_LIMITS, hangThresholdMs: 3_000 }).hang).toBe(true);
  });

  it('calls boottime running ahead of monotonic a suspend, not a hang or clock step', () => {
    const v = classifyGap(prev, after(HOUR + 1_000, 1_000, HOUR + 1_000), 1_000, DEFAULT_LIMITS);
    expect(v).toMatchObject({ hang: false, suspend: true, clockStep: false, suspendedMs: HOUR, stepMs: 0 });
  });

  it('does not turn a slow thaw after resume into a hang', () => {
    const v = classifyGap(prev, after(HOUR + 20_000, 20_000, HOUR + 20_000), 1_000, DEFAULT_LIMITS);
    expect(v).toMatchObject({ hang: false, suspend: true, suspendedMs: HOUR });
  });

  it('calls a wall jump forward a clock step', () => {
    const v = classifyGap(prev, after(301_000, 1_000, 1_000), 1_000, DEFAULT_LIMITS);
    expect(v).toMatchObject({ hang: false, suspend: false, clockStep: true, stepMs: 300_000 });
  });

  it('calls a wall jump backward a clock step', () => {
    const v = classifyGap(prev, after(1_000 - 120_000, 1_000, 1_000), 1_000, DEFAULT_LIMITS);
    expect(v).toMatchObject({ hang: false, suspend: false, clockStep: true, stepMs: -120_000 });
  });

  it('separates a clock step made during sleep from the sleep', () => {
    const v = classifyGap(prev, after(HOUR + 31_000, 1_000, HOUR + 1_000), 1_000, DEFAULT_LIMITS);
    expect(v).toMatchObject({ suspend: true, clockStep: true, suspendedMs: HOUR, stepMs: 30_000 });
  });

  it('ignores small NTP slews', () => {
    expect(classifyGap(prev, after(2_500, 1_000, 1_000), 1_000, DEFAULT_LIMITS).clockStep).toBe(false);
  });
});

describe('classifyGap without boottime', () => {
  const prev: Tick = { wallMs: T0, monoMs: 50_000 };

  it('macOS sleep (monotonic stops) looks like a clock step unless the OS says it slept', () => {
    const cur: Tick = { wallMs: T0 + HOUR, monoMs: 51_000 };
    expect(needsSleepEvidence(prev, cur, 1_000, DEFAULT_LIMITS)).toBe(true);
    expect(classifyGap(prev, cur, 1_000, DEFAULT_LIMITS, false)).toMatchObject({ clockStep: true, suspend: false, hang: false });
    expect(classifyGap(prev, cur, 1_000, DEFAULT_LIMITS, true)).toMatchObject({ clockStep: false, suspend: true, hang: false, suspendedMs: HOUR - 1_000 });
  });

  it('Windows sleep (monotonic runs on) looks like a hang unless the OS says it slept', () => {
    const cur: Tick = { wallMs: T0 + HOUR, monoMs: 50_000 + HOUR };
    expect(classifyGap(prev, cur, 1_000, DEFAULT_LIMITS, false)).toMatchObject({ hang: true, suspend: false, clockStep: false });
    expect(classifyGap(prev, cur, 1_000, DEFAULT_LIMITS, true)).toMatchObject({ hang: false, suspend: true, clockStep: false });
  });

  it('does not ask for evidence about an ordinary tick', () => {
    expect(needsSleepEvidence(prev, { wallMs: T0 + 1_200, monoMs: 51_200 }, 1_000, DEFAULT_LIMITS)).toBe(false);
    expect(needsSleepEvidence({ ...prev, bootMs: 0 }, { wallMs: T0 + HOUR, monoMs: 51_000, bootMs: HOUR }, 1_000, DEFAULT_LIMITS)).toBe(false);
  });
});

describe('onAgentStart', () => {
  const first = onAgentStart(undefined, { id: 'boot-a', timeMs: T0, uptimeMs: 30_000 }, T0 + 30_000).state;

  it('records the first boot without counting it', () => {
    const { state, event } = onAgentStart(undefined, { id: 'boot-a', timeMs: T0, uptimeMs: 30_000 }, T0 + 30_000);
    expect(event).toBe('first-run');
    expect(state.counters).toEqual({ boots: 0, agentRestarts: 0, uncleanShutdowns: 0, hangs: 0, hangSeconds: 0, suspends: 0, clockSteps: 0 });
    expect(state.cleanShutdown).toBe(false);
  });

  it('tells a crashed agent from a crashed OS', () => {
    const sameBoot = onAgentStart({ ...first, lastAliveWallMs: T0 + HOUR }, { id: 'boot-a', timeMs: T0 + 400, uptimeMs: 2 * HOUR }, T0 + 2 * HOUR);
    expect(sameBoot.event).toBe('agent-restart-after-crash');
    expect(sameBoot.state.counters).toMatchObject({ boots: 0, agentRestarts: 1, uncleanShutdowns: 0 });
    expect(sameBoot.state.boot.timeMs).toBe(T0);

    const newBoot = onAgentStart({ ...first, lastAliveWallMs: T0 + HOUR }, { id: 'boot-b', timeMs: T0 + 2 * HOUR, uptimeMs: 40_000 }, T0 + 2 * HOUR + 40_000);
    expect(newBoot.event).toBe('new-boot-unclean');
    expect(newBoot.state.counters).toMatchObject({ boots: 1, agentRestarts: 0, uncleanShutdowns: 1 });
    expect(newBoot.state.lastUncleanShutdownWallMs).toBe(T0 + HOUR);
    expect(newBoot.state.boot).toEqual({ id: 'boot-b', timeMs: T0 + 2 * HOUR });
  });

  it('counts a clean reboot as a boot only', () => {
    const { state, event } = onAgentStart({ ...first, cleanShutdown: true }, { id: 'boot-b', timeMs: T0 + HOUR, uptimeMs: 40_000 }, T0 + HOUR + 40_000);
    expect(event).toBe('new-boot-clean');
    expect(state.counters).toMatchObject({ boots: 1, uncleanShutdowns: 0 });
    expect(state.lastUncleanShutdownWallMs).toBeUndefined();
    expect(state.cleanShutdown).toBe(false);
  });

  it('identifies a boot by its time, with tolerance, where there is no boot id', () => {
    const noId = onAgentStart(undefined, { timeMs: T0, uptimeMs: 30_000 }, T0 + 30_000).state;
    noId.cleanShutdown = true;
    expect(onAgentStart(noId, { timeMs: T0 + 45_000, uptimeMs: HOUR }, T0 + HOUR).event).toBe('agent-restart');
    expect(onAgentStart(noId, { timeMs: T0 + 90_000, uptimeMs: 60_000 }, T0 + 150_000).event).toBe('new-boot-clean');
    // A reboot that came back within the tolerance: uptime went backwards, so it is still a new boot.
    const upLong = { ...noId, lastAliveUptimeMs: HOUR };
    expect(onAgentStart(upLong, { timeMs: T0 + 20_000, uptimeMs: 5_000 }, T0 + 25_000).event).toBe('new-boot-clean');
  });

  it('follows the wall clock when it was set since the boot was first measured', () => {
    const { state } = onAgentStart(first, { id: 'boot-a', timeMs: T0 + 86_400_000, uptimeMs: HOUR }, T0 + 86_400_000 + HOUR);
    expect(state.boot.timeMs).toBe(T0 + 86_400_000);
  });
});

describe('parseState', () => {
  it('rejects what we did not write', () => {
    expect(parseState(null)).toBe('not an object');
    expect(parseState({ version: 2 })).toBe('unknown version 2');
    const good = onAgentStart(undefined, { timeMs: T0, uptimeMs: 1 }, T0).state;
    expect(parseState(JSON.parse(JSON.stringify(good)))).toEqual(good);
    expect(parseState({ ...good, counters: { ...good.counters, hangs: 'many' } })).toBe('bad counters');
  });
});

// ---- the probe, with its state file in a temporary directory and a clock the test moves ----

class FakeClock implements Clock {
  wall = T0;
  mono = 1_000_000;
  boot: number | undefined = 30_000;
  wallMs = () => this.wall;
  monoMs = () => this.mono;
  bootMs = async () => this.boot;
  /** Time passes normally (no sleep, no clock change). */
  advance(ms: number): void {
    this.wall += ms;
    this.mono += ms;
    if (this.boot !== undefined) this.boot += ms;
  }
}

interface Env {
  dir: string;
  clock: FakeClock;
  warnings: string[];
  setBootId(id: string): Promise<void>;
  probe(platform?: NodeJS.Platform, options?: StabilityOptions, settings?: Record<string, unknown>): ReturnType<typeof createStability>;
  stored(): Promise<StabilityState>;
}

async function env(): Promise<Env> {
  const dir = await mkdtemp(join(tmpdir(), 'stationwatch-stability-'));
  const procRoot = join(dir, 'proc');
  await mkdir(join(procRoot, 'sys/kernel/random'), { recursive: true });
  const clock = new FakeClock();
  const warnings: string[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
  const e: Env = {
    dir,
    clock,
    warnings,
    setBootId: (id) => writeFile(join(procRoot, 'sys/kernel/random/boot_id'), `${id}\n`),
    probe: (platform = 'linux', options = {}, settings = {}) => {
      const setup: ProbeSetup = { log, clock, platform, stateDir: join(dir, 'state'), procRoot, sysRoot: join(dir, 'sys'), settings, collectorUrl: 'http://127.0.0.1:9847' };
      return createStability(setup, { timer: false, ...options });
    },
    stored: async () => JSON.parse(await readFile(join(dir, 'state', STATE_FILE), 'utf8')) as StabilityState,
  };
  await e.setBootId('11111111-aaaa');
  return e;
}

const ctx = { signal: new AbortController().signal };

async function values(p: { collect: (c: typeof ctx) => Promise<Reading[]> }): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const r of await p.collect(ctx)) if (r.kind === 'sample') out[r.metric.name.replace('stationwatch_', '')] = r.value;
  return out;
}

/** A new boot: the clocks restart from boot while wall time runs on. */
async function reboot(e: Env, id: string, downMs: number): Promise<void> {
  e.clock.wall += downMs;
  e.clock.mono = 5_000;
  e.clock.boot = 20_000;
  await e.setBootId(id);
}

describe('stability probe across restarts', () => {
  let e: Env;
  beforeEach(async () => {
    e = await env();
  });

  it('starts at zero and omits timestamps of things that never happened', async () => {
    const p = e.probe();
    await p.start?.();
    expect(await values(p)).toEqual({
      boot_timestamp_seconds: (T0 - 30_000) / 1000,
      boots_total: 0,
      agent_restarts_total: 0,
      unclean_shutdowns_total: 0,
      hangs_total: 0,
      hang_seconds_total: 0,
      suspends_total: 0,
      clock_steps_total: 0,
    });
  });

  it('clean stop then restart in the same boot is an agent restart', async () => {
    const p = e.probe();
    await p.start?.();
    await p.stop?.();
    expect((await e.stored()).cleanShutdown).toBe(true);
    e.clock.advance(10_000);
    const q = e.probe();
    await q.start?.();
    expect(await values(q)).toMatchObject({ boots_total: 0, agent_restarts_total: 1, unclean_shutdowns_total: 0 });
    expect((await e.stored()).cleanShutdown).toBe(false);
  });

  it('agent crash (no marker) in the same boot is an agent restart, not an unclean shutdown', async () => {
    await e.probe().start?.();
    e.clock.advance(10_000);
    const q = e.probe();
    await q.start?.();
    expect(await values(q)).toMatchObject({ boots_total: 0, agent_restarts_total: 1, unclean_shutdowns_total: 0 });
  });

  it('clean shutdown then a new boot is a boot, not an unclean shutdown', async () => {
    const p = e.probe();
    await p.start?.();
    await p.stop?.();
    await reboot(e, '22222222-bbbb', 60_000);
    const q = e.probe();
    await q.start?.();
    const v = await values(q);
    expect(v).toMatchObject({ boots_total: 1, agent_restarts_total: 0, unclean_shutdowns_total: 0, boot_timestamp_seconds: (T0 + 60_000 - 20_000) / 1000 });
    expect(v).not.toHaveProperty('last_unclean_shutdown_timestamp_seconds');
  });

  it('the OS log (Windows events 41/6008) overrules a clean marker: the crash came after the agent stopped', async () => {
    const p = e.probe('win32');
    await p.start?.();
    await p.stop?.();
    const stoppedAt = e.clock.wall;
    await reboot(e, '22222222-bbbb', 60_000);
    const asked: number[] = [];
    const q = e.probe('win32', { osUncleanShutdown: async (bootMs) => (asked.push(bootMs), true) });
    await q.start?.();
    await new Promise((r) => setTimeout(r, 50)); // the OS is asked in the background
    expect(asked).toHaveLength(1);
    expect(await values(q)).toMatchObject({ boots_total: 1, unclean_shutdowns_total: 1, last_unclean_shutdown_timestamp_seconds: stoppedAt / 1000 });
    expect((await e.stored()).counters.uncleanShutdowns).toBe(1);
  });

  it('the OS log is not asked when the marker already tells, and silence from it changes nothing', async () => {
    const asked: number[] = [];
    const ask = async (bootMs: number) => (asked.push(bootMs), undefined);
    const p = e.probe('win32', { osUncleanShutdown: ask });
    await p.start?.();
    await p.stop?.();
    await reboot(e, '22222222-bbbb', 60_000);
    const q = e.probe('win32', { osUncleanShutdown: ask });
    await q.start?.();
    await new Promise((r) => setTimeout(r, 50));
    expect(asked).toHaveLength(1); // asked once, for the clean-marker boot only
    expect(await values(q)).toMatchObject({ unclean_shutdowns_total: 0 });
  });

  it('a new boot without the marker is an unclean shutdown dated when the agent was last seen alive', async () => {
    const p = e.probe();
    await p.start?.();
    const beat = async (seconds: number) => {
      for (let i = 0; i < seconds; i++) {
        e.clock.advance(1_000);
        await p.heartbeat();
      }
    };
    await beat(59); // under a minute since the last save: liveness not written
    expect((await e.stored()).lastAliveWallMs).toBe(T0);
    await beat(1);
    expect((await e.stored()).lastAliveWallMs).toBe(T0 + 60_000);
    await beat(20); // power lost here, 20 s after the last save
    expect((await e.stored()).lastAliveWallMs).toBe(T0 + 60_000);
    await reboot(e, '22222222-bbbb', 120_000);
    const q = e.probe();
    await q.start?.();
    expect(await values(q)).toMatchObject({
      boots_total: 1,
      unclean_shutdowns_total: 1,
      last_unclean_shutdown_timestamp_seconds: (T0 + 60_000) / 1000,
      hangs_total: 0,
    });
  });

  it('keeps hang, suspend and clock-step counters across a restart', async () => {
    const p = e.probe();
    await p.start?.();
    e.clock.advance(16_000); // a 15 s freeze beyond the 1 s heartbeat
    await p.heartbeat();
    e.clock.wall += HOUR + 1_000; // an hour asleep: monotonic stood still
    e.clock.boot! += HOUR + 1_000;
    e.clock.mono += 1_000;
    await p.heartbeat();
    e.clock.advance(1_000);
    e.clock.wall -= 300_000; // clock set back five minutes
    await p.heartbeat();
    const before = await values(p);
    expect(before).toMatchObject({ hangs_total: 1, hang_seconds_total: 15, last_hang_timestamp_seconds: (T0 + 16_000) / 1000, suspends_total: 1, clock_steps_total: 1 });
    await p.stop?.();
    e.clock.advance(5_000);
    const q = e.probe();
    await q.start?.();
    const after = await values(q);
    expect(after).toMatchObject({ hangs_total: 1, hang_seconds_total: 15, last_hang_timestamp_seconds: (T0 + 16_000) / 1000, suspends_total: 1, clock_steps_total: 1, agent_restarts_total: 1 });
  });

  it('honours hangThresholdSeconds', async () => {
    const p = e.probe('linux', {}, { hangThresholdSeconds: 3 });
    await p.start?.();
    e.clock.advance(5_000);
    await p.heartbeat();
    expect(await values(p)).toMatchObject({ hangs_total: 1, hang_seconds_total: 4 });
  });

  it('starts fresh from a corrupt state file, warning with its path and counting nothing', async () => {
    await mkdir(join(e.dir, 'state'));
    const file = join(e.dir, 'state', STATE_FILE);
    await writeFile(file, '{"version":1,"boot":');
    await reboot(e, '33333333-cccc', 0);
    const p = e.probe();
    await p.start?.();
    expect(await values(p)).toMatchObject({ boots_total: 0, unclean_shutdowns_total: 0, agent_restarts_total: 0 });
    expect(e.warnings.some((w) => w.includes(file) && w.includes('starting fresh'))).toBe(true);
    await access(`${file}.corrupt`);
    expect((await e.stored()).boot.id).toBe('33333333-cccc');
  });

  it('corrects the boot time once the wall clock is set', async () => {
    const p = e.probe();
    await p.start?.();
    e.clock.advance(1_000);
    e.clock.wall += 86_400_000; // NTP answered a day later than the RTC-less device believed
    expect((await values(p)).boot_timestamp_seconds).toBe((T0 - 30_000 + 86_400_000) / 1000);
    e.clock.advance(1_000);
    expect((await values(p)).boot_timestamp_seconds).toBe((T0 - 30_000 + 86_400_000) / 1000);
  });
});

describe('stability probe without boot id or boottime (macOS, Windows)', () => {
  it('tells boots apart by boot time and asks the OS whether it slept', async () => {
    const e = await env();
    e.clock.boot = undefined;
    let uptime = 30_000;
    const asked: [number, number][] = [];
    const options: StabilityOptions = {
      uptimeMs: async () => uptime,
      sleepEvidence: async (from, to) => {
        asked.push([from, to]);
        return true;
      },
    };
    const p = e.probe('darwin', options);
    await p.start?.();
    e.clock.wall += HOUR + 1_000; // macOS: monotonic stops during sleep
    e.clock.mono += 1_000;
    uptime += HOUR + 1_000;
    await p.heartbeat();
    expect(asked).toEqual([[T0, T0 + HOUR + 1_000]]);
    expect(await values(p)).toMatchObject({ suspends_total: 1, clock_steps_total: 0, hangs_total: 0 });
    await p.stop?.();

    // Restart in the same boot: uptime read a little later than wall time, boot time jitters by 0.7 s.
    e.clock.wall += 10_000;
    uptime += 9_300;
    const q = e.probe('darwin', options);
    await q.start?.();
    expect(await values(q)).toMatchObject({ boots_total: 0, agent_restarts_total: 1, suspends_total: 1 });

    // Crash, then a new boot.
    e.clock.wall += 600_000;
    uptime = 45_000;
    const r = e.probe('darwin', options);
    await r.start?.();
    expect(await values(r)).toMatchObject({ boots_total: 1, unclean_shutdowns_total: 1 });
  });
});
