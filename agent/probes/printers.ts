// printers: "printers respond slowly or don't work". Per print queue: state, error reasons mapped to
// a fixed set, accepting jobs, queue length, age of the oldest waiting job (a stuck queue), supply
// levels where reported, and how long the print service took to answer. CUPS over IPP on Linux and
// macOS, the Windows spooler through PowerShell. One round trip per queue: every minute where that is
// an IPP request to CUPS (a few milliseconds, no process), so a stopped printer shows within minutes
// rather than up to a slow interval late; on Windows (a PowerShell start each time) the slow interval.
import { Type, type Static } from '@sinclair/typebox';
import { m } from '../../protocol/metrics.js';
import { parseCupsServer, type CupsServer } from '../peripherals/ipp-client.js';
import { printerReadings, type PrintSnapshot } from '../peripherals/printer-status.js';
import type { ProbeDefinition, ProbeInstance, ProbeSetup } from './probe.js';
import { platformPart, type PlatformFiles } from './platform.js';

/** What each platform's file provides: one snapshot of the print queues. */
export interface PrintersPart {
  snapshot(ctx: PrintersContext, signal: AbortSignal): Promise<PrintSnapshot>;
}

export interface PrintersContext {
  settings: PrintersSettings;
  /** The configured CUPS server, if any. */
  explicit: CupsServer | undefined;
  nowSeconds(): number;
  maxPrinters: number;
}

const files: PlatformFiles<PrintersPart> = {
  linux: () => import('./printers.linux.js').then((f) => f.printers),
  darwin: () => import('./printers.darwin.js').then((f) => f.printers),
  win32: () => import('./printers.win32.js').then((f) => f.printers),
};

/** WHATWG encoding labels of the legacy console code pages a branch PC may use (936, 54936, 950, 932, 949, 1252, 866). */
const CONSOLE_ENCODINGS = ['gbk', 'gb18030', 'big5', 'shift_jis', 'euc-kr', 'windows-1252', 'ibm866'] as const;

export const printersSettings = Type.Object(
  {
    server: Type.Optional(
      Type.String({
        pattern: '^(/.+|(?:(?:http|ipp)://)?(?:\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+)(?::\\d{1,5})?/?)$',
        description: 'CUPS server: a domain socket path or host[:port]; default: the local CUPS socket, else localhost:631',
      }),
    ),
    maxPrinters: Type.Integer({ minimum: 1, maximum: 200, default: 30, description: 'queues reported at most (label cardinality)' }),
    maxSuppliesPerPrinter: Type.Integer({ minimum: 0, maximum: 32, default: 8 }),
    windowsConsoleEncoding: Type.Union(
      CONSOLE_ENCODINGS.map((e) => Type.Literal(e)),
      { default: 'gbk', description: 'how to read PowerShell output that is not UTF-8 (the console code page)' },
    ),
  },
  { additionalProperties: false },
);
export type PrintersSettings = Static<typeof printersSettings>;

export function createPrinters(setup: ProbeSetup): ProbeInstance {
  const settings = setup.settings as PrintersSettings;
  const limits = { maxPrinters: settings.maxPrinters ?? 30, maxSuppliesPerPrinter: settings.maxSuppliesPerPrinter ?? 8 };
  const nowSeconds = () => setup.clock.wallMs() / 1000;
  let explicit: CupsServer | undefined;
  if (settings.server !== undefined) {
    const parsed = parseCupsServer(settings.server);
    if (typeof parsed === 'string') throw new Error(`probes.printers.settings.server: ${parsed}`);
    explicit = parsed;
  }

  const part = platformPart(files, setup.platform);
  async function snapshot(signal: AbortSignal): Promise<PrintSnapshot> {
    const p = await part();
    if (!p) return { kind: 'absent', reason: `printers are not read on ${setup.platform}` };
    return p.snapshot({ settings, explicit, nowSeconds, maxPrinters: limits.maxPrinters }, signal);
  }

  return { collect: async (ctx) => printerReadings(await snapshot(ctx.signal), limits) };
}

/** CUPS answers an IPP query in about 4 ms of agent CPU (BENCHMARKS.md, per-probe table): 0.25 s an hour at this pace. */
export const PRINTERS_CUPS_INTERVAL_SECONDS = 60;

export const printersProbe: ProbeDefinition = {
  name: 'printers',
  interval: 'slow',
  metrics: [m.printServiceUp, m.printerState, m.printerError, m.printerStateMessage, m.printerAcceptingJobs, m.printerQueueJobs, m.printerOldestJobAge, m.printerSupplyLevel, m.printerSupplyState, m.printerQueryDuration],
  settingsSchema: printersSettings,
  defaultIntervalSeconds: (platform) => (platform === 'win32' ? undefined : PRINTERS_CUPS_INTERVAL_SECONDS),
  create: (setup) => createPrinters(setup),
};
