// USB decisions, pure: which expected devices are attached, how many devices came and went between
// two reads, and the series. The device list itself comes from usb.linux.ts (Linux) or
// usb.win32.ts (Windows).
import { m } from '../../protocol/metrics.js';
import { labelText } from '../peripherals/labels.js';
import { sample, unavailable, type Reading } from './probe.js';

export interface UsbDevice {
  /** Identity across reads: where it is plugged in plus what it is (a replug elsewhere is a new device). */
  key: string;
  /** Four lower-case hex digits. */
  vendorId: string;
  productId: string;
  /** Product name as the device reports it (may be empty). */
  name: string;
}

export interface ExpectedDevice {
  name: string;
  vendorId: string;
  productId?: string;
}

export interface UsbState {
  insertions: number;
  removals: number;
  /** Keys seen at the last read; undefined before the first read (nothing to compare with). */
  devices?: string[];
}

/** Multiset difference: a key present twice before and once now is one removal. */
export function diffDevices(before: readonly string[], now: readonly string[]): { inserted: number; removed: number } {
  const count = new Map<string, number>();
  for (const k of before) count.set(k, (count.get(k) ?? 0) + 1);
  let inserted = 0;
  for (const k of now) {
    const c = count.get(k) ?? 0;
    if (c > 0) count.set(k, c - 1);
    else inserted++;
  }
  let removed = 0;
  for (const c of count.values()) removed += c;
  return { inserted, removed };
}

/** The next state after a read; the first read only sets the baseline. */
export function advance(state: UsbState, devices: readonly UsbDevice[]): UsbState {
  const keys = devices.map((d) => d.key).sort();
  if (!state.devices) return { ...state, devices: keys };
  const { inserted, removed } = diffDevices(state.devices, keys);
  return { insertions: state.insertions + inserted, removals: state.removals + removed, devices: keys };
}

export function parseUsbState(raw: unknown): UsbState | string {
  if (typeof raw !== 'object' || raw === null) return 'not an object';
  const r = raw as Record<string, unknown>;
  const okCount = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  if (!okCount(r.insertions) || !okCount(r.removals)) return 'insertions and removals must be non-negative integers';
  if (r.devices !== undefined && !(Array.isArray(r.devices) && r.devices.every((d) => typeof d === 'string'))) return 'devices must be a list of strings';
  return { insertions: r.insertions as number, removals: r.removals as number, ...(r.devices ? { devices: r.devices as string[] } : {}) };
}

export function isPresent(expected: ExpectedDevice, devices: readonly UsbDevice[]): boolean {
  const vid = expected.vendorId.toLowerCase();
  const pid = expected.productId?.toLowerCase();
  return devices.some((d) => d.vendorId === vid && (pid === undefined || d.productId === pid));
}

/**
 * Devices grouped by vendor, product and name (two identical keyboards are one series of value 2),
 * at most `maxSeries` series; expected devices 1/0; the insert/remove counters.
 */
export function usbReadings(devices: readonly UsbDevice[] | string, expected: readonly ExpectedDevice[], state: UsbState, maxSeries: number): Reading[] {
  if (typeof devices === 'string') {
    return [m.usbDevices, m.usbExpectedDevicePresent, m.usbInsertions, m.usbRemovals].map((d) => unavailable(d, devices));
  }
  const out: Reading[] = [];
  const groups = new Map<string, { vendor_id: string; product_id: string; name: string; n: number }>();
  for (const d of devices) {
    const name = labelText(d.name, '', 64);
    const k = `${d.vendorId}:${d.productId}:${name}`;
    const g = groups.get(k);
    if (g) g.n++;
    else if (groups.size < maxSeries) groups.set(k, { vendor_id: d.vendorId, product_id: d.productId, name, n: 1 });
  }
  for (const g of groups.values()) out.push(sample(m.usbDevices, g.n, { vendor_id: g.vendor_id, product_id: g.product_id, name: g.name }));
  for (const e of expected) out.push(sample(m.usbExpectedDevicePresent, isPresent(e, devices) ? 1 : 0, { name: e.name }));
  if (expected.length === 0) out.push(unavailable(m.usbExpectedDevicePresent, 'no expected USB devices configured'));
  out.push(sample(m.usbInsertions, state.insertions), sample(m.usbRemovals, state.removals));
  return out;
}
