// CUPS' IPP attributes → PrinterStatus, pure so every mapping is tested on literal attribute values.
// Vocabulary: RFC 8011 §5.4.11 (printer-state), §5.4.12 (printer-state-reasons and their -report,
// -warning, -error suffixes), PWG 5100.9 (more reasons), and CUPS' marker-* extensions
// (https://www.cups.org/doc/spec-ipp.html): marker-levels are 0..100, or -1 (unavailable), -2
// (unknown), -3 (some left, level unknown) — the negative codes are not levels and never become 0.
import type { AttributeMap } from '../peripherals/ipp-client.js';
import type { PrinterReason, PrinterState, PrinterStatus, Supply } from '../peripherals/printer-status.js';
import { supplyLevelState } from '../../protocol/printer-vocabulary.js';

const stateByEnum: Readonly<Record<number, PrinterState>> = { 3: 'idle', 4: 'processing', 5: 'stopped' };

/** Reason keywords (suffix removed) that map onto the fixed set. */
const reasonMap: Readonly<Record<string, PrinterReason>> = {
  'media-jam': 'media-jam',
  'media-empty': 'media-empty',
  'media-needed': 'media-empty',
  'toner-low': 'toner-low',
  'marker-supply-low': 'toner-low',
  'toner-empty': 'toner-empty',
  'marker-supply-empty': 'toner-empty',
  'door-open': 'door-open',
  'cover-open': 'door-open',
  'interlock-open': 'door-open',
  offline: 'offline',
  shutdown: 'offline',
  // CUPS keeps this while its backend cannot reach the device (a network printer switched off).
  'connecting-to-device': 'offline',
  'timed-out': 'offline',
};

/**
 * Reasons that are not faults: "paused" is the stopped state itself (cupsdisable), the rest are
 * routine conditions an operator need not act on. Everything else unknown counts as "other".
 */
const benign = new Set([
  'none',
  'paused',
  'moving-to-paused',
  'hold-new-jobs',
  'media-low',
  'marker-waste-almost-full',
  'developer-low',
  'opc-near-eol',
  'cups-waiting-for-job-completed',
  'cups-remote-pending',
  'cups-remote-pending-held',
  'cups-remote-processing',
  'cups-remote-stopped',
  'cups-remote-idle',
]);

export function stateFromIpp(value: unknown): PrinterState | undefined {
  return typeof value === 'number' ? stateByEnum[value] : undefined;
}

/**
 * printer-state-reasons → the fixed set. A `-report` reason is informational unless it is one of
 * the fixed set (CUPS reports "offline-report" and "toner-low-report" that way); `-warning`,
 * `-error` and unsuffixed reasons outside the fixed set are "other".
 */
export function reasonsFromIpp(keywords: readonly unknown[]): Set<PrinterReason> {
  const out = new Set<PrinterReason>();
  for (const k of keywords) {
    if (typeof k !== 'string' || k === '') continue;
    const match = /^(.*?)(-report|-warning|-error)?$/.exec(k)!;
    const base = match[1]!;
    const mapped = reasonMap[base];
    if (mapped) out.add(mapped);
    else if (match[2] !== '-report' && !benign.has(base)) out.add('other');
  }
  return out;
}

/** marker-names/levels are parallel lists: 0..100 levels as ratios, −1/−2/−3 as the state they say. */
export function suppliesFromIpp(names: readonly unknown[], levels: readonly unknown[], types: readonly unknown[] = []): Supply[] {
  const out: Supply[] = [];
  levels.forEach((level, i) => {
    if (typeof level !== 'number' || !Number.isInteger(level)) return;
    const name = typeof names[i] === 'string' ? (names[i] as string) : typeof types[i] === 'string' ? `${types[i] as string} ${i + 1}` : '';
    const state = supplyLevelState(level);
    if (state) out.push({ name, state });
    else if (level >= 0 && level <= 100) out.push({ name, ratio: level / 100 });
  });
  return out;
}

export interface QueuedJob {
  /** job-state enum: 3 pending, 4 pending-held, 5 processing, 6 processing-stopped; 7-9 are finished. */
  state: number;
  /** time-at-creation, seconds since the epoch (CUPS sends an integer). */
  createdAt?: number;
}

/** Jobs not yet completed and the age of the oldest; held jobs count: they wait too. */
export function queueSummary(jobs: readonly QueuedJob[], nowSeconds: number): { queueJobs: number; oldestJobAgeSeconds: number } {
  const open = jobs.filter((j) => j.state >= 3 && j.state <= 6);
  const created = open.map((j) => j.createdAt).filter((t): t is number => typeof t === 'number' && t > 0);
  const oldest = created.length > 0 ? Math.min(...created) : undefined;
  return { queueJobs: open.length, oldestJobAgeSeconds: oldest === undefined ? 0 : Math.max(0, nowSeconds - oldest) };
}

export function jobsFromIpp(groups: readonly { tag: number; attributes: AttributeMap }[], jobGroupTag: number): QueuedJob[] {
  return groups
    .filter((g) => g.tag === jobGroupTag)
    .map((g) => {
      const state = g.attributes.get('job-state')?.[0];
      const created = g.attributes.get('time-at-creation')?.[0];
      return { state: typeof state === 'number' ? state : 0, ...(typeof created === 'number' ? { createdAt: created } : {}) };
    });
}

export function printerFromIpp(attrs: AttributeMap, jobs: readonly QueuedJob[], nowSeconds: number, queryDurationSeconds: number): PrinterStatus {
  const name = attrs.get('printer-name')?.[0];
  const accepting = attrs.get('printer-is-accepting-jobs')?.[0];
  const state = stateFromIpp(attrs.get('printer-state')?.[0]);
  const message = attrs.get('printer-state-message')?.[0];
  return {
    ...(typeof message === 'string' && message.trim() ? { message } : {}),
    name: typeof name === 'string' ? name : '',
    ...(state ? { state } : {}),
    reasons: reasonsFromIpp(attrs.get('printer-state-reasons') ?? []),
    ...(typeof accepting === 'boolean' ? { accepting } : {}),
    ...queueSummary(jobs, nowSeconds),
    supplies: suppliesFromIpp(attrs.get('marker-names') ?? [], attrs.get('marker-levels') ?? [], attrs.get('marker-types') ?? []),
    queryDurationSeconds,
  };
}
