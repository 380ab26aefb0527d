// Pure decisions of the stability probe, kept free of timers and files so tests can drive them with
// made-up clocks and state: which boot this is and how the previous one ended, and what a gap between
// two heartbeats means (freeze, sleep or a clock that was set).
import type { CpuReading } from './stability-cpu.js';

/** Everything the probe remembers across agent restarts; the state file is this object as JSON. */
export interface StabilityState {
  version: 1;
  boot: {
    /** Linux boot_id; absent elsewhere, where the boot time alone identifies a boot. */
    id?: string;
    timeMs: number;
  };
  /** Set by a clean agent stop; cleared by every start. Missing at the next boot = unclean shutdown. */
  cleanShutdown: boolean;
  lastAliveWallMs: number;
  /** Uptime when last seen alive: a lower uptime later can only mean a new boot. */
  lastAliveUptimeMs: number;
  counters: Counters;
  lastUncleanShutdownWallMs?: number;
  lastHangWallMs?: number;
}

export interface Counters {
  boots: number;
  agentRestarts: number;
  uncleanShutdowns: number;
  hangs: number;
  hangSeconds: number;
  suspends: number;
  clockSteps: number;
}

export interface BootIdentity {
  id?: string;
  timeMs: number;
  uptimeMs: number;
}

/** Uptime-derived boot times wobble by the time between reading the clock and reading uptime. */
export const BOOT_TIME_TOLERANCE_MS = 60_000;

export type StartEvent = 'first-run' | 'new-boot-clean' | 'new-boot-unclean' | 'agent-restart' | 'agent-restart-after-crash';

export function sameBoot(stored: StabilityState, current: BootIdentity): boolean {
  if (stored.boot.id !== undefined && current.id !== undefined) return stored.boot.id === current.id;
  // Without a boot id: uptime never goes backwards within a boot, and the boot moment stays put.
  if (current.uptimeMs + BOOT_TIME_TOLERANCE_MS < stored.lastAliveUptimeMs) return false;
  return Math.abs(stored.boot.timeMs - current.timeMs) <= BOOT_TIME_TOLERANCE_MS;
}

/**
 * The boot moment to report: the known one while a fresh measurement only jitters around it, so the
 * gauge does not change every sample; the fresh one once the wall clock was set (a device without a
 * battery-backed clock boots in 1970 until NTP answers).
 */
export function settleBootTime(knownMs: number, measuredMs: number): number {
  return Math.abs(knownMs - measuredMs) <= BOOT_TIME_TOLERANCE_MS ? knownMs : measuredMs;
}

/**
 * The state for an agent that starts now. The first run records the boot in progress without
 * counting it: boots_total counts boots the agent saw happen, so it starts at 0.
 */
export function onAgentStart(stored: StabilityState | undefined, current: BootIdentity, nowWallMs: number): { state: StabilityState; event: StartEvent } {
  const boot = current.id !== undefined ? { id: current.id, timeMs: current.timeMs } : { timeMs: current.timeMs };
  const fresh = { boot, cleanShutdown: false, lastAliveWallMs: nowWallMs, lastAliveUptimeMs: current.uptimeMs };
  if (!stored) {
    const counters = { boots: 0, agentRestarts: 0, uncleanShutdowns: 0, hangs: 0, hangSeconds: 0, suspends: 0, clockSteps: 0 };
    return { state: { version: 1, ...fresh, counters }, event: 'first-run' };
  }
  const counters = { ...stored.counters };
  if (sameBoot(stored, current)) {
    counters.agentRestarts++;
    const state = { ...stored, ...fresh, boot: { ...boot, timeMs: settleBootTime(stored.boot.timeMs, current.timeMs) }, counters };
    return { state, event: stored.cleanShutdown ? 'agent-restart' : 'agent-restart-after-crash' };
  }
  counters.boots++;
  const state: StabilityState = { ...stored, ...fresh, counters };
  if (stored.cleanShutdown) return { state, event: 'new-boot-clean' };
  counters.uncleanShutdowns++;
  state.lastUncleanShutdownWallMs = stored.lastAliveWallMs;
  return { state, event: 'new-boot-unclean' };
}

/**
 * The OS's own log says the previous boot ended uncleanly although the agent had stopped cleanly
 * (it was stopped before the crash): count it once, dated when the agent was last alive.
 */
export function applyOsUncleanEvidence(state: StabilityState, event: StartEvent, previousAliveWallMs: number): boolean {
  if (event !== 'new-boot-clean') return false;
  state.counters.uncleanShutdowns++;
  state.lastUncleanShutdownWallMs = previousAliveWallMs;
  return true;
}

/** One heartbeat: the three clocks read as close together as possible. */
export interface Tick {
  wallMs: number;
  monoMs: number;
  /** Time since boot including sleep; undefined where the OS does not tell us (macOS, Windows). */
  bootMs?: number;
  /** CPU time of the agent and of the machine (stability-cpu.ts); undefined where it could not be read. */
  cpu?: CpuReading;
}

/** The agent's own CPU time over a late gap, as a share of it, above which the agent was busy itself. */
export const AGENT_BUSY_SHARE = 0.5;
/** The machine's CPUs' busy share over a late gap above which the agent was starved, not frozen. */
export const MACHINE_BUSY_SHARE = 0.9;
/** Below this share of elapsed × CPUs counted by the kernel, the machine itself did not run (a paused VM). */
const KERNEL_COUNTED_SHARE = 0.5;

/**
 * Why the agent was not scheduled although the machine was running: it was busy itself, or the
 * machine's CPUs were saturated (a burst of child processes). Undefined: no such explanation — a
 * freeze, when the gap is long enough.
 */
export function starvation(prev: Tick, cur: Tick, elapsedMs: number): 'agent-busy' | 'machine-busy' | undefined {
  if (!prev.cpu || !cur.cpu || elapsedMs <= 0) return undefined;
  const own = cur.cpu.processMs - prev.cpu.processMs;
  const total = cur.cpu.systemTotalMs - prev.cpu.systemTotalMs;
  const busy = cur.cpu.systemBusyMs - prev.cpu.systemBusyMs;
  // The kernel did not count this time: nothing ran, whatever the shares say.
  if (total < elapsedMs * cur.cpu.cpus * KERNEL_COUNTED_SHARE) return undefined;
  if (own >= elapsedMs * AGENT_BUSY_SHARE) return 'agent-busy';
  if (total > 0 && busy / total >= MACHINE_BUSY_SHARE) return 'machine-busy';
  return undefined;
}

export interface GapLimits {
  hangThresholdMs: number;
  suspendToleranceMs: number;
  stepToleranceMs: number;
}

export const DEFAULT_LIMITS: GapLimits = { hangThresholdMs: 10_000, suspendToleranceMs: 1_000, stepToleranceMs: 2_000 };

export interface GapVerdict {
  hang: boolean;
  suspend: boolean;
  clockStep: boolean;
  /** Time the agent was not scheduled beyond what it asked for (the freeze length when `hang`). */
  stallMs: number;
  suspendedMs: number;
  /** How far the wall clock moved beyond elapsed time and sleep; negative when set back. */
  stepMs: number;
  /** A stall past the threshold that is not a freeze: the agent was busy, or the machine saturated. */
  starved?: 'agent-busy' | 'machine-busy';
}

/** Whether a gap needs outside evidence of sleep: only where boottime is unknown and something is off. */
export function needsSleepEvidence(prev: Tick, cur: Tick, expectedMs: number, limits: GapLimits): boolean {
  if (prev.bootMs !== undefined && cur.bootMs !== undefined) return false;
  const m = cur.monoMs - prev.monoMs;
  const w = cur.wallMs - prev.wallMs;
  return m - expectedMs > limits.hangThresholdMs || Math.abs(w - m) > limits.stepToleranceMs;
}

/**
 * Classifies the gap between two heartbeats that should have been `expectedMs` apart.
 *
 * With boottime (Linux), monotonic time stops during sleep and boottime does not, so their difference
 * is the time slept; the monotonic excess over the expected gap is a freeze; what the wall clock moved
 * beyond both is a clock step. Without boottime a sleep cannot be told apart from a freeze (Windows:
 * monotonic keeps running) or from a clock step (macOS: monotonic stops), so `slept` — evidence from
 * the OS that it slept during the gap — decides, and the whole gap is put down to the sleep.
 */
export function classifyGap(prev: Tick, cur: Tick, expectedMs: number, limits: GapLimits, slept = false): GapVerdict {
  const m = cur.monoMs - prev.monoMs;
  const w = cur.wallMs - prev.wallMs;
  if (prev.bootMs === undefined || cur.bootMs === undefined) {
    if (slept) {
      const suspendedMs = Math.max(0, Math.max(w, m) - expectedMs);
      return { hang: false, suspend: true, clockStep: false, stallMs: 0, suspendedMs, stepMs: 0 };
    }
    const stallMs = m - expectedMs;
    const stepMs = w - m;
    return withStarvation(prev, cur, m, { hang: stallMs > limits.hangThresholdMs, suspend: false, clockStep: Math.abs(stepMs) > limits.stepToleranceMs, stallMs, suspendedMs: 0, stepMs });
  }
  const b = cur.bootMs - prev.bootMs;
  const suspendedMs = Math.max(0, b - m);
  const suspend = suspendedMs > limits.suspendToleranceMs;
  const stallMs = m - expectedMs;
  const stepMs = w - (m + suspendedMs);
  // Resuming thaws processes slowly; a slow first tick after sleep is the sleep, not a freeze.
  const hang = !suspend && stallMs > limits.hangThresholdMs;
  return withStarvation(prev, cur, m, { hang, suspend, clockStep: Math.abs(stepMs) > limits.stepToleranceMs, stallMs, suspendedMs, stepMs });
}

/** A stall the CPU times explain is the agent's starvation, not the machine's freeze. */
function withStarvation(prev: Tick, cur: Tick, elapsedMs: number, v: GapVerdict): GapVerdict {
  if (!v.hang) return v;
  const why = starvation(prev, cur, elapsedMs);
  return why ? { ...v, hang: false, starved: why } : v;
}

/** Adds a verdict to the counters; returns whether anything changed (then the state is saved at once). */
export function applyVerdict(state: StabilityState, verdict: GapVerdict, endWallMs: number): boolean {
  const c = state.counters;
  if (verdict.hang) {
    c.hangs++;
    c.hangSeconds += verdict.stallMs / 1000;
    state.lastHangWallMs = endWallMs;
  }
  if (verdict.suspend) c.suspends++;
  if (verdict.clockStep) c.clockSteps++;
  return verdict.hang || verdict.suspend || verdict.clockStep;
}

/** The stored state, or the reason it is unusable when the file's content is not a state we wrote. */
export function parseState(value: unknown): StabilityState | string {
  if (typeof value !== 'object' || value === null) return 'not an object';
  const s = value as Partial<StabilityState>;
  if (s.version !== 1) return `unknown version ${String(s.version)}`;
  const num = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0;
  if (!s.boot || !num(s.boot.timeMs) || (s.boot.id !== undefined && typeof s.boot.id !== 'string')) return 'bad boot';
  if (typeof s.cleanShutdown !== 'boolean' || !num(s.lastAliveWallMs) || !num(s.lastAliveUptimeMs)) return 'bad liveness fields';
  const c = s.counters as Partial<Counters> | undefined;
  const keys: (keyof Counters)[] = ['boots', 'agentRestarts', 'uncleanShutdowns', 'hangs', 'hangSeconds', 'suspends', 'clockSteps'];
  if (!c || !keys.every((k) => num(c[k]))) return 'bad counters';
  if (s.lastUncleanShutdownWallMs !== undefined && !num(s.lastUncleanShutdownWallMs)) return 'bad last unclean shutdown';
  if (s.lastHangWallMs !== undefined && !num(s.lastHangWallMs)) return 'bad last hang';
  return s as StabilityState;
}
