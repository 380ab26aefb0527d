// One poll of one SNMP device: uptime, then printers (hrDeviceTable/hrPrinterTable) and their
// supplies (Printer-MIB). The result is samples of the protocol's metrics, as an agent would send.
import { m } from '../../protocol/metrics.js';
import type { Sample } from '../../protocol/report.js';
import { PRINTER_REASONS, PRINTER_STATES, supplyLevelState } from '../../protocol/printer-vocabulary.js';
import { decodeErrorState, labelText, oids, printerState, supplyRatio } from './printer-mib.js';
import type { SnmpClient, Varbind } from './session.js';

const MAX_PRINTERS = 8;
const MAX_SUPPLIES = 16;

/** Column varbinds keyed by the index after the column OID ("3" or "1.2"). */
function byIndex(varbinds: Varbind[], column: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const v of varbinds) if (v.oid.startsWith(`${column}.`)) out.set(v.oid.slice(column.length + 1), v.value);
  return out;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const text = (v: unknown): string => (Buffer.isBuffer(v) ? v.toString('utf8') : typeof v === 'string' ? v : '');

export async function pollDevice(client: SnmpClient): Promise<Sample[]> {
  const samples: Sample[] = [];
  const [uptime] = await client.get([oids.sysUpTime]);
  const ticks = num(uptime?.value);
  if (ticks !== undefined) samples.push({ metric: m.snmpUptime.name, value: ticks / 100 });

  const devices = await client.walk('1.3.6.1.2.1.25.3.2.1');
  const types = byIndex(devices, oids.hrDeviceType);
  const descr = byIndex(devices, oids.hrDeviceDescr);
  const status = byIndex(devices, oids.hrDeviceStatus);
  const printerIdx = [...types].filter(([, t]) => String(t) === oids.hrDeviceTypePrinter).map(([i]) => i).slice(0, MAX_PRINTERS);
  if (printerIdx.length === 0) return samples;

  const printers = await client.walk('1.3.6.1.2.1.25.3.5.1');
  const pStatus = byIndex(printers, oids.hrPrinterStatus);
  const pErrors = byIndex(printers, oids.hrPrinterDetectedErrorState);
  const supplies = await client.walk('1.3.6.1.2.1.43.11.1.1');
  const sDescr = byIndex(supplies, oids.supplyDescription);
  const sMax = byIndex(supplies, oids.supplyMaxCapacity);
  const sLevel = byIndex(supplies, oids.supplyLevel);

  const usedNames = new Set<string>();
  for (const idx of printerIdx) {
    let printer = labelText(text(descr.get(idx)), `printer ${idx}`);
    if (usedNames.has(printer)) printer = `${printer} (${idx})`.slice(0, 72);
    usedNames.add(printer);
    const state = printerState(num(status.get(idx)), num(pStatus.get(idx)));
    if (state) for (const s of PRINTER_STATES) samples.push({ metric: m.printerState.name, labels: { printer, state: s }, value: s === state ? 1 : 0 });
    const errs = pErrors.get(idx);
    if (Buffer.isBuffer(errs)) {
      // Every reason 0 or 1 once the error state was read, as the agent's printer sources do.
      const active = new Set(decodeErrorState(errs).reasons);
      for (const reason of PRINTER_REASONS) samples.push({ metric: m.printerError.name, labels: { printer, reason }, value: active.has(reason) ? 1 : 0 });
    }
    let count = 0;
    for (const [key, level] of sLevel) {
      if (!key.startsWith(`${idx}.`) || count >= MAX_SUPPLIES) continue;
      const ratio = supplyRatio(num(level), num(sMax.get(key)));
      const state = supplyLevelState(num(level));
      if (ratio === undefined && state === undefined) continue;
      count++;
      let supply = labelText(text(sDescr.get(key)), `supply ${key.split('.')[1]}`);
      if (usedNames.has(`${printer}\u0000${supply}`)) supply = `${supply} (${key.split('.')[1]})`.slice(0, 72);
      usedNames.add(`${printer}\u0000${supply}`);
      if (ratio !== undefined) samples.push({ metric: m.printerSupplyLevel.name, labels: { printer, supply }, value: ratio });
      else samples.push({ metric: m.printerSupplyState.name, labels: { printer, supply, state: state! }, value: 1 });
    }
  }
  return samples;
}
