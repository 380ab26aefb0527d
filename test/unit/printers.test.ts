// The printers probe's pure parts: IPP attribute mapping, the Windows spooler's recorded outputs in
// both console encodings, label hygiene, and how a snapshot becomes series. Real CUPS is exercised in
// test/integration/peripherals.test.ts.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { decodeResponse, encodeRequest, OP, parseCupsServer, type AttributeMap } from '../../agent/peripherals/ipp-client.js';
import { labelText, uniqueLabels } from '../../agent/peripherals/labels.js';
import { MAX_MESSAGE_CHARS, messageLabel, printerReadings, type PrinterStatus } from '../../agent/peripherals/printer-status.js';
import { decodeConsole } from '../../agent/exec/run-command.js';
import { createPrinters, printersSettings } from '../../agent/probes/printers.js';
import { printerFromIpp, queueSummary, reasonsFromIpp, stateFromIpp, suppliesFromIpp } from '../../agent/probes/printers-cups-parse.js';
import { parseWindowsPrinters } from '../../agent/probes/printers-windows-parse.js';
import { WINDOWS_PRINTERS_SCRIPT } from '../../agent/probes/printers.win32.js';
import { fullScript, powershellArgs, POWERSHELL_UTF8 } from '../../agent/windows/powershell.js';
import type { ProbeSetup, Reading } from '../../agent/probes/probe.js';
import { createLogger } from '../../common/logger.js';

const fixtures = fileURLToPath(new URL('../fixtures/windows-printers/', import.meta.url));
const NOW = 1_700_000_600;

const series = (readings: Reading[], metric: string) =>
  readings.filter((r): r is Extract<Reading, { kind: 'sample' }> => r.kind === 'sample' && r.metric.name === metric).map((r): Record<string, string | number> => ({ ...r.labels, value: r.value }));
const unavailableOf = (readings: Reading[]) => Object.fromEntries(readings.filter((r) => r.kind === 'unavailable').map((r) => [r.metric.name, (r as { reason: string }).reason]));

describe('CUPS attributes', () => {
  it('maps printer-state enums and leaves unknown codes undefined', () => {
    expect([3, 4, 5, 6, 'idle'].map(stateFromIpp)).toEqual(['idle', 'processing', 'stopped', undefined, undefined]);
  });

  it('maps printer-state-reasons with their suffixes onto the fixed set', () => {
    expect([...reasonsFromIpp(['none'])]).toEqual([]);
    // cupsdisable only adds "paused": that is the stopped state, not an error.
    expect([...reasonsFromIpp(['paused'])]).toEqual([]);
    expect([...reasonsFromIpp(['media-jam-error', 'media-needed', 'cover-open-warning'])].sort()).toEqual(['door-open', 'media-empty', 'media-jam']);
    expect([...reasonsFromIpp(['toner-low-report', 'marker-supply-empty-error', 'offline-report'])].sort()).toEqual(['offline', 'toner-empty', 'toner-low']);
    // Unknown faults are "other"; unknown informational -report reasons and routine ones are not.
    expect([...reasonsFromIpp(['cups-missing-filter-warning'])]).toEqual(['other']);
    expect([...reasonsFromIpp(['fuser-over-temp'])]).toEqual(['other']);
    expect([...reasonsFromIpp(['com.example-calibrating-report', 'media-low-warning', 'cups-waiting-for-job-completed'])]).toEqual([]);
    expect([...reasonsFromIpp([42, '', 'shutdown'])]).toEqual(['offline']);
  });

  it('keeps real marker levels as ratios; -1, -2, -3 are states of their own, never a level and never 0', () => {
    expect(suppliesFromIpp(['Black Toner', 'Cyan', 'Magenta', 'Yellow', 'Waste', 'Drum'], [0, 55, -1, -3, 100, -2])).toEqual([
      { name: 'Black Toner', ratio: 0 },
      { name: 'Cyan', ratio: 0.55 },
      { name: 'Magenta', state: 'other' },
      { name: 'Yellow', state: 'some_remaining' },
      { name: 'Waste', ratio: 1 },
      { name: 'Drum', state: 'unknown' },
    ]);
    expect(suppliesFromIpp([], [40, 101, 20.5, -4], ['toner'])).toEqual([{ name: 'toner 1', ratio: 0.4 }]);
    // As series: a level for real levels, a state for the others; nothing for a supply not listed.
    const readings = printerReadings(
      { kind: 'ok', printers: [{ name: 'p', state: 'idle', reasons: new Set(), queueJobs: 0, oldestJobAgeSeconds: 0, queryDurationSeconds: 0, supplies: suppliesFromIpp(['K', 'C', 'M'], [7, -3, -2]) }] },
      { maxPrinters: 30, maxSuppliesPerPrinter: 16 },
    );
    const supplies = readings.filter((r) => r.kind === 'sample' && r.metric.name.startsWith('stationwatch_printer_supply')).map((r) => (r.kind === 'sample' ? [r.metric.name, r.labels, r.value] : []));
    expect(supplies).toEqual([
      ['stationwatch_printer_supply_level_ratio', { printer: 'p', supply: 'K' }, 0.07],
      ['stationwatch_printer_supply_state', { printer: 'p', supply: 'C', state: 'some_remaining' }, 1],
      ['stationwatch_printer_supply_state', { printer: 'p', supply: 'M', state: 'unknown' }, 1],
    ]);
  });

  it('counts pending, held and printing jobs, not finished ones, and ages the oldest', () => {
    const jobs = [
      { state: 3, createdAt: NOW - 30 },
      { state: 4, createdAt: NOW - 900 }, // held: waits as much as any other
      { state: 5, createdAt: NOW - 10 },
      { state: 9, createdAt: NOW - 5000 }, // completed
      { state: 7, createdAt: NOW - 4000 }, // canceled
    ];
    expect(queueSummary(jobs, NOW)).toEqual({ queueJobs: 3, oldestJobAgeSeconds: 900 });
    expect(queueSummary([], NOW)).toEqual({ queueJobs: 0, oldestJobAgeSeconds: 0 });
  });

  it('builds a printer from the attributes CUPS returns', () => {
    const attrs: AttributeMap = new Map<string, any>([
      ['printer-name', ['desk']],
      ['printer-state', [5]],
      ['printer-state-reasons', ['paused', 'media-empty-error']],
      ['printer-is-accepting-jobs', [false]],
      ['marker-names', ['Black']],
      ['marker-levels', [7]],
    ]);
    const p = printerFromIpp(attrs as never, [{ state: 3, createdAt: NOW - 60 }], NOW, 0.02);
    expect({ ...p, reasons: [...p.reasons] }).toEqual({ name: 'desk', state: 'stopped', reasons: ['media-empty'], accepting: false, queueJobs: 1, oldestJobAgeSeconds: 60, supplies: [{ name: 'Black', ratio: 0.07 }], queryDurationSeconds: 0.02 });
  });

  it('encodes a request that decodes back to the same operation attributes', () => {
    const buf = encodeRequest(OP.getJobs, 7, { printerUri: 'ipp://localhost/printers/前台', requestedAttributes: ['job-state', 'time-at-creation'], whichJobs: 'not-completed' });
    expect(buf.readUInt16BE(2)).toBe(OP.getJobs);
    // The request's shape is the response's too (status in place of the operation), so decode reads it.
    const back = decodeResponse(buf).groups[0]!.attributes;
    expect(back.get('printer-uri')).toEqual(['ipp://localhost/printers/前台']);
    expect(back.get('requested-attributes')).toEqual(['job-state', 'time-at-creation']);
    expect(back.get('which-jobs')).toEqual(['not-completed']);
    expect(() => decodeResponse(Buffer.from([1, 1, 0]))).toThrow(/malformed IPP response/);
  });

  it('parses the CUPS server setting and refuses nonsense', () => {
    expect(parseCupsServer('/run/cups/cups.sock')).toEqual({ socketPath: '/run/cups/cups.sock' });
    expect(parseCupsServer('localhost')).toEqual({ host: 'localhost', port: 631 });
    expect(parseCupsServer('http://printsrv.branch.lan:8631/')).toEqual({ host: 'printsrv.branch.lan', port: 8631 });
    expect(parseCupsServer('[::1]:631')).toEqual({ host: '::1', port: 631 });
    expect(parseCupsServer('host:99999')).toMatch(/out of range/);
    expect(parseCupsServer('a b')).toMatch(/neither a socket path nor host/);
    expect([...Value.Errors(printersSettings, Value.Default(printersSettings, { server: 'not a host!' }))].map((e) => e.path)).toEqual(['/server']);
  });
});

describe('Windows spooler outputs (recorded, see test/fixtures/windows-printers/README.md)', () => {
  const utf8 = readFileSync(join(fixtures, 'spooler-running.utf8.json'));
  const cp936 = readFileSync(join(fixtures, 'spooler-running.cp936.json'));

  it('decodes the console output whether PowerShell wrote UTF-8 or code page 936', () => {
    expect(cp936.equals(utf8)).toBe(false);
    expect(decodeConsole(cp936, 'gbk')).toBe(decodeConsole(utf8, 'gbk'));
    expect(decodeConsole(readFileSync(join(fixtures, 'single-printer.utf8-bom.json')), 'gbk').startsWith('{')).toBe(true);
  });

  it('maps state flags, error codes, offline switches and the job queue', () => {
    const snap = parseWindowsPrinters(decodeConsole(cp936, 'gbk'), NOW);
    if (snap.kind !== 'ok') throw new Error(snap.kind);
    const byName = Object.fromEntries(snap.printers.map((p) => [p.name, { state: p.state, reasons: [...p.reasons].sort(), jobs: p.queueJobs, age: p.oldestJobAgeSeconds, took: p.queryDurationSeconds }]));
    expect(byName).toEqual({
      前台收据打印机: { state: 'idle', reasons: [], jobs: 0, age: 0, took: 0.184 },
      '\\\\PRINTSRV\\HP LaserJet M404 (二楼)': { state: undefined, reasons: ['media-jam', 'other'], jobs: 2, age: 600, took: 0.184 },
      '柜台2 针式打印机': { state: 'stopped', reasons: [], jobs: 1, age: 100, took: 0.184 },
      'EPSON TM-T88V Receipt': { state: 'idle', reasons: ['offline'], jobs: 0, age: 0, took: 0.184 },
      'Microsoft Print to PDF': { state: 'idle', reasons: [], jobs: 0, age: 0, took: 0.184 },
      Fax: { state: undefined, reasons: [], jobs: 0, age: 0, took: 0.184 },
      // The finished job (printed | complete) no longer waits.
      'OneNote (Desktop)': { state: 'processing', reasons: [], jobs: 1, age: 10, took: 0.184 },
    });
  });

  it('reports toner low from the flags and the error state', () => {
    const snap = parseWindowsPrinters(decodeConsole(readFileSync(join(fixtures, 'single-printer.utf8-bom.json')), 'gbk'), NOW);
    expect(snap.kind === 'ok' && snap.printers.map((p) => [p.name, [...p.reasons]])).toEqual([['收银台', ['toner-low']]]);
  });

  it('says the spooler is down when it is stopped, and refuses output that is not the script\'s', () => {
    expect(parseWindowsPrinters(readFileSync(join(fixtures, 'spooler-stopped.json'), 'utf8'), NOW)).toEqual({ kind: 'down', reason: 'the Print Spooler service is Stopped' });
    // Unusable output is unknown (unavailable with the reason), never "no printers".
    expect(parseWindowsPrinters('Get-CimInstance : Access denied', NOW)).toEqual({ kind: 'absent', reason: expect.stringMatching(/printed no JSON/) });
    expect(parseWindowsPrinters('', NOW)).toEqual({ kind: 'absent', reason: 'printer query: PowerShell printed nothing' });
    expect(parseWindowsPrinters('{"Printers":[]}', NOW)).toEqual({ kind: 'absent', reason: expect.stringMatching(/unexpected PowerShell output/) });
  });

  it('passes the script as UTF-16LE base64, as -EncodedCommand expects, after the UTF-8 request', () => {
    const args = powershellArgs(fullScript(WINDOWS_PRINTERS_SCRIPT));
    expect(args.slice(0, 5)).toEqual(['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand']);
    const sent = Buffer.from(args[5]!, 'base64').toString('utf16le');
    expect(sent.startsWith(POWERSHELL_UTF8)).toBe(true);
    expect(sent.endsWith(WINDOWS_PRINTERS_SCRIPT)).toBe(true);
  });
});

describe('printer series', () => {
  const base: PrinterStatus = { name: 'desk', state: 'idle', reasons: new Set(), accepting: true, queueJobs: 0, oldestJobAgeSeconds: 0, supplies: [], queryDurationSeconds: 0.01 };
  const limits = { maxPrinters: 3, maxSuppliesPerPrinter: 2 };

  it('one series per state and per reason, 0 or 1, so "no error" is a 0 and not a missing series', () => {
    const r = printerReadings({ kind: 'ok', printers: [{ ...base, state: 'stopped', reasons: new Set(['offline']) }] }, limits);
    expect(series(r, 'stationwatch_print_service_up')).toEqual([{ value: 1 }]);
    expect(series(r, 'stationwatch_printer_state')).toEqual([
      { printer: 'desk', state: 'idle', value: 0 },
      { printer: 'desk', state: 'processing', value: 0 },
      { printer: 'desk', state: 'stopped', value: 1 },
    ]);
    expect(series(r, 'stationwatch_printer_error').filter((s) => s.value === 1)).toEqual([{ printer: 'desk', reason: 'offline', value: 1 }]);
    expect(series(r, 'stationwatch_printer_error')).toHaveLength(7);
    expect(unavailableOf(r)).toEqual({ stationwatch_printer_supply_level_ratio: 'no printer reports a supply level' });
  });

  it('tidies, caps and de-duplicates device-provided names', () => {
    const long = '打'.repeat(100);
    const printers = [{ ...base, name: 'a\tb\nc' }, { ...base, name: 'a b c' }, { ...base, name: long }, { ...base, name: 'fourth' }];
    const r = printerReadings({ kind: 'ok', printers: [...printers.slice(0, 2), { ...printers[2]!, supplies: [{ name: '', ratio: 0.5 }, { name: 'x\u0000', ratio: 0.1 }, { name: 'dropped', ratio: 1 }] }, printers[3]!] }, limits);
    const names = [...new Set(series(r, 'stationwatch_printer_queue_jobs').map((s) => s.printer))];
    expect(names).toEqual(['a b c', 'a b c (2)', '打'.repeat(64)]);
    expect(series(r, 'stationwatch_printer_supply_level_ratio')).toEqual([
      { printer: '打'.repeat(64), supply: 'supply 1', value: 0.5 },
      { printer: '打'.repeat(64), supply: 'x', value: 0.1 },
    ]);
    expect(labelText('\u0007', 'fallback')).toBe('fallback');
    expect(uniqueLabels(['x'.repeat(70), 'x'.repeat(80)], () => '')).toEqual(['x'.repeat(64), `${'x'.repeat(60)} (2)`]);
  });

  it('a print service that does not answer is 0 and leaves the printers unknown; none installed is unknown', () => {
    const down = printerReadings({ kind: 'down', reason: 'connect ECONNREFUSED' }, limits);
    expect(series(down, 'stationwatch_print_service_up')).toEqual([{ value: 0 }]);
    expect(series(down, 'stationwatch_printer_state')).toEqual([]);
    expect(unavailableOf(down).stationwatch_printer_state).toMatch(/not answering: connect ECONNREFUSED/);
    const absent = printerReadings({ kind: 'absent', reason: 'CUPS is not installed' }, limits);
    expect(absent.every((x) => x.kind === 'unavailable')).toBe(true);
    const none = printerReadings({ kind: 'ok', printers: [] }, limits);
    expect(series(none, 'stationwatch_print_service_up')).toEqual([{ value: 1 }]);
    expect(unavailableOf(none).stationwatch_printer_queue_jobs).toBe('no printers are set up');
  });
});

describe('printers probe', () => {
  const setup = (settings: Record<string, unknown>, platform: NodeJS.Platform = 'linux'): ProbeSetup => ({
    log: createLogger('silent', 'test'),
    clock: { wallMs: () => NOW * 1000, monoMs: () => performance.now(), bootMs: async () => undefined },
    platform,
    stateDir: mkdtempSync(join(tmpdir(), 'sw-printers-')),
    procRoot: '/proc',
    sysRoot: '/sys',
    settings: Value.Default(printersSettings, settings) as Record<string, unknown>,
    collectorUrl: 'http://127.0.0.1:1',
  });

  it('a configured CUPS that is not listening is a down print service, not a probe failure', async () => {
    const socket = join(mkdtempSync(join(tmpdir(), 'sw-nocups-')), 'cups.sock');
    const r = await createPrinters(setup({ server: socket })).collect({ signal: new AbortController().signal });
    expect(series(r, 'stationwatch_print_service_up')).toEqual([{ value: 0 }]);
    expect(unavailableOf(r).stationwatch_printer_state).toContain(socket);
  });

  it('a print service that accepts the connection but never answers is given up when the probe times out', async () => {
    const socket = join(mkdtempSync(join(tmpdir(), 'sw-hungcups-')), 'cups.sock');
    const hung = createServer(() => undefined); // accepts, reads nothing, says nothing
    await new Promise<void>((r) => hung.listen(socket, r));
    try {
      const t0 = performance.now();
      await expect(createPrinters(setup({ server: socket })).collect({ signal: AbortSignal.timeout(300) })).rejects.toThrow(/abort/i);
      expect(performance.now() - t0).toBeLessThan(5000);
    } finally {
      hung.close();
    }
  });

  it('platforms without a print service reader report unknown', async () => {
    const r = await createPrinters(setup({}, 'freebsd')).collect({ signal: new AbortController().signal });
    expect(unavailableOf(r).stationwatch_print_service_up).toBe('printers are not read on freebsd');
  });
});

describe("the printer's state message (CUPS printer-state-message, e.g. cupsdisable -r)", () => {
  const base: PrinterStatus = { name: 'counter', state: 'stopped', reasons: new Set(), accepting: true, queueJobs: 0, oldestJobAgeSeconds: 0, supplies: [], queryDurationSeconds: 0.01 };
  const messages = (p: PrinterStatus) =>
    printerReadings({ kind: 'ok', printers: [p] }, { maxPrinters: 30, maxSuppliesPerPrinter: 16 })
      .filter((r) => r.metric.name === 'stationwatch_printer_state_message_info')
      .map((r) => (r.kind === 'sample' ? r.labels : undefined));

  it('is an info series while stopped or in error, one per printer, bounded and on one line', () => {
    expect(messages({ ...base, message: 'paper jam — 卡纸' })).toEqual([{ printer: 'counter', message: 'paper jam — 卡纸' }]);
    expect(messages({ ...base, state: 'idle', reasons: new Set(['media-empty'] as const), message: 'Tray 2\r\nempty\u0007' })).toEqual([{ printer: 'counter', message: 'Tray 2 empty' }]);
    const long = messages({ ...base, message: '纸'.repeat(300) })[0]!.message!;
    expect([...long]).toHaveLength(MAX_MESSAGE_CHARS);
    expect(long.endsWith('…')).toBe(true);
  });

  it('is absent while the printer is fine, or when there is no message', () => {
    expect(messages({ ...base, state: 'idle', message: 'Ready to print.' })).toEqual([]);
    expect(messages({ ...base, message: '   ' })).toEqual([]);
    expect(messages(base)).toEqual([]);
  });

  it('is read from the IPP attribute', () => {
    const attrs: AttributeMap = new Map<string, any>([['printer-name', ['counter']], ['printer-state', [5]], ['printer-state-reasons', ['paused']], ['printer-state-message', ['out for repair']]]);
    expect(printerFromIpp(attrs, [], 0, 0.01).message).toBe('out for repair');
    expect(messageLabel(' a\tb ')).toBe('a b');
  });
});
