// The Windows spooler's answer (Win32_Printer and Win32_PrintJob through PowerShell, as JSON) →
// PrintSnapshot. Pure, tested on recorded outputs in test/fixtures/windows-printers/.
// Codes: https://learn.microsoft.com/windows/win32/cimwin32prov/win32-printer (PrinterStatus,
// DetectedErrorState, ExtendedDetectedErrorState). Win32_Printer.PrinterState is documented as an
// enumeration but carries the spooler's PRINTER_STATUS_* bit flags (MS-RPRN 2.2.3.12), as
// System.Printing.PrintQueueStatus does; it is read as flags.
import type { PrinterReason, PrinterState, PrinterStatus, PrintSnapshot } from '../peripherals/printer-status.js';
import { parsePowerShellJson } from '../windows/powershell.js';
import { m } from '../../protocol/metrics.js';

const FLAG = {
  paused: 0x1,
  error: 0x2,
  paperJam: 0x8,
  paperOut: 0x10,
  manualFeed: 0x20,
  paperProblem: 0x40,
  offline: 0x80,
  ioActive: 0x100,
  busy: 0x200,
  printing: 0x400,
  outputBinFull: 0x800,
  notAvailable: 0x1000,
  processing: 0x4000,
  warmingUp: 0x10000,
  tonerLow: 0x20000,
  noToner: 0x40000,
  pagePunt: 0x80000,
  userIntervention: 0x100000,
  outOfMemory: 0x200000,
  doorOpen: 0x400000,
  serverUnknown: 0x800000,
} as const;

const flagReasons: ReadonlyArray<[number, PrinterReason]> = [
  [FLAG.paperJam, 'media-jam'],
  [FLAG.paperOut, 'media-empty'],
  [FLAG.offline, 'offline'],
  [FLAG.tonerLow, 'toner-low'],
  [FLAG.noToner, 'toner-empty'],
  [FLAG.doorOpen, 'door-open'],
  ...[FLAG.error, FLAG.manualFeed, FLAG.paperProblem, FLAG.outputBinFull, FLAG.notAvailable, FLAG.pagePunt, FLAG.userIntervention, FLAG.outOfMemory, FLAG.serverUnknown].map((f): [number, PrinterReason] => [f, 'other']),
];
const busyFlags = FLAG.ioActive | FLAG.busy | FLAG.printing | FLAG.processing | FLAG.warmingUp;

/** DetectedErrorState: 3 low paper … 11 output bin full (0 unknown, 1 other, 2 no error: nothing). */
const detectedError: Readonly<Record<number, PrinterReason>> = { 3: 'other', 4: 'media-empty', 5: 'toner-low', 6: 'toner-empty', 7: 'door-open', 8: 'media-jam', 9: 'offline', 10: 'other', 11: 'other' };
/** ExtendedDetectedErrorState: like DetectedErrorState from 3 to 8, then 9.. are service/paper/page/user/memory/server problems. */
const extendedError: Readonly<Record<number, PrinterReason>> = { 3: 'other', 4: 'media-empty', 5: 'toner-low', 6: 'toner-empty', 7: 'door-open', 8: 'media-jam', 9: 'other', 10: 'other', 11: 'other', 12: 'other', 13: 'other', 14: 'other', 15: 'other' };

/** Job StatusMask bits of jobs that are finished or going away: they no longer wait. */
const JOB_DONE = 0x4 | 0x80 | 0x100 | 0x1000;

export interface WindowsPrinterRow {
  Name?: unknown;
  PrinterStatus?: unknown;
  PrinterState?: unknown;
  DetectedErrorState?: unknown;
  ExtendedDetectedErrorState?: unknown;
  WorkOffline?: unknown;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export function windowsPrinterState(row: WindowsPrinterRow): PrinterState | undefined {
  const flags = num(row.PrinterState) ?? 0;
  const status = num(row.PrinterStatus);
  // PrinterStatus: 1 other, 2 unknown, 3 idle, 4 printing, 5 warmup, 6 stopped printing, 7 offline.
  if (flags & FLAG.paused || status === 6) return 'stopped';
  if (flags & busyFlags || status === 4 || status === 5) return 'processing';
  if (status === 3 || status === 7) return 'idle';
  return undefined;
}

export function windowsPrinterReasons(row: WindowsPrinterRow): Set<PrinterReason> {
  const out = new Set<PrinterReason>();
  const flags = num(row.PrinterState) ?? 0;
  for (const [flag, reason] of flagReasons) if (flags & flag) out.add(reason);
  const detected = detectedError[num(row.DetectedErrorState) ?? -1];
  if (detected) out.add(detected);
  const extended = extendedError[num(row.ExtendedDetectedErrorState) ?? -1];
  if (extended) out.add(extended);
  // "Use Printer Offline" ticked by a user holds every job just like a printer that is switched off.
  if (num(row.PrinterStatus) === 7 || row.WorkOffline === true) out.add('offline');
  return out;
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === null || v === undefined ? [] : [v]);

/** Parses the script's JSON (see printers.win32.ts); throws with the start of the text when it is not that. */
export function parseWindowsPrinters(text: string, nowSeconds: number): PrintSnapshot {
  let doc: Record<string, unknown>;
  try {
    doc = parsePowerShellJson(text, 'printer query') as Record<string, unknown>;
  } catch (err) {
    return { kind: 'absent', reason: (err as Error).message };
  }
  if (typeof doc !== 'object' || doc === null || typeof doc.Spooler !== 'string') return { kind: 'absent', reason: `printer query: unexpected PowerShell output ${JSON.stringify(text.slice(0, 80))}` };
  if (doc.Spooler !== 'Running') return { kind: 'down', reason: `the Print Spooler service is ${doc.Spooler}` };
  const seconds = (num(doc.QueryMilliseconds) ?? 0) / 1000;

  const jobsByPrinter = new Map<string, number[]>();
  for (const j of list(doc.Jobs) as Record<string, unknown>[]) {
    // Win32_PrintJob.Name is "<printer name>, <job id>"; printer names may themselves contain ", ".
    const name = typeof j?.Name === 'string' ? j.Name.replace(/, \d+$/, '') : undefined;
    if (name === undefined || (num(j.StatusMask) ?? 0) & JOB_DONE) continue;
    const submitted = num(j.Submitted);
    jobsByPrinter.set(name, [...(jobsByPrinter.get(name) ?? []), submitted ?? Number.NaN]);
  }

  const printers: PrinterStatus[] = [];
  for (const row of list(doc.Printers) as WindowsPrinterRow[]) {
    if (typeof row?.Name !== 'string') continue;
    const times = jobsByPrinter.get(row.Name) ?? [];
    const known = times.filter((t) => Number.isFinite(t) && t > 0);
    const state = windowsPrinterState(row);
    printers.push({
      name: row.Name,
      ...(state ? { state } : {}),
      reasons: windowsPrinterReasons(row),
      queueJobs: times.length,
      oldestJobAgeSeconds: known.length > 0 ? Math.max(0, nowSeconds - Math.min(...known)) : 0,
      supplies: [],
      queryDurationSeconds: seconds,
    });
  }
  return {
    kind: 'ok',
    printers,
    unsupported: new Map([
      [m.printerAcceptingJobs.name, 'Windows print queues have no accept/reject switch'],
      [m.printerSupplyLevel.name, 'the Windows spooler does not report supply levels'],
    ]),
  };
}
