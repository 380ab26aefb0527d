// Printers through CUPS over IPP (Linux, macOS): CUPS-Get-Printers lists the queues, then per queue
// Get-Printer-Attributes and Get-Jobs, timed, because "the printer responds slowly" is exactly what
// an operator sees when the spooler itself is slow. lpstat is not scraped: its text is localised and
// changes between CUPS versions; systeminformation's printer() reports a stopped queue as "unknown".
import { access } from 'node:fs/promises';
import { GROUP, IppStatusError, OP, STATUS_NOT_FOUND, describeServer, encodeRequest, ippRequest, type CupsServer } from '../peripherals/ipp-client.js';
import type { PrinterStatus, PrintSnapshot } from '../peripherals/printer-status.js';
import { describeError } from '../runner.js';
import { jobsFromIpp, printerFromIpp } from './printers-cups-parse.js';
import type { PrintersPart } from './printers.js';

const PRINTER_ATTRIBUTES = ['printer-name', 'printer-state', 'printer-state-reasons', 'printer-state-message', 'printer-is-accepting-jobs', 'marker-names', 'marker-levels', 'marker-types'];
const JOB_ATTRIBUTES = ['job-id', 'job-state', 'time-at-creation'];
/** Where CUPS puts its local socket (Debian/Ubuntu/Fedora, macOS); tried in order before localhost:631. */
export const DEFAULT_SOCKETS = ['/run/cups/cups.sock', '/var/run/cups/cups.sock', '/private/var/run/cupsd'];
/** Files whose presence says CUPS is installed, so a refused connection means "down", not "absent". */
export const CUPS_INSTALLED_MARKERS = ['/usr/sbin/cupsd', '/etc/cups/cupsd.conf'];
/** Errors that mean nobody is listening, as opposed to a CUPS that answered badly. */
const NOT_LISTENING = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EACCES']);

const exists = (path: string) => access(path).then(() => true, () => false);

/** The local CUPS: its domain socket when there is one, else localhost:631 (never a remote host). */
export async function defaultCupsServer(): Promise<CupsServer> {
  for (const socketPath of DEFAULT_SOCKETS) if (await exists(socketPath)) return { socketPath };
  return { host: 'localhost', port: 631 };
}

export interface CupsSource {
  server: CupsServer;
  /** The server was configured explicitly: not answering is then always "down". */
  explicit: boolean;
  nowSeconds: () => number;
  monoMs: () => number;
  installedMarkers?: readonly string[];
  /** Queues asked about per run; the rest are not reported (labels stay bounded). */
  maxPrinters: number;
}

let requestId = 0;
const nextId = () => (requestId = (requestId % 0x7fffffff) + 1);

function printerPath(uris: readonly unknown[] | undefined, name: string): string {
  for (const uri of uris ?? []) {
    if (typeof uri !== 'string') continue;
    try {
      const path = new URL(uri).pathname;
      if (/^\/(printers|classes)\/[^/]+$/.test(path)) return path;
    } catch {
      // not a URI: use the name
    }
  }
  return `/printers/${encodeURIComponent(name)}`;
}

async function queryPrinter(src: CupsSource, path: string, signal: AbortSignal): Promise<PrinterStatus | undefined> {
  const printerUri = `ipp://localhost${path}`;
  const t0 = src.monoMs();
  try {
    const attrs = await ippRequest(src.server, path, encodeRequest(OP.getPrinterAttributes, nextId(), { printerUri, requestedAttributes: PRINTER_ATTRIBUTES }), signal);
    const took = (src.monoMs() - t0) / 1000;
    const jobs = await ippRequest(src.server, path, encodeRequest(OP.getJobs, nextId(), { printerUri, requestedAttributes: JOB_ATTRIBUTES, whichJobs: 'not-completed' }), signal);
    const printer = attrs.groups.find((g) => g.tag === GROUP.printer);
    if (!printer) throw new Error('no printer attributes in the answer');
    return printerFromIpp(printer.attributes, jobsFromIpp(jobs.groups, GROUP.job), src.nowSeconds(), took);
  } catch (err) {
    // Deleted between listing and asking: it is simply gone.
    if (err instanceof IppStatusError && err.statusCode === STATUS_NOT_FOUND) return undefined;
    throw new Error(`query CUPS printer ${path}`, { cause: err });
  }
}

export async function readCups(src: CupsSource, signal: AbortSignal): Promise<PrintSnapshot> {
  let list;
  try {
    list = await ippRequest(src.server, '/', encodeRequest(OP.cupsGetPrinters, nextId(), { printerUri: 'ipp://localhost/', requestedAttributes: ['printer-name', 'printer-uri-supported'] }), signal);
  } catch (err) {
    if (signal.aborted) throw err;
    // CUPS answers client-error-not-found when it has no queues at all.
    if (err instanceof IppStatusError && err.statusCode === STATUS_NOT_FOUND) return { kind: 'ok', printers: [] };
    const code = (err as NodeJS.ErrnoException).code;
    if (!code || !NOT_LISTENING.has(code)) throw new Error(`query CUPS at ${describeServer(src.server)}`, { cause: err });
    const reason = `CUPS at ${describeServer(src.server)}: ${describeError(err)}`;
    if (src.explicit) return { kind: 'down', reason };
    const installed = await Promise.all((src.installedMarkers ?? CUPS_INSTALLED_MARKERS).map(exists));
    return installed.some(Boolean) ? { kind: 'down', reason } : { kind: 'absent', reason: 'CUPS is not installed' };
  }
  const printers: PrinterStatus[] = [];
  for (const g of list.groups.filter((x) => x.tag === GROUP.printer).slice(0, src.maxPrinters)) {
    const name = g.attributes.get('printer-name')?.[0];
    if (typeof name !== 'string') continue;
    const status = await queryPrinter(src, printerPath(g.attributes.get('printer-uri-supported'), name), signal);
    if (status) printers.push(status);
  }
  return { kind: 'ok', printers };
}

/** The printers probe where CUPS is the print system (printers.linux.ts, printers.darwin.ts). */
export const cupsPrinters: PrintersPart = {
  async snapshot(ctx, signal) {
    // Looked up every run: CUPS may be installed or started after the agent.
    const server = ctx.explicit ?? (await defaultCupsServer());
    // performance.now(), not the agent clock's whole milliseconds: a local CUPS answers in well under one.
    return readCups({ server, explicit: ctx.explicit !== undefined, nowSeconds: ctx.nowSeconds, monoMs: () => performance.now(), maxPrinters: ctx.maxPrinters }, signal);
  },
};
