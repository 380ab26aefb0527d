// Messages between the status monitor (main thread) and its evaluation worker. Kept to what a pass
// needs and encoded compactly: every object the main thread receives it must deserialize on the event
// loop, so results come back only for devices whose badges changed, in bounded chunks it pulls one
// event-loop turn at a time.
import type { Labels, Series } from '../../alerts/evaluate.js';
import type { ResolvedThresholds } from '../../alerts/catalog/types.js';
import type { DeviceEvent, BadgeState } from '../store/store.js';
import type { Badge } from './badges.js';
import type { DeviceLines } from './exposition-lines.js';

export interface InitMessage {
  type: 'init';
  thresholds: ResolvedThresholds;
  /** Stored pending/firing times (so a restart does not restart every `for`). */
  pending: { alert: string; labels: Labels; activeAtMs: number }[];
  /** Stored badge states: `device\u0000indicator` → state and since. */
  states: { keys: string[]; states: BadgeState[]; since: Float64Array };
  /** When the collector started (a device not heard from since keeps its recorded states for a grace period). */
  startedAtMs: number;
}

/** New sample lines of these devices (those whose report changed since they were last sent). */
export interface DevicesMessage extends DeviceLines {
  type: 'devices';
}

/**
 * The devices the pass covers, in the store's order, with what the collector itself knows about each:
 * whether it reports, whether it was heard from since start, and its store series (inspections,
 * maintenance; `NaN`: absent), column by column in `storeMetrics` order.
 */
export interface Roster {
  names: string[];
  sites: string[];
  reporting: Uint8Array;
  heard: Uint8Array;
  storeMetrics: string[];
  storeValues: Float64Array[];
}

export interface PassMessage {
  type: 'pass';
  id: number;
  nowMs: number;
  roster: Roster;
  /** Fleet series without a device label (site business hours). */
  fleet: Series[];
  /** An incremental update of these devices only (the roster holds just them). */
  only: boolean;
}

/** The main thread is ready for the next chunk of pass `id`. */
export interface NextMessage {
  type: 'next';
  id: number;
}

/**
 * A device taken over from another collector of a shared store: its stored badge states and pending
 * alert times replace whatever the worker held for it, before the pass that first evaluates it here.
 */
export interface AdoptMessage {
  type: 'adopt';
  device: string;
  states: { indicator: string; state: BadgeState; sinceMs: number }[];
  pending: { alert: string; labels: Labels; activeAtMs: number }[];
}

export type ToWorker = InitMessage | DevicesMessage | PassMessage | NextMessage | AdoptMessage;

export interface DeviceResult {
  name: string;
  badges: Badge[];
  since: Record<string, number>;
}

/** What the main thread persists for a pass, in one transaction. */
export interface Persist {
  initial: { device: string; indicator: string; state: BadgeState }[];
  changes: Omit<DeviceEvent, 'id'>[];
  started: { alert: string; labels: Labels; activeAtMs: number }[];
  ended: { alert: string; labels: Labels }[];
}

export interface ChunkMessage extends Persist {
  type: 'chunk';
  id: number;
  devices: DeviceResult[];
  last: boolean;
  /** With the last chunk. */
  done?: PassSummary;
}

export interface PassSummary {
  atMs: number;
  notEvaluated: string[];
  /** Worker-side timings and memory, for logs and the benchmark. */
  stats: {
    threadId: number;
    devices: number;
    series: number;
    evaluateMs: number;
    badgesMs: number;
    counters: { series: number; samples: number; bytes: number };
    heapUsedBytes: number;
  };
}

export interface FailedMessage {
  type: 'failed';
  id: number;
  error: string;
}

export type FromWorker = ChunkMessage | FailedMessage | { type: 'ready' };
