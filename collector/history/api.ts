// The history the status page draws, as the collector serves it as JSON (routes in
// collector/routes/history.ts). One shape whichever source filled the charts — the collector's own
// downsampled tiers (the embedded default) or Prometheus' query_range when `prometheusUrl` is set —
// so one chart code draws both, and the page can say which source it shows. Overlays (state changes,
// inspections, maintenance, boots, backup runs) always come from the collector's store: they are
// events only we have.
//
// Endpoints (viewing rights, as /api/devices):
//   GET /api/v1/history/devices/:device?range=24h        -> DeviceHistory
//   GET /api/v1/history/sites/:site/timeline?range=24h   -> SiteTimeline
//   GET /api/v1/history/sparklines?site=<optional>       -> Sparklines (the last 24 h)
import type { Text } from '../../alerts/catalog/types.js';

export const historyRanges = ['1h', '24h', '7d', '30d', 'quarter'] as const;
export type HistoryRange = (typeof historyRanges)[number];

export type HistorySourceKind = 'embedded' | 'prometheus';

/** Values are in base units, as metrics carry them; the page turns them into %, GiB, ms, °C. */
export type ChartUnit = 'ratio' | 'bytes' | 'seconds' | 'celsius' | 'count' | 'state';

/** One line of a chart: a value per entry of the history's `times`; null is a gap (no data then). */
export interface ChartLine {
  /** Stable within the chart: the filesystem's mount, the ping target, the printer, the sensor. */
  key: string;
  label: string;
  /** The average over each step (the last value for states). */
  avg: (number | null)[];
  /** Present where the tier keeps them (gauges), so a one-minute spike survives downsampling. */
  min?: (number | null)[];
  max?: (number | null)[];
}

export interface ChartThreshold {
  /** In the chart's unit, resolved for the device's site (site overrides apply). */
  value: number;
  severity: 'warning' | 'critical';
  label: Text;
}

export interface Chart {
  /** e.g. cpu, memory, swap, filesystem, temperature, throttling, ping_loss, ping_rtt, ping_jitter, printer_state, printer_queue, printer_oldest_job, backup_result, backup_age, failed_logins, clock_offset, reporting */
  id: string;
  /** The catalog indicator the chart belongs to (grouping, and which state overlays to draw on it). */
  indicator: string;
  title: Text;
  unit: ChartUnit;
  thresholds: ChartThreshold[];
  lines: ChartLine[];
  /** unit 'state' only (added for the backend, optional): what each code a line carries means. */
  states?: { value: number; label: Text }[];
}

export type OverlayKind = 'state' | 'inspection' | 'maintenance' | 'boot' | 'unclean_shutdown' | 'backup';

export interface Overlay {
  kind: OverlayKind;
  atMs: number;
  /** Maintenance windows: when it ended or ends. */
  endMs?: number;
  /** State changes: the indicator that changed. */
  indicator?: string;
  /** state: the new badge state; inspection: ok | fault; backup: ok | corrupt | failed. */
  outcome?: string;
  /** What a tooltip and the text alternative say. */
  text: Text;
}

export interface DeviceHistory {
  device: string;
  site: string;
  source: HistorySourceKind;
  range: HistoryRange;
  fromMs: number;
  toMs: number;
  stepMs: number;
  /** Milliseconds since the epoch, shared by every line of every chart. */
  times: number[];
  charts: Chart[];
  overlays: Overlay[];
}

/** Per step of a site: how many devices were abnormal, not reporting, and known at all. */
export interface SiteTimeline {
  site: string;
  source: HistorySourceKind;
  range: HistoryRange;
  fromMs: number;
  toMs: number;
  stepMs: number;
  times: number[];
  abnormal: (number | null)[];
  notReporting: (number | null)[];
  devices: (number | null)[];
}

/** One small line per device card: the abnormal indicator's chart, else CPU (and memory) when all is normal. */
export interface Sparkline {
  device: string;
  chart: string;
  indicator: string;
  unit: ChartUnit;
  label: Text;
  values: (number | null)[];
}

export interface Sparklines {
  source: HistorySourceKind;
  fromMs: number;
  toMs: number;
  stepMs: number;
  times: number[];
  sparklines: Sparkline[];
}
