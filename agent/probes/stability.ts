// Stability: reboots, unclean shutdowns, freezes, sleeps and clock steps. All counters live in a state
// file because they must survive agent restarts; the decisions themselves are in stability-logic.ts.
// The agent cannot see its own death, so an unclean shutdown is inferred at the next boot from a
// missing clean-stop marker, and a freeze from the gap between two heartbeats once it is over.
import { Type } from '@sinclair/typebox';
import { rename } from 'node:fs/promises';
import { uptime as osUptime } from 'node:os';
import { join } from 'node:path';
import { readJsonFile, writeFileAtomic } from '../../common/atomic-file.js';
import { m } from '../../protocol/metrics.js';
import { withDeadline } from '../exec/deadline.js';
import { describeError } from '../runner.js';
import { platformPart, type PlatformFiles } from './platform.js';
import { osCpuReader, type CpuReading } from './stability-cpu.js';
import { sample, type ProbeDefinition, type ProbeInstance, type ProbeSetup, type Reading } from './probe.js';
import {
  DEFAULT_LIMITS,
  applyVerdict,
  classifyGap,
  needsSleepEvidence,
  onAgentStart,
  applyOsUncleanEvidence,
  parseState,
  settleBootTime,
  type GapLimits,
  type StabilityState,
  type Tick,
} from './stability-logic.js';

export const STATE_FILE = 'stability.json';
/** Liveness is saved at most this often: on flash storage every write wears the medium. */
const ALIVE_SAVE_MS = 60_000;
/** Boottime and monotonic readings further apart than this cannot be compared to find sleep. */
const PAIRING_MS = 250;
const SLEEP_EVIDENCE_TIMEOUT_MS = 10_000;

/** Did the OS sleep between these two wall-clock moments? For platforms without boottime. */
export type SleepEvidence = (fromWallMs: number, toWallMs: number, signal: AbortSignal) => Promise<boolean>;

export interface StabilityOptions {
  heartbeatMs?: number;
  /** Tests drive `heartbeat()` by hand instead of a timer. */
  timer?: boolean;
  /** Time since boot including sleep; defaults to the clock's boottime, else the OS uptime. */
  uptimeMs?: () => Promise<number>;
  /** Without boottime (macOS, Windows) nothing tells sleep from a freeze or clock step unless this does. */
  sleepEvidence?: SleepEvidence;
  /** CPU time of the agent and the machine, read with each heartbeat (tests: a fake). */
  cpu?: () => CpuReading | undefined;
  /** The OS's own unclean-shutdown record (Windows events 41/6008); undefined where it cannot tell. */
  osUncleanShutdown?: (bootMs: number, signal: AbortSignal) => Promise<boolean | undefined>;
}

/** What each platform's file provides (stability.linux.ts, .win32.ts, .darwin.ts). */
export interface StabilityPart {
  /** The kernel's id of this boot, where there is one. */
  bootId(procRoot: string): Promise<string | undefined>;
  /** CPU time of the agent and the machine, read synchronously with every heartbeat. */
  cpu(procRoot: string): () => CpuReading | undefined;
  /** The OS's own record of an unclean shutdown of the previous boot; absent where there is none. */
  osUncleanShutdown?(bootMs: number, signal: AbortSignal): Promise<boolean | undefined>;
}

const files: PlatformFiles<StabilityPart> = {
  linux: () => import('./stability.linux.js').then((f) => f.stability),
  win32: () => import('./stability.win32.js').then((f) => f.stability),
  darwin: () => import('./stability.darwin.js').then((f) => f.stability),
};

export interface StabilityInstance extends ProbeInstance {
  heartbeat(): Promise<void>;
}

function limitsFrom(setup: ProbeSetup): GapLimits {
  const raw = setup.settings['hangThresholdSeconds'];
  if (raw === undefined) return DEFAULT_LIMITS;
  if (typeof raw === 'number' && Number.isFinite(raw) && raw > 0) return { ...DEFAULT_LIMITS, hangThresholdMs: raw * 1000 };
  setup.log.warn({ hangThresholdSeconds: raw }, 'hangThresholdSeconds must be a positive number; using the default');
  return DEFAULT_LIMITS;
}

export function createStability(setup: ProbeSetup, options: StabilityOptions = {}): StabilityInstance {
  const { log, clock } = setup;
  const file = join(setup.stateDir, STATE_FILE);
  const heartbeatMs = options.heartbeatMs ?? 1000;
  const limits = limitsFrom(setup);
  const uptimeMs = options.uptimeMs ?? (async () => (await clock.bootMs()) ?? osUptime() * 1000);
  const sleepEvidence = options.sleepEvidence ?? (async () => false);
  const part = platformPart(files, setup.platform);
  // Set from this platform's file in init(), before the first heartbeat reads them.
  let osEvidence = options.osUncleanShutdown ?? (async () => undefined as boolean | undefined);
  let readCpu = options.cpu ?? osCpuReader();

  let state: StabilityState;
  let ready: Promise<void> | undefined;
  let writing = Promise.resolve();
  let writeFailing = false;
  let lastSaveMono = -Infinity;
  let last: Tick | undefined;
  /** When the previous heartbeat finished: the next gap is expected to be the interval after that. */
  let doneMono = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function loadStored(): Promise<StabilityState | undefined> {
    try {
      const raw = await readJsonFile(file);
      if (raw === undefined) return undefined;
      const parsed = parseState(raw);
      if (typeof parsed === 'string') throw new Error(`state file ${file} has unexpected content: ${parsed}`);
      return parsed;
    } catch (err) {
      // Starting fresh loses the counters but invents nothing: no reboot or unclean shutdown is
      // counted from a file we cannot read. The bad file is kept aside for whoever investigates.
      log.warn({ path: file, err: describeError(err) }, 'stability state unreadable, starting fresh');
      await rename(file, `${file}.corrupt`).catch(() => undefined);
      return undefined;
    }
  }

  /** Saves a snapshot of the state; writes are queued so two never share the temporary file. */
  function save(): Promise<void> {
    const data = `${JSON.stringify(state, null, 2)}\n`;
    lastSaveMono = clock.monoMs();
    writing = writing.then(
      () =>
        writeFileAtomic(file, data).then(
          () => void (writeFailing = false),
          (err: unknown) => {
            if (!writeFailing) log.warn({ path: file, err: describeError(err) }, 'cannot save stability state');
            writeFailing = true;
          },
        ),
    );
    return writing;
  }

  async function markAlive(force: boolean): Promise<void> {
    if (!force && clock.monoMs() - lastSaveMono < ALIVE_SAVE_MS) return;
    state.lastAliveWallMs = clock.wallMs();
    state.lastAliveUptimeMs = await uptimeMs();
    await save();
  }

  async function init(): Promise<void> {
    const stored = await loadStored();
    const up = await uptimeMs();
    const now = clock.wallMs();
    const p = await part();
    if (p && !options.cpu) readCpu = p.cpu(setup.procRoot);
    if (p?.osUncleanShutdown && !options.osUncleanShutdown) osEvidence = p.osUncleanShutdown;
    const id = await p?.bootId(setup.procRoot);
    const started = onAgentStart(stored, id !== undefined ? { id, timeMs: now - up, uptimeMs: up } : { timeMs: now - up, uptimeMs: up }, now);
    state = started.state;
    const fields = { event: started.event, bootTime: new Date(state.boot.timeMs).toISOString() };
    if (started.event === 'new-boot-unclean') log.warn({ ...fields, lastAlive: new Date(state.lastUncleanShutdownWallMs ?? 0).toISOString() }, 'previous boot ended without a clean shutdown');
    else if (started.event === 'agent-restart-after-crash') log.warn(fields, 'agent restarted without a clean stop in the same boot');
    else log.info(fields, 'stability state loaded');
    // Saved at once: clearing the clean marker is what lets the next boot notice a crash from now on.
    await save();
    if (started.event === 'new-boot-clean' && stored) void checkOsEvidence(stored.lastAliveWallMs);
  }

  /** In the background: asking the OS (PowerShell on Windows) must not delay the first report. */
  async function checkOsEvidence(previousAliveWallMs: number): Promise<void> {
    try {
      const unclean = await withDeadline(10_000, 'the OS shutdown log query', undefined, (signal) => osEvidence(state.boot.timeMs, signal));
      if (unclean && applyOsUncleanEvidence(state, 'new-boot-clean', previousAliveWallMs)) {
        log.warn({ lastAlive: new Date(previousAliveWallMs).toISOString() }, 'the OS logged an unclean shutdown of the previous boot (the agent had stopped cleanly before it)');
        await save();
      }
    } catch (err) {
      log.debug({ err: describeError(err) }, 'could not read the OS shutdown log');
    }
  }

  async function readTick(): Promise<Tick> {
    for (let attempt = 0; ; attempt++) {
      const before = clock.monoMs();
      const bootMs = await clock.bootMs();
      const monoMs = clock.monoMs();
      const wallMs = clock.wallMs();
      const cpu = readCpu();
      const tick: Tick = cpu ? { wallMs, monoMs, cpu } : { wallMs, monoMs };
      if (bootMs === undefined || monoMs - before <= PAIRING_MS) return bootMs === undefined ? tick : { ...tick, bootMs };
      if (attempt === 1) return tick;
    }
  }

  async function askSleep(fromWallMs: number, toWallMs: number): Promise<boolean> {
    const controller = new AbortController();
    const t = setTimeout(() => controller.abort(), SLEEP_EVIDENCE_TIMEOUT_MS);
    try {
      return await sleepEvidence(fromWallMs, toWallMs, controller.signal);
    } catch (err) {
      log.warn({ err: describeError(err) }, 'sleep evidence unavailable');
      return false;
    } finally {
      clearTimeout(t);
    }
  }

  async function heartbeat(): Promise<void> {
    await (ready ??= init());
    if (stopped) return;
    const cur = await readTick();
    const prev = last;
    last = cur;
    let changed = false;
    if (prev) {
      const expectedMs = heartbeatMs + Math.max(0, doneMono - prev.monoMs);
      const slept = needsSleepEvidence(prev, cur, expectedMs, limits) ? await askSleep(prev.wallMs, cur.wallMs) : false;
      const v = classifyGap(prev, cur, expectedMs, limits, slept);
      changed = applyVerdict(state, v, cur.wallMs);
      const secs = (ms: number) => Math.round(ms) / 1000;
      if (v.hang) log.warn({ seconds: secs(v.stallMs) }, 'agent was not scheduled: freeze detected');
      if (v.starved) log.warn({ seconds: secs(v.stallMs), cause: v.starved }, v.starved === 'agent-busy' ? 'the agent was busy itself and late: not counted as a freeze' : 'the machine was saturated and the agent starved: not counted as a freeze');
      if (v.suspend) log.info({ seconds: secs(v.suspendedMs) }, 'system slept');
      if (v.clockStep) log.warn({ seconds: secs(v.stepMs) }, 'wall clock stepped');
    }
    await markAlive(changed);
    doneMono = clock.monoMs();
  }

  function schedule(): void {
    timer = setTimeout(() => {
      heartbeat()
        .catch((err: unknown) => log.warn({ err: describeError(err) }, 'stability heartbeat failed'))
        .finally(() => {
          if (!stopped) schedule();
        });
    }, heartbeatMs);
    // The heartbeat only watches; it must never keep the process alive on its own.
    timer.unref();
  }

  return {
    heartbeat,

    async start() {
      await heartbeat();
      if (options.timer !== false && !stopped) schedule();
    },

    async collect(): Promise<Reading[]> {
      await (ready ??= init());
      const up = await uptimeMs();
      const settled = settleBootTime(state.boot.timeMs, clock.wallMs() - up);
      const moved = settled !== state.boot.timeMs;
      state.boot.timeMs = settled;
      await markAlive(moved);
      const c = state.counters;
      const readings = [
        sample(m.bootTime, state.boot.timeMs / 1000),
        sample(m.boots, c.boots),
        sample(m.agentRestarts, c.agentRestarts),
        sample(m.uncleanShutdowns, c.uncleanShutdowns),
        sample(m.hangs, c.hangs),
        sample(m.hangSeconds, c.hangSeconds),
        sample(m.suspends, c.suspends),
        sample(m.clockSteps, c.clockSteps),
      ];
      // A timestamp of 0 would read as "1970"; absent means it never happened.
      if (state.lastUncleanShutdownWallMs !== undefined) readings.push(sample(m.lastUncleanShutdown, state.lastUncleanShutdownWallMs / 1000));
      if (state.lastHangWallMs !== undefined) readings.push(sample(m.lastHang, state.lastHangWallMs / 1000));
      return readings;
    },

    async stop() {
      stopped = true;
      clearTimeout(timer);
      if (!ready) return;
      await ready;
      state.cleanShutdown = true;
      await markAlive(true);
    },
  };
}

export const stabilityProbe: ProbeDefinition = {
  name: 'stability',
  interval: 'fast',
  metrics: [m.bootTime, m.boots, m.agentRestarts, m.uncleanShutdowns, m.lastUncleanShutdown, m.hangs, m.hangSeconds, m.lastHang, m.suspends, m.clockSteps],
  settingsSchema: Type.Object(
    { hangThresholdSeconds: Type.Number({ exclusiveMinimum: 0, maximum: 3600, default: 10, description: 'a stall longer than this is a freeze' }) },
    { additionalProperties: false },
  ),
  create: (setup) => createStability(setup),
};
