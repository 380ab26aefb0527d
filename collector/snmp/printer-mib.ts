// Pure decoding of HOST-RESOURCES-MIB (RFC 2790) and Printer-MIB (RFC 3805) values into our fixed
// vocabulary. Nothing here talks to the network, so every rule is tested on literal values.

export const oids = {
  sysUpTime: '1.3.6.1.2.1.1.3.0',
  /** hrDeviceTable columns, indexed by hrDeviceIndex. */
  hrDeviceType: '1.3.6.1.2.1.25.3.2.1.2',
  hrDeviceDescr: '1.3.6.1.2.1.25.3.2.1.3',
  hrDeviceStatus: '1.3.6.1.2.1.25.3.2.1.5',
  hrDeviceTypePrinter: '1.3.6.1.2.1.25.3.1.5',
  /** hrPrinterTable columns, indexed by hrDeviceIndex. */
  hrPrinterStatus: '1.3.6.1.2.1.25.3.5.1.1',
  hrPrinterDetectedErrorState: '1.3.6.1.2.1.25.3.5.1.2',
  /** prtMarkerSuppliesTable columns, indexed by hrDeviceIndex.prtMarkerSuppliesIndex. */
  supplyDescription: '1.3.6.1.2.1.43.11.1.1.6',
  supplyMaxCapacity: '1.3.6.1.2.1.43.11.1.1.8',
  supplyLevel: '1.3.6.1.2.1.43.11.1.1.9',
} as const;

/** The error reasons every printer source (CUPS, Windows, SNMP) is mapped onto. */
import type { PrinterReason, PrinterState } from '../../protocol/printer-vocabulary.js';

export type { PrinterReason, PrinterState };

/**
 * hrPrinterDetectedErrorState bits, bit 0 = the most significant bit of the first octet (RFC 2790
 * and its RFC 3805 extension). Agents may send one or two octets; missing octets are zeros.
 */
const errorBits: ReadonlyArray<[string, PrinterReason]> = [
  ['lowPaper', 'other'],
  ['noPaper', 'media-empty'],
  ['lowToner', 'toner-low'],
  ['noToner', 'toner-empty'],
  ['doorOpen', 'door-open'],
  ['jammed', 'media-jam'],
  ['offline', 'offline'],
  ['serviceRequested', 'other'],
  ['inputTrayMissing', 'other'],
  ['outputTrayMissing', 'other'],
  ['markerSupplyMissing', 'other'],
  ['outputNearFull', 'other'],
  ['outputFull', 'other'],
  ['inputTrayEmpty', 'media-empty'],
  ['overduePreventMaint', 'other'],
];

export function decodeErrorState(octets: Buffer): { bits: string[]; reasons: PrinterReason[] } {
  const bits: string[] = [];
  const reasons = new Set<PrinterReason>();
  errorBits.forEach(([name, reason], i) => {
    const byte = octets[i >> 3] ?? 0;
    if (byte & (0x80 >> (i & 7))) {
      bits.push(name);
      reasons.add(reason);
    }
  });
  return { bits, reasons: [...reasons] };
}

/**
 * State from hrDeviceStatus (running 2, warning 3, testing 4, down 5) and hrPrinterStatus (other 1,
 * unknown 2, idle 3, printing 4, warmup 5). undefined = the device does not say.
 */
export function printerState(deviceStatus: number | undefined, printerStatus: number | undefined): PrinterState | undefined {
  if (deviceStatus === 5) return 'stopped';
  switch (printerStatus) {
    case 3:
      return 'idle';
    case 4:
    case 5:
      return 'processing';
    case 1:
      // "other" is what printers report when they cannot print (cover open, offline, error).
      return 'stopped';
    default:
      return undefined;
  }
}

/**
 * A supply's fill ratio, or undefined when the printer does not give a real level: -1 "other",
 * -2 "unknown" and -3 "some remaining" (RFC 3805) are not percentages, nor is a level without a
 * positive capacity.
 */
export function supplyRatio(level: number | undefined, max: number | undefined): number | undefined {
  if (level === undefined || max === undefined || level < 0 || max <= 0) return undefined;
  return Math.min(1, level / max);
}

/** Device-provided text becomes a bounded, printable label value. */
export function labelText(value: string, fallback: string, maxLength = 64): string {
  const clean = value.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/\s+/g, ' ').trim();
  return (clean || fallback).slice(0, maxLength);
}
