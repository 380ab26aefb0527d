// Configuration sections for TLS, scrape authentication, enrolment, limits and remote-write
// backfill, spread into the collector's one schema (collector/config.ts).
import { Type, type Static } from '@sinclair/typebox';
import { SiteName } from '../protocol/report.js';

const httpUrl = Type.String({ pattern: '^https?://[^\\s/]+(/\\S*)?$' });

export const TlsSchema = Type.Object(
  {
    /** PEM certificate chain and private key files: with them the collector serves HTTPS only. */
    cert: Type.String({ minLength: 1 }),
    key: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);

export const ScrapeAuthSchema = Type.Object(
  {
    /** `Authorization: Bearer <token>` (Prometheus `authorization: { credentials: ... }`). */
    bearerToken: Type.Optional(Type.String({ minLength: 16, maxLength: 512 })),
    /** HTTP basic auth (Prometheus `basic_auth`). */
    basic: Type.Optional(Type.Object({ username: Type.String({ minLength: 1, maxLength: 128 }), password: Type.String({ minLength: 12, maxLength: 512 }) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

export const reliabilityConfigProperties = {
  /** Guards /metrics, /collector/metrics, /devices/<name>/metrics and /sd when set (either credential works). */
  scrapeAuth: Type.Optional(ScrapeAuthSchema),
  enrolment: Type.Object(
    {
      /** Site enrolment secrets: an agent that presents one enrols itself into that site. */
      siteSecrets: Type.Array(Type.Object({ site: SiteName, secret: Type.String({ minLength: 16, maxLength: 512 }) }, { additionalProperties: false }), { default: [] }),
      /** How long a one-time code from `stationwatch collector enrol-code` stays valid. */
      codeTtlHours: Type.Number({ exclusiveMinimum: 0, maximum: 24 * 90, default: 24 }),
    },
    { additionalProperties: false, default: {} },
  ),
  limits: Type.Object(
    {
      /** Enrolled plus configured agents; enrolment beyond it is refused. */
      maxDevices: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 10_000 }),
      /** Samples beyond this per report are dropped and counted (reason series_limit). */
      maxSeriesPerDevice: Type.Integer({ minimum: 10, maximum: 100_000, default: 2_000 }),
      /** Reports per device token: sustained rate and burst (a backlog drains at the agent's own slower pace). */
      reportsPerSecond: Type.Number({ exclusiveMinimum: 0, maximum: 10_000, default: 10 }),
      reportBurst: Type.Integer({ minimum: 1, maximum: 100_000, default: 60 }),
      /** Whole-request deadline; a client that sends slowly is cut off. */
      requestTimeoutSeconds: Type.Number({ minimum: 1, maximum: 600, default: 30 }),
    },
    { additionalProperties: false, default: {} },
  ),
  /**
   * Forward the samples of late reports from periods in which a device was shown as not reporting to
   * a Prometheus remote-write receiver (Prometheus with --web.enable-remote-write-receiver and an
   * out-of-order window, VictoriaMetrics, Mimir, Thanos Receive), so the gap appears in the graphs.
   */
  remoteWrite: Type.Optional(
    Type.Object(
      {
        url: httpUrl,
        timeoutSeconds: Type.Number({ minimum: 1, maximum: 300, default: 10 }),
        /** Labels added to every series, as the scrape adds them: match the scrape job of the devices. */
        labels: Type.Record(Type.String({ pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$' }), Type.String(), { default: { job: 'stationwatch-devices' } }),
        /** Also set `instance` to the device name, as the per-device targets from /sd carry it. */
        instanceIsDevice: Type.Boolean({ default: true }),
        bearerToken: Type.Optional(Type.String({ minLength: 1 })),
        /** Samples kept in memory for a receiver that is away; the oldest go first beyond it. */
        maxQueuedSamples: Type.Integer({ minimum: 1000, maximum: 10_000_000, default: 500_000 }),
      },
      { additionalProperties: false },
    ),
  ),
};

export type ScrapeAuth = Static<typeof ScrapeAuthSchema>;
