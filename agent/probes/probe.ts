// The contract every probe implements. A probe file exports one ProbeDefinition; index.ts lists them.
// A probe returns readings and never touches shared state; the runner owns timing, timeouts,
// logging and the per-probe success/duration it reports.
import type { TSchema } from '@sinclair/typebox';
import type { Logger } from '../../common/logger.js';
import type { MetricDef } from '../../protocol/metrics.js';
import type { Clock } from '../clock.js';

export type Reading =
  | { kind: 'sample'; metric: MetricDef; labels?: Record<string, string>; value: number }
  | { kind: 'unavailable'; metric: MetricDef; reason: string };

export function sample(metric: MetricDef, value: number, labels?: Record<string, string>): Reading {
  return labels ? { kind: 'sample', metric, value, labels } : { kind: 'sample', metric, value };
}

/** "Not on this host" is an outcome, not an error: the measurement shows as unavailable. */
export function unavailable(metric: MetricDef, reason: string): Reading {
  return { kind: 'unavailable', metric, reason };
}

/** What a probe instance gets once, when the agent starts. Paths are settable so tests use fixture trees. */
export interface ProbeSetup {
  log: Logger;
  clock: Clock;
  platform: NodeJS.Platform;
  /** The agent's state directory: probes that remember things across restarts keep a file here. */
  stateDir: string;
  /** Root of procfs and sysfs (Linux); `/proc` and `/sys` except in tests. */
  procRoot: string;
  sysRoot: string;
  /**
   * The probe's own section of the agent configuration (`probes.<name>.settings`), already validated
   * against its `settingsSchema` with defaults filled in.
   */
  settings: Record<string, unknown>;
  /** The collector's URL, e.g. for probes that measure the path to it. */
  collectorUrl: string;
}

export interface CollectContext {
  /** Aborted when the probe's timeout passes; pass it to child processes and fetches. */
  signal: AbortSignal;
}

export interface ProbeInstance {
  collect(ctx: CollectContext): Promise<Reading[]>;
  /** Begin background work (timers, watchers). Called once before the first collect. */
  start?(): Promise<void>;
  /** The agent is shutting down cleanly. */
  stop?(): Promise<void>;
}

export interface ProbeDefinition {
  /** Registry key, configuration key and `probe` label, said once. */
  readonly name: string;
  readonly interval: 'fast' | 'slow';
  /** The metrics this probe may report (documentation, and the collector's availability list). */
  readonly metrics: readonly MetricDef[];
  /**
   * TypeBox schema of `probes.<name>.settings`: checked when the configuration is loaded (so
   * `stationwatch check-config` reports its problems with their paths), defaults filled in.
   */
  readonly settingsSchema?: TSchema;
  /**
   * Its own default interval in seconds, for a probe whose `interval` class is too slow for what it
   * watches but too costly somewhere for every report (per platform; undefined: the class's interval).
   * `probes.<name>.intervalSeconds` in the configuration still overrides it.
   */
  defaultIntervalSeconds?(platform: NodeJS.Platform): number | undefined;
  create(setup: ProbeSetup): ProbeInstance;
}

/**
 * Seconds between a probe's runs: the configuration's, else the probe's own default (never slower than
 * the configured slow interval, which a test or an impatient site may have shortened), else its class's.
 */
export function probeIntervalSeconds(definition: ProbeDefinition, platform: NodeJS.Platform, intervals: { fastSeconds: number; slowSeconds: number }, configured?: number): number {
  if (configured !== undefined) return configured;
  const own = definition.defaultIntervalSeconds?.(platform);
  if (own !== undefined) return Math.min(own, intervals.slowSeconds);
  return definition.interval === 'fast' ? intervals.fastSeconds : intervals.slowSeconds;
}
