// What every printer source (CUPS over IPP, the Windows spooler) is reduced to, and how that becomes
// series. The state and error vocabularies are the ones the collector's SNMP poller uses for network
// printers, so one alert rule covers both.
import { m } from '../../protocol/metrics.js';
import { sample, unavailable, type Reading } from '../probes/probe.js';
import { uniqueLabels } from './labels.js';

import { PRINTER_REASONS, PRINTER_STATES, type PrinterReason, type PrinterState, type SupplyLevelState } from '../../protocol/printer-vocabulary.js';

export { PRINTER_REASONS, PRINTER_STATES, type PrinterReason, type PrinterState };

export interface Supply {
  /** As the printer names it ("Black Toner", "Cyan ink"); tidied into a label later. */
  name: string;
  /** 0..1 for a real level; undefined when the printer gives a state instead (never a made-up number). */
  ratio?: number;
  /** Why there is no level: −3 some remaining, −2 unknown, −1 other. */
  state?: SupplyLevelState;
}

export interface PrinterStatus {
  name: string;
  /** Undefined when the source could not say (a Windows printer reporting "Unknown"). */
  state?: PrinterState;
  reasons: ReadonlySet<PrinterReason>;
  /** Undefined where the platform has no such switch (Windows). */
  accepting?: boolean;
  queueJobs: number;
  oldestJobAgeSeconds: number;
  supplies: readonly Supply[];
  queryDurationSeconds: number;
  /** What the printer or the operator said about its state (CUPS printer-state-message). */
  message?: string;
}

/** At most this many characters of a state message reach a label (bounded cardinality and size). */
export const MAX_MESSAGE_CHARS = 120;

/** A state message as a label value: one line, no control characters, at most MAX_MESSAGE_CHARS code points. */
export function messageLabel(raw: string): string {
  const text = raw.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').replace(/\s+/g, ' ').trim();
  const chars = [...text];
  return chars.length > MAX_MESSAGE_CHARS ? `${chars.slice(0, MAX_MESSAGE_CHARS - 1).join('')}…` : text;
}

export type PrintSnapshot =
  | { kind: 'ok'; printers: PrinterStatus[]; /** Metrics this platform never reports, with why. */ unsupported?: ReadonlyMap<string, string> }
  /** The print service is installed (or configured) but did not answer. */
  | { kind: 'down'; reason: string }
  /** No print service on this machine at all: unknown, not a failure. */
  | { kind: 'absent'; reason: string };

export interface PrinterLimits {
  maxPrinters: number;
  maxSuppliesPerPrinter: number;
}

const perPrinterMetrics = [m.printerState, m.printerError, m.printerAcceptingJobs, m.printerQueueJobs, m.printerOldestJobAge, m.printerSupplyLevel, m.printerQueryDuration];

/** Series for one snapshot: one-per-state and one-per-reason (0/1) so "no error" is visible as 0. */
export function printerReadings(snapshot: PrintSnapshot, limits: PrinterLimits): Reading[] {
  if (snapshot.kind === 'absent') return [m.printServiceUp, ...perPrinterMetrics].map((d) => unavailable(d, snapshot.reason));
  if (snapshot.kind === 'down') return [sample(m.printServiceUp, 0), ...perPrinterMetrics.map((d) => unavailable(d, `print service not answering: ${snapshot.reason}`))];
  const out: Reading[] = [sample(m.printServiceUp, 1)];
  const printers = snapshot.printers.slice(0, limits.maxPrinters);
  if (printers.length === 0) return [...out, ...perPrinterMetrics.map((d) => unavailable(d, 'no printers are set up'))];
  const names = uniqueLabels(printers.map((p) => p.name), (i) => `printer ${i + 1}`);
  const seen = { state: false, accepting: false, supplies: false };
  printers.forEach((p, i) => {
    const printer = names[i]!;
    if (p.state) {
      seen.state = true;
      for (const s of PRINTER_STATES) out.push(sample(m.printerState, s === p.state ? 1 : 0, { printer, state: s }));
    }
    for (const r of PRINTER_REASONS) out.push(sample(m.printerError, p.reasons.has(r) ? 1 : 0, { printer, reason: r }));
    // The message only while it explains something (stopped or an error): an idle printer's
    // "ready" text would only add series; one per printer, so cardinality stays one per printer.
    const message = p.message ? messageLabel(p.message) : '';
    if (message && (p.state === 'stopped' || p.reasons.size > 0)) out.push(sample(m.printerStateMessage, 1, { printer, message }));
    if (p.accepting !== undefined) {
      seen.accepting = true;
      out.push(sample(m.printerAcceptingJobs, p.accepting ? 1 : 0, { printer }));
    }
    out.push(sample(m.printerQueueJobs, p.queueJobs, { printer }));
    out.push(sample(m.printerOldestJobAge, p.oldestJobAgeSeconds, { printer }));
    out.push(sample(m.printerQueryDuration, p.queryDurationSeconds, { printer }));
    const supplies = p.supplies.slice(0, limits.maxSuppliesPerPrinter);
    const supplyNames = uniqueLabels(supplies.map((s) => s.name), (j) => `supply ${j + 1}`, 48);
    supplies.forEach((s, j) => {
      const supply = supplyNames[j]!;
      if (s.ratio !== undefined) {
        out.push(sample(m.printerSupplyLevel, s.ratio, { printer, supply }));
        seen.supplies = true;
      } else if (s.state) out.push(sample(m.printerSupplyState, 1, { printer, supply, state: s.state }));
    });
  });
  const unsupported = snapshot.unsupported ?? new Map<string, string>();
  for (const [def, wasSeen, reason] of [
    [m.printerState, seen.state, 'no printer reports a known state'],
    [m.printerAcceptingJobs, seen.accepting, 'no printer reports whether it accepts jobs'],
    [m.printerSupplyLevel, seen.supplies, 'no printer reports a supply level'],
  ] as const) {
    if (!wasSeen) out.push(unavailable(def, unsupported.get(def.name) ?? reason));
  }
  return out;
}
