// The Linux inventory from sysfs, procfs, os-release and udev's database, on a fixture tree written
// here: a desktop with DMI, an Intel CPU, an NVMe disk, a SATA SSD whose serial only udev knows, and
// the block devices that are not disks.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpuFromCpuinfo, linuxInventorySource, osFromRelease, parseOsRelease, type LinuxRoots } from '../../agent/probes/inventory.linux.js';
import { collectInventory } from '../../agent/probes/inventory.js';

let root: string;
let roots: LinuxRoots;

async function put(path: string, content: string) {
  await mkdir(dirname(join(root, path)), { recursive: true });
  await writeFile(join(root, path), content);
}

const CPUINFO = `processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel name\t: Intel(R) Core(TM) i7-8700 CPU @ 3.20GHz\n\nprocessor\t: 1\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Core(TM) i7-8700 CPU @ 3.20GHz\n`;
// Debian 12's /etc/os-release (as shipped by base-files 12.4).
const DEBIAN = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n`;
// Ubuntu 22.04's /etc/os-release.
const UBUNTU = `PRETTY_NAME="Ubuntu 22.04.4 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\nVERSION="22.04.4 LTS (Jammy Jellyfish)"\nVERSION_CODENAME=jammy\nID=ubuntu\n`;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sw-inventory-'));
  roots = { sysRoot: join(root, 'sys'), procRoot: join(root, 'proc'), etcRoot: join(root, 'etc'), udevDataDir: join(root, 'run/udev/data') };
  await put('sys/class/dmi/id/sys_vendor', 'Dell Inc.\n');
  await put('sys/class/dmi/id/product_name', 'OptiPlex 7060\n');
  await put('sys/class/dmi/id/product_serial', '5XYZ123\n');
  await put('proc/cpuinfo', CPUINFO);
  await put('etc/os-release', DEBIAN);
  await put('sys/block/nvme0n1/size', '1000215216\n');
  await put('sys/block/nvme0n1/queue/rotational', '0\n');
  await put('sys/block/nvme0n1/device/model', 'Samsung SSD 970 EVO Plus 500GB          \n');
  await put('sys/block/nvme0n1/device/serial', '  S4EVNX0N123456Z\n');
  await put('sys/block/nvme0n1/dev', '259:0\n');
  await put('sys/block/sda/size', '976773168\n');
  await put('sys/block/sda/queue/rotational', '0\n');
  await put('sys/block/sda/device/model', 'CT500MX500SSD1  \n');
  await put('sys/block/sda/device/vendor', 'ATA     \n');
  await put('sys/block/sda/dev', '8:0\n');
  await put('run/udev/data/b8:0', 'S:disk/by-id/ata-CT500MX500SSD1_2113E5900AB1\nE:ID_MODEL=CT500MX500SSD1\nE:ID_SERIAL_SHORT=2113E5900AB1\n');
  await put('sys/block/sdb/size', '0\n'); // a card reader without a card
  await put('sys/block/sdb/queue/rotational', '1\n');
  for (const virtual of ['loop0', 'zram0', 'dm-0', 'sr0']) await put(`sys/block/${virtual}/size`, '2048\n');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('Linux inventory without systeminformation', () => {
  it('reads DMI, cpuinfo, os-release and the physical disks', async () => {
    const source = linuxInventorySource(roots);
    expect(await source.system()).toEqual({ manufacturer: 'Dell Inc.', model: 'OptiPlex 7060', serial: '5XYZ123' });
    expect(await source.cpu()).toEqual({ manufacturer: 'Intel', brand: 'Core™ i7-8700', cores: cpus().length });
    expect(await source.osInfo()).toMatchObject({ distro: 'Debian GNU/Linux', release: '12' });
    expect(await source.diskLayout()).toEqual([
      { device: '/dev/nvme0n1', name: 'Samsung SSD 970 EVO Plus 500GB', type: 'NVMe', vendor: '', serialNum: 'S4EVNX0N123456Z', size: 1000215216 * 512 },
      { device: '/dev/sda', name: 'CT500MX500SSD1', type: 'SSD', vendor: 'ATA', serialNum: '2113E5900AB1', size: 976773168 * 512 },
    ]);
  });

  it('gives the probe the same labels systeminformation did', async () => {
    const readings = await collectInventory(linuxInventorySource(roots));
    const info = readings.find((r) => r.metric.name === 'stationwatch_device_info');
    expect(info).toMatchObject({ kind: 'sample', labels: { manufacturer: 'Dell Inc.', model: 'OptiPlex 7060', serial: '5XYZ123', os: 'Debian GNU/Linux', os_version: '12', cpu_model: 'Intel Core™ i7-8700' } });
  });

  it('tidies names and versions like systeminformation', () => {
    expect(osFromRelease(parseOsRelease(UBUNTU))).toEqual({ distro: 'Ubuntu', release: '22.04.4 LTS' });
    expect(osFromRelease(parseOsRelease('NAME=Arch Linux\nID=arch\n'))).toEqual({ distro: 'Arch Linux', release: '' });
    expect(cpuFromCpuinfo('vendor_id\t: AuthenticAMD\nmodel name\t: AMD Ryzen 5 5600G with Radeon Graphics\n')).toEqual({ manufacturer: 'AMD', brand: 'Ryzen 5 5600G with Radeon Graphics' });
    // ARM: no "model name" line; the caller asks systeminformation (lscpu) instead.
    expect(cpuFromCpuinfo('processor\t: 0\nBogoMIPS\t: 108.00\nCPU implementer\t: 0x41\n')).toBeUndefined();
  });

  it('fails the OS question, not the whole inventory, without os-release', async () => {
    const source = linuxInventorySource({ ...roots, etcRoot: join(root, 'nowhere') });
    await expect(source.osInfo()).rejects.toThrow(/os-release/);
    const readings = await collectInventory(source);
    expect(readings.find((r) => r.metric.name === 'stationwatch_device_info')).toMatchObject({ labels: { os: '', model: 'OptiPlex 7060' } });
  });
});
