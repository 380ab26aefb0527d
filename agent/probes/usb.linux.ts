// USB devices from sysfs (Linux): no process to spawn, so cheap enough to read often. Layout:
// https://docs.kernel.org/driver-api/usb/usb.html — /sys/bus/usb/devices has one entry per device
// (`1-1`, `1-1.4`: bus-port.port…), per interface (`1-1:1.0`) and per host controller's root hub
// (`usb1`). Only devices count; root hubs are the controller itself, not something plugged in.
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError } from '../runner.js';
import type { UsbDevice } from './usb-logic.js';
import type { UsbPart } from './usb.js';

const DEVICE_ENTRY = /^\d+-\d+(\.\d+)*$/;

async function attr(dir: string, name: string): Promise<string> {
  try {
    return (await readFile(`${dir}/${name}`, 'utf8')).trim();
  } catch {
    return ''; // manufacturer, product and serial are optional string descriptors
  }
}

/** Devices under `<sysRoot>/bus/usb/devices`, or why the bus cannot be read (no USB, a container). */
export async function readUsbSysfs(sysRoot: string): Promise<UsbDevice[] | string> {
  const base = `${sysRoot}/bus/usb/devices`;
  let entries: string[];
  try {
    entries = await readdir(base);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `no ${base}: this machine (or container) exposes no USB bus`;
    throw new Error(`list ${base}`, { cause: err });
  }
  const devices: UsbDevice[] = [];
  for (const entry of entries.filter((e) => DEVICE_ENTRY.test(e)).sort()) {
    const dir = `${base}/${entry}`;
    const [vendorId, productId, manufacturer, product, serial] = await Promise.all(['idVendor', 'idProduct', 'manufacturer', 'product', 'serial'].map((n) => attr(dir, n)));
    // A device being unplugged while we read loses its files: skip it rather than invent ids.
    if (!/^[0-9a-f]{4}$/i.test(vendorId!) || !/^[0-9a-f]{4}$/i.test(productId!)) continue;
    const vid = vendorId!.toLowerCase();
    const pid = productId!.toLowerCase();
    devices.push({ key: `${entry}|${vid}:${pid}|${serial}`, vendorId: vid, productId: pid, name: [manufacturer, product].filter(Boolean).join(' ') });
  }
  return devices;
}

export const usb: UsbPart = {
  list: (ctx) => readUsbSysfs(ctx.sysRoot),
  async watchPlugs(ctx, onChange) {
    const dir = ctx.settings.watchDir ?? '/dev/bus/usb';
    let buses: string[];
    try {
      buses = await readdir(dir);
    } catch {
      return () => undefined; // no USB device nodes (a container, a VM without USB): the interval reads still run
    }
    // One watcher per bus directory (a device node is created there) and one for new buses.
    const watchers: FSWatcher[] = [];
    for (const path of [dir, ...buses.map((b) => join(dir, b))]) {
      try {
        watchers.push(watch(path, { persistent: false }, onChange).on('error', () => undefined));
      } catch (err) {
        ctx.log.warn({ path, err: describeError(err) }, 'cannot watch for USB plug events; counting on the interval only');
      }
    }
    return () => {
      for (const w of watchers.splice(0)) w.close();
    };
  },
};
