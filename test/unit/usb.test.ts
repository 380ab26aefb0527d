// The usb probe against a sysfs fixture tree (copied to a temp dir so devices can be plugged and
// unplugged), its persisted insert/remove counters, expected devices, and the Windows PnP outputs.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { decodeConsole } from '../../agent/exec/run-command.js';
import type { ProbeSetup, Reading } from '../../agent/probes/probe.js';
import { advance, diffDevices, usbReadings } from '../../agent/probes/usb-logic.js';
import { readUsbSysfs } from '../../agent/probes/usb.linux.js';
import { parseWindowsUsb } from '../../agent/probes/usb.win32.js';
import { createUsb, STATE_FILE, usbSettings } from '../../agent/probes/usb.js';
import { createLogger } from '../../common/logger.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));

const series = (readings: Reading[], metric: string) =>
  readings.filter((r): r is Extract<Reading, { kind: 'sample' }> => r.kind === 'sample' && r.metric.name === metric).map((r) => ({ ...r.labels, value: r.value }));

function sysfsCopy(): string {
  const root = mkdtempSync(join(tmpdir(), 'sw-usb-sys-'));
  cpSync(join(fixtures, 'sysfs-usb'), root, { recursive: true });
  // An interface of the receipt printer: listed beside devices, must not count as one.
  const iface = join(root, 'bus/usb/devices/1-1:1.0');
  mkdirSync(iface);
  writeFileSync(join(iface, 'bInterfaceClass'), '07\n');
  return root;
}

function plug(root: string, port: string, vid: string, pid: string, product: string): void {
  const dir = join(root, 'bus/usb/devices', port);
  mkdirSync(dir);
  writeFileSync(join(dir, 'idVendor'), `${vid}\n`);
  writeFileSync(join(dir, 'idProduct'), `${pid}\n`);
  writeFileSync(join(dir, 'product'), `${product}\n`);
}

const unplug = (root: string, port: string) => rmSync(join(root, 'bus/usb/devices', port), { recursive: true });

function setup(sysRoot: string, stateDir: string, settings: Record<string, unknown> = {}): ProbeSetup {
  return {
    log: createLogger('silent', 'test'),
    clock: { wallMs: () => Date.now(), monoMs: () => performance.now(), bootMs: async () => undefined },
    platform: 'linux',
    stateDir,
    procRoot: '/proc',
    sysRoot,
    settings: Value.Default(usbSettings, settings) as Record<string, unknown>,
    collectorUrl: 'http://127.0.0.1:1',
  };
}

const signal = new AbortController().signal;
const receiptPrinter = { name: 'receipt printer', vendorId: '04B8', productId: '0202' };
const cardReader = { name: 'ID-card reader', vendorId: '0400' };
const signaturePad = { name: 'signature pad', vendorId: '056a', productId: '00a5' };

describe('USB from sysfs', () => {
  it('lists devices, not root hubs, interfaces or half-gone devices', async () => {
    const devices = await readUsbSysfs(sysfsCopy());
    expect(devices).toEqual([
      { key: '1-1|04b8:0202|J7PF012345', vendorId: '04b8', productId: '0202', name: 'EPSON TM-T88V' },
      { key: '1-2|046d:c31c|', vendorId: '046d', productId: 'c31c', name: 'Logitech USB Keyboard' },
      { key: '1-3|046d:c31c|', vendorId: '046d', productId: 'c31c', name: 'Logitech USB Keyboard' },
      { key: '2-1.4|0400:c35a|', vendorId: '0400', productId: 'c35a', name: '二代证阅读器' },
    ]);
  });

  it('a machine without a USB bus in sysfs is unknown, not "no devices"', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'sw-usb-none-'));
    expect(await readUsbSysfs(empty)).toMatch(/exposes no USB bus/);
    const r = await createUsb(setup(empty, mkdtempSync(join(tmpdir(), 'sw-usb-st-')), { expected: [receiptPrinter] })).collect({ signal });
    expect(r.every((x) => x.kind === 'unavailable')).toBe(true);
  });
});

describe('usb probe', () => {
  it('groups identical devices, reports expected devices 1/0, and counts plugs across restarts', async () => {
    const sys = sysfsCopy();
    const stateDir = mkdtempSync(join(tmpdir(), 'sw-usb-st-'));
    const settings = { expected: [receiptPrinter, cardReader, signaturePad] };
    const first = await createUsb(setup(sys, stateDir, settings)).collect({ signal });
    expect(series(first, 'stationwatch_usb_devices')).toEqual([
      { vendor_id: '04b8', product_id: '0202', name: 'EPSON TM-T88V', value: 1 },
      { vendor_id: '046d', product_id: 'c31c', name: 'Logitech USB Keyboard', value: 2 },
      { vendor_id: '0400', product_id: 'c35a', name: '二代证阅读器', value: 1 },
    ]);
    expect(series(first, 'stationwatch_usb_expected_device_present')).toEqual([
      { name: 'receipt printer', value: 1 },
      { name: 'ID-card reader', value: 1 },
      { name: 'signature pad', value: 0 },
    ]);
    // The first read is the baseline: what was attached before the agent ran is no insertion.
    expect(series(first, 'stationwatch_usb_insertions_total')).toEqual([{ value: 0 }]);

    const probe = createUsb(setup(sys, stateDir, settings));
    unplug(sys, '1-1');
    plug(sys, '1-4', '056a', '00a5', 'STU-530');
    const second = await probe.collect({ signal });
    expect(series(second, 'stationwatch_usb_expected_device_present').map((s) => s.value)).toEqual([0, 1, 1]);
    expect([series(second, 'stationwatch_usb_insertions_total'), series(second, 'stationwatch_usb_removals_total')]).toEqual([[{ value: 1 }], [{ value: 1 }]]);

    // Unplugged while the agent was stopped: the next agent still counts it, from the state file.
    unplug(sys, '1-3');
    const third = await createUsb(setup(sys, stateDir, settings)).collect({ signal });
    expect(series(third, 'stationwatch_usb_removals_total')).toEqual([{ value: 2 }]);
    expect(JSON.parse(readFileSync(join(stateDir, STATE_FILE), 'utf8'))).toMatchObject({ insertions: 1, removals: 2 });
  });

  it('a quick replug between two reads is counted through the device-node watcher', async () => {
    const sys = sysfsCopy();
    const stateDir = mkdtempSync(join(tmpdir(), 'sw-usb-st-'));
    const dev = mkdtempSync(join(tmpdir(), 'sw-usb-dev-'));
    mkdirSync(join(dev, '001'));
    writeFileSync(join(dev, '001', '002'), '');
    const counters = () => JSON.parse(readFileSync(join(stateDir, STATE_FILE), 'utf8')) as { insertions: number; removals: number };
    const until = async (what: string, ok: () => boolean) => {
      for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
      if (!ok()) throw new Error(`timed out waiting for ${what}`);
    };
    const watched = createUsb(setup(sys, stateDir, { watchDir: dev }));
    await watched.start!();
    try {
      await watched.collect({ signal });
      // Unplugged: its node goes, the watcher re-reads; plugged back into the same port before the next read.
      unplug(sys, '1-2');
      rmSync(join(dev, '001', '002'));
      await until('the removal to be counted', () => counters().removals === 1);
      plug(sys, '1-2', '046d', 'c31c', 'USB Keyboard');
      writeFileSync(join(dev, '001', '007'), '');
      await until('the insertion to be counted', () => counters().insertions === 1);
      const r = await watched.collect({ signal });
      expect([series(r, 'stationwatch_usb_insertions_total'), series(r, 'stationwatch_usb_removals_total')]).toEqual([[{ value: 1 }], [{ value: 1 }]]);
    } finally {
      await watched.stop!();
    }
    // Without the watcher the same two reads see identical device lists: the replug would be lost.
    expect(diffDevices(['1-2|046d:c31c|'], ['1-2|046d:c31c|'])).toEqual({ inserted: 0, removed: 0 });
  });

  it('a corrupt state file starts the counters afresh instead of failing', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'sw-usb-st-'));
    writeFileSync(join(stateDir, STATE_FILE), '{"insertions": -4}');
    const r = await createUsb(setup(sysfsCopy(), stateDir)).collect({ signal });
    expect(series(r, 'stationwatch_usb_insertions_total')).toEqual([{ value: 0 }]);
  });

  it('refuses bad expected-device settings with their paths', () => {
    const bad = Value.Default(usbSettings, { expected: [{ name: 'pad', vendorId: '56a' }, { name: '', vendorId: '056a', productId: 'zzzz' }] });
    expect([...new Set([...Value.Errors(usbSettings, bad)].map((e) => e.path))].sort()).toEqual(['/expected/0/vendorId', '/expected/1/name', '/expected/1/productId']);
    expect(() => createUsb(setup('/nonexistent', tmpdir(), { expected: [receiptPrinter, { ...cardReader, name: 'receipt printer' }] }))).toThrow(/"receipt printer" is used twice/);
  });
});

describe('USB logic', () => {
  it('diffs device lists as multisets', () => {
    expect(diffDevices(['a', 'a', 'b'], ['a', 'c', 'd'])).toEqual({ inserted: 2, removed: 2 });
    expect(advance({ insertions: 3, removals: 1 }, [])).toEqual({ insertions: 3, removals: 1, devices: [] });
  });

  it('caps the number of device series', () => {
    const devices = Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, vendorId: '1234', productId: `000${i}`, name: `d${i}` }));
    expect(series(usbReadings(devices, [], { insertions: 0, removals: 0 }, 4), 'stationwatch_usb_devices')).toHaveLength(4);
  });
});

describe('Windows PnP outputs (recorded, see test/fixtures/windows-usb/README.md)', () => {
  it('keeps USB devices, not interfaces or root hubs, in either console encoding', () => {
    const utf8 = parseWindowsUsb(decodeConsole(readFileSync(join(fixtures, 'windows-usb/pnp-entities.utf8.json')), 'gbk'));
    const gbk = parseWindowsUsb(decodeConsole(readFileSync(join(fixtures, 'windows-usb/pnp-entities.cp936.json')), 'gbk'));
    expect(gbk).toEqual(utf8);
    expect(utf8.map((d) => [d.vendorId, d.productId, d.name])).toEqual([
      ['046d', 'c52b', 'USB Composite Device'],
      ['04b8', '0202', 'EPSON TM-T88V Receipt'],
      ['0400', 'c35a', '二代身份证阅读器'],
      ['056a', '00a5', 'Wacom STU-530'],
    ]);
    expect(() => parseWindowsUsb('Get-CimInstance : Invalid class')).toThrow(/printed no JSON/);
    // Nothing printed is not "no USB devices" (which the script prints as []): it is unknown.
    expect(() => parseWindowsUsb('')).toThrow('USB device list: PowerShell printed nothing');
    expect(parseWindowsUsb('[]')).toEqual([]);
  });
});
