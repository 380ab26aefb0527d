// The agent's report: one typed schema, used for the agent's types and validated by the collector.
// Evolve it by adding optional fields; bump `schemaVersion` only for a change old collectors must
// refuse. Unknown top-level fields are ignored, so newer agents still talk to older collectors.
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

export const SCHEMA_VERSION = 1;

/** Device and site names end up in URLs, label values and file names. */
export const DeviceName = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$', description: 'letters, digits, . _ -; at most 63' });
export const SiteName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[^\\u0000-\\u001f]+$' });

const MetricName = Type.String({ pattern: '^stationwatch_[a-z0-9_]+$', maxLength: 120 });
const LabelName = Type.String({ pattern: '^[a-z_][a-z0-9_]*$', maxLength: 64 });

export const Sample = Type.Object({
  metric: MetricName,
  labels: Type.Optional(Type.Record(LabelName, Type.String({ maxLength: 256 }), { maxProperties: 10 })),
  /**
   * Finite (TypeBox refuses NaN and ±Infinity; JSON can only say them as an overflowing literal such
   * as 1e999, which fails the report). A counter's value must not be negative: the collector drops
   * such a sample and names it in `dropped` (the schema does not know which metrics are counters).
   */
  value: Type.Number(),
});

/** A measurement the probe owns but this machine cannot provide (a VM has no temperature sensors). */
export const Unavailable = Type.Object({
  metric: MetricName,
  reason: Type.String({ maxLength: 300 }),
});

export const ProbeStatus = Type.Object({
  name: Type.String({ pattern: '^[a-z][a-z0-9_]*$', maxLength: 40 }),
  ok: Type.Boolean(),
  durationSeconds: Type.Number({ minimum: 0 }),
  /** Epoch milliseconds (device clock) when this probe last finished. */
  finishedAt: Type.Number(),
  error: Type.Optional(Type.String({ maxLength: 1000 })),
});

/** Epoch milliseconds, 1970 to the year 5138: a wild value cannot wedge the ordering of a device's reports. */
const Moment = Type.Number({ minimum: 0, maximum: 1e14 });

export const Report = Type.Object({
  schemaVersion: Type.Integer({ minimum: 1 }),
  device: DeviceName,
  site: Type.Optional(SiteName),
  agent: Type.Object({
    version: Type.String({ maxLength: 40 }),
    platform: Type.String({ maxLength: 40 }),
    /** Epoch milliseconds when this agent process started. */
    startedAt: Moment,
  }),
  /**
   * Increases by one per report of one agent process; with startedAt it orders reports. The collector
   * trusts it only as far as its own clock agrees (device-store.ts isNewer): no seq wedges a device.
   */
  seq: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  /** Epoch milliseconds (device clock) when this snapshot was taken. */
  createdAt: Moment,
  /** Epoch milliseconds (device clock) of this send attempt: the collector's clock-offset reading. */
  sentAt: Moment,
  /** The agent's report interval (the agent's own minimum, 0.2 s); the collector's staleness window is a multiple of it. */
  intervalSeconds: Type.Number({ minimum: 0.2, maximum: 3600 }),
  probes: Type.Array(ProbeStatus, { maxItems: 64 }),
  samples: Type.Array(Sample, { maxItems: 10000 }),
  unavailable: Type.Array(Unavailable, { maxItems: 1000 }),
});

export type Sample = Static<typeof Sample>;
export type Unavailable = Static<typeof Unavailable>;
export type ProbeStatus = Static<typeof ProbeStatus>;
export type Report = Static<typeof Report>;

// Compiled on first use, not at import: the agent imports this module for the schemas and checks
// only reports it did not write itself (agent/outbox/outbox.ts), and the compiled checker costs it
// 1-2 MiB of resident memory (measured: --lite-mode, after gc). The collector compiles it once, on its
// first report, then every check is the same compiled function as before.
let compiled: ReturnType<typeof TypeCompiler.Compile<typeof Report>> | undefined;

/** Problems with a report, each with its JSON path; empty when the report is valid. */
export function reportProblems(value: unknown): string[] {
  const checker = (compiled ??= TypeCompiler.Compile(Report));
  if (checker.Check(value)) {
    const r = value as Report;
    return r.schemaVersion === SCHEMA_VERSION ? [] : [`/schemaVersion: ${r.schemaVersion} is not supported (this collector understands ${SCHEMA_VERSION})`];
  }
  const problems: string[] = [];
  for (const e of checker.Errors(value)) {
    problems.push(`${e.path || '/'}: ${e.message}`);
    if (problems.length >= 10) break;
  }
  return problems;
}
