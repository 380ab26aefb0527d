import { windowsInventoryFromJson } from '../../agent/probes/inventory.win32.js';
import { describe, expect, it } from 'vitest';
import type { Reading } from '../../agent/probes/probe.js';
import { collectInventory, inventoryProbe, labelValue, type InventorySource } from '../../agent/probes/inventory.js';

function samples(readings: Reading[]) {
  return readings.map((r) => (r.kind === 'sample' ? { metric: r.metric.name, labels: r.labels, value: r.value } : { metric: r.metric.name, unavailable: r.reason }));
}

const workstation: InventorySource = {
  system: async () => ({ manufacturer: 'Dell Inc.', model: 'OptiPlex 7090', serial: '  5XYZ123\n' }),
  cpu: async () => ({ manufacturer: 'Intel', brand: 'Core™ i5-10505', cores: 12 }),
  osInfo: async () => ({ distro: 'Microsoft Windows 11 Pro', release: '10.0.22631', arch: 'x64' }),
  diskLayout: async () => [
    { device: '/dev/nvme0n1', name: 'PC SN530 NVMe WDC 512GB', type: 'NVMe', vendor: 'Western Digital', serialNum: '2049AB', size: 512_110_190_592 },
    { device: '', name: 'Card Reader', type: 'USB', vendor: 'Generic', serialNum: '000000000000', size: 0 },
  ],
};

describe('inventory labels', () => {
  it('turns firmware filler into "" and keeps real values tidy', () => {
    expect(labelValue('To Be Filled By O.E.M.')).toBe('');
    expect(labelValue('Default string')).toBe('');
    expect(labelValue('System Product Name')).toBe('');
    expect(labelValue('00000000')).toBe('');
    expect(labelValue('-')).toBe('');
    expect(labelValue(undefined)).toBe('');
    expect(labelValue(' ThinkCentre\tM70q \n')).toBe('ThinkCentre M70q');
    expect(labelValue('x64')).toBe('x64');
    expect(labelValue(12)).toBe('12');
  });

  it('limits a label to 256 characters without splitting a character', () => {
    expect(labelValue('a'.repeat(300))).toBe('a'.repeat(256));
    const emoji = labelValue('a' + '😀'.repeat(200));
    expect(emoji.length).toBe(255);
    expect(emoji.endsWith('😀')).toBe(true);
  });
});

describe('collectInventory', () => {
  it('reports device, CPU and disks from systeminformation answers', async () => {
    expect(samples(await collectInventory(workstation))).toEqual([
      {
        metric: 'stationwatch_device_info',
        value: 1,
        labels: { manufacturer: 'Dell Inc.', model: 'OptiPlex 7090', serial: '5XYZ123', os: 'Microsoft Windows 11 Pro', os_version: '10.0.22631', arch: 'x64', cpu_model: 'Intel Core™ i5-10505' },
      },
      { metric: 'stationwatch_cpu_cores', value: 12, labels: undefined },
      { metric: 'stationwatch_disk_info', value: 1, labels: { disk: '/dev/nvme0n1', type: 'NVMe', vendor: 'Western Digital', model: 'PC SN530 NVMe WDC 512GB', serial: '2049AB' } },
      { metric: 'stationwatch_disk_size_bytes', value: 512_110_190_592, labels: { disk: '/dev/nvme0n1' } },
      // the empty card reader: listed, but a size of 0 is no size
      { metric: 'stationwatch_disk_info', value: 1, labels: { disk: 'disk1', type: 'USB', vendor: 'Generic', model: 'Card Reader', serial: '' } },
    ]);
  });

  it('keeps what it could learn when some calls fail, and fails when all do', async () => {
    const partial: InventorySource = {
      system: async () => ({ manufacturer: 'To be filled by O.E.M.', model: 'To be filled by O.E.M.', serial: 'Default string' }),
      cpu: () => Promise.reject(new Error('wmic timed out')),
      osInfo: workstation.osInfo,
      diskLayout: async () => [],
    };
    expect(samples(await collectInventory(partial))).toEqual([
      {
        metric: 'stationwatch_device_info',
        value: 1,
        labels: { manufacturer: '', model: '', serial: '', os: 'Microsoft Windows 11 Pro', os_version: '10.0.22631', arch: 'x64', cpu_model: '' },
      },
      { metric: 'stationwatch_cpu_cores', unavailable: 'cpu() failed: wmic timed out' },
      { metric: 'stationwatch_disk_info', unavailable: 'no physical disks listed by the OS' },
      { metric: 'stationwatch_disk_size_bytes', unavailable: 'no physical disks listed by the OS' },
    ]);
    const broken = () => Promise.reject(new Error('no'));
    await expect(collectInventory({ system: broken, cpu: broken, osInfo: broken, diskLayout: broken })).rejects.toThrow(/every inventory query failed/);
  });

  it('runs for real on this machine', async () => {
    const readings = await inventoryProbe.create({ platform: process.platform, sysRoot: '/sys', procRoot: '/proc', settings: {} } as never).collect({ signal: new AbortController().signal });
    const info = readings.find((r) => r.metric.name === 'stationwatch_device_info');
    expect(info?.kind).toBe('sample');
    if (info?.kind !== 'sample') return;
    expect(Object.keys(info.labels ?? {}).sort()).toEqual(['arch', 'cpu_model', 'manufacturer', 'model', 'os', 'os_version', 'serial']);
    expect(info.labels?.arch).not.toBe('');
    for (const v of Object.values(info.labels ?? {})) expect(v.length).toBeLessThanOrEqual(256);
    const cores = readings.find((r) => r.metric.name === 'stationwatch_cpu_cores');
    expect(cores?.kind === 'sample' && cores.value).toBeGreaterThan(0);
    for (const r of readings) if (r.kind === 'sample' && r.metric.name === 'stationwatch_disk_size_bytes') expect(r.value).toBeGreaterThan(0);
  }, 60_000);
});

describe('inventory on Windows (one CIM query; answers synthesised in the script\'s documented JSON shape)', () => {
  it('turns the answer into the same series, and a class WMI did not answer into empty labels / unavailable', async () => {
    const full = windowsInventoryFromJson({
      system: { manufacturer: 'LENOVO', model: 'ThinkCentre M720q', serial: 'PC0ABCDE' },
      cpu: { manufacturer: 'GenuineIntel', brand: 'Intel(R) Core(TM) i5-8500T CPU @ 2.10GHz', cores: 6 },
      os: { distro: 'Microsoft Windows 10 专业版', release: '10.0.19045', arch: '64 位' },
      disks: { device: '\\\\.\\PHYSICALDRIVE0', name: 'SAMSUNG MZVLB256HBHQ', type: 'Fixed hard disk media', vendor: '(标准磁盘驱动器)', serialNum: 'S4GNNX0M', size: 256052966400 },
    });
    const readings = await collectInventory(full);
    const info = readings.find((r) => r.metric.name === 'stationwatch_device_info');
    expect(info && info.kind === 'sample' ? info.labels : undefined).toMatchObject({ manufacturer: 'LENOVO', model: 'ThinkCentre M720q', os: 'Microsoft Windows 10 专业版', os_version: '10.0.19045' });
    expect(readings.find((r) => r.metric.name === 'stationwatch_cpu_cores')).toMatchObject({ kind: 'sample', value: 6 });
    expect(readings.find((r) => r.metric.name === 'stationwatch_disk_size_bytes')).toMatchObject({ kind: 'sample', value: 256052966400 });

    const partial = await collectInventory(windowsInventoryFromJson({ system: null, cpu: null, os: { distro: 'Microsoft Windows 11', release: '10.0.22631', arch: '64-bit' }, disks: [] }));
    expect(partial.find((r) => r.metric.name === 'stationwatch_cpu_cores')).toMatchObject({ kind: 'unavailable', reason: expect.stringMatching(/Win32_Processor: WMI gave no answer/) });
    expect(partial.find((r) => r.metric.name === 'stationwatch_disk_info')).toMatchObject({ kind: 'unavailable' });
  });
});
