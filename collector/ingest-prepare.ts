// What ingest does with a report's text before it touches the device's state: parse, check against
// the schema, index the samples and render the device's exposition text. It needs nothing but the
// text and a few settings, so it runs in the ingest workers (collector/ingest-pool.ts) — at 10,000
// devices these steps were ~0.6–0.9 ms of main-thread CPU per report at 667 reports/s (issue 18) —
// and, when no worker can, on the event loop itself (the same function, the same result). What comes
// back is compact (issue 18): the report without its samples, what the device's record keeps of them
// (device-store.ts CompactReport), what the history takes of them (history/extract.ts HistoryFeed) and
// the rendered bytes — never the samples as objects, which the main heap would then hold per device.
import { reportProblems, type Report } from '../protocol/report.js';
import { compactReport, indexSamples, type CompactReport, type DeviceRecord } from './device-store.js';
import { renderDeviceBytes, type PreRendered } from './device-exposition.js';
import { historyFeed, type HistoryFeed } from './history/extract.js';

export interface PrepareInput {
  /** The report's JSON text, without a byte-order mark. */
  text: string;
  /** The token owner's configured site, if any (it wins over the report's). */
  configuredSite: string | undefined;
  defaultSite: string;
  /** When the collector received the report (its clock): the clock offset rendered is sentAt minus this. */
  receivedAtMs: number;
  maxSeriesPerDevice: number;
}

export type Prepared =
  /** Not parsed here: the ingest route parses it with fastify's parser, whose errors and checks of hostile keys it answers with. */
  | { kind: 'unparsed' }
  | { kind: 'invalid'; problems: string[] }
  | Valid;

export interface Valid {
  kind: 'valid';
  /** The report without its samples (the same object as `compact.head`). */
  report: Report;
  compact: CompactReport;
  history: HistoryFeed;
  rendered: PreRendered;
}

// Keys fastify's parser refuses (prototype poisoning) and any escape that could spell one: such a
// text goes to that parser, so its answer stays the one the collector always gave.
const hostile = /__proto__|constructor|\\u/;

export function prepareReport(input: PrepareInput): Prepared {
  if (hostile.test(input.text)) return { kind: 'unparsed' };
  let value: unknown;
  try {
    value = JSON.parse(input.text);
  } catch {
    return { kind: 'unparsed' };
  }
  const problems = reportProblems(value);
  if (problems.length > 0) return { kind: 'invalid', problems };
  return prepareParsed(value as Report, input);
}

/** prepareReport of a report parsed and checked against the schema already (fastify's parser parsed it). */
export function prepareParsed(report: Report, input: Omit<PrepareInput, 'text'>): Valid {
  const { render, ...rest } = indexParsed(report, input);
  return { ...rest, rendered: render() };
}

/**
 * prepareParsed with the rendering left for later: on the event loop (no worker) the route renders
 * only after the commit, so no rendered body is held across it — holding them took 2.4× the full
 * garbage collections per report on one core (bench/notes/collector-ingest.md).
 */
export function indexParsed(report: Report, input: Omit<PrepareInput, 'text'>): Omit<Valid, 'rendered'> & { render: () => PreRendered } {
  const indexed = indexSamples(report.samples, input.maxSeriesPerDevice);
  const compact = compactReport(report, indexed);
  // As DeviceStore.plan will make the device's record of it (site, report, samples, clock offset).
  const site = input.configuredSite ?? report.site ?? input.defaultSite;
  const clockOffsetSeconds = (report.sentAt - input.receivedAtMs) / 1000;
  const render = (): PreRendered => {
    const d: DeviceRecord = { name: report.device, site, kind: 'agent', configured: false, report: compact.head, metrics: compact.metrics, seriesKept: compact.seriesKept, clockOffsetSeconds, reportsAccepted: 0, gaps: [] };
    const { body, byteRanges } = renderDeviceBytes(d, indexed.byMetric);
    return { site, clockOffsetSeconds, body, byteRanges };
  };
  return { kind: 'valid', report: compact.head, compact, history: historyFeed(report), render };
}
