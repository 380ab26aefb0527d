// inventory on Linux from the files the kernel and the distribution already publish: DMI in sysfs,
// /proc/cpuinfo, /etc/os-release, /sys/block and udev's database. systeminformation answers the same
// questions by starting about 14 processes per run (dmidecode, lsblk, cat, ls, dmesg … through a
// shell, BENCHMARKS.md) and costs the agent memory for as long as it runs; it is asked only for what
// these files do not say (a board without DMI, a CPU without a "model name" line).
import { readdir, readFile } from 'node:fs/promises';
import { arch, cpus } from 'node:os';
import type { InventoryPart, InventorySource } from './inventory.js';
import { systemInformation } from './systeminformation.js';

export interface LinuxRoots {
  sysRoot: string;
  procRoot: string;
  /** Where os-release lives (`/etc`); tests point it at a fixture. */
  etcRoot: string;
  /** udev's database (`/run/udev/data`): disk serials and models as lsblk shows them. */
  udevDataDir: string;
}

const text = (path: string) => readFile(path, 'utf8').then((t) => t.replace(/\0/g, '').trim(), () => undefined);

/** `KEY=value` lines with optional quotes (os-release(5)). */
export function parseOsRelease(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of raw.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!.replace(/^(["'])(.*)\1$/, '$2');
  }
  return out;
}

/** Name and version as systeminformation reports them: "Debian GNU/Linux", "12" (codename dropped). */
export function osFromRelease(r: Record<string, string>): { distro: string; release: string } {
  const distro = r['NAME'] ?? r['ID'] ?? '';
  let release = r['VERSION'] ?? '';
  const pretty = r['PRETTY_NAME'] ?? '';
  if (distro && pretty.startsWith(`${distro} `)) release = pretty.slice(distro.length + 1).trim();
  release = release.split('(')[0]!.trim();
  return { distro, release: release || r['VERSION_ID'] || '' };
}

const CPU_VENDORS: Record<string, string> = { GenuineIntel: 'Intel', AuthenticAMD: 'AMD', HygonGenuine: 'Hygon', CentaurHauls: 'VIA' };

/** The first CPU's vendor and model from /proc/cpuinfo, tidied like systeminformation: "Intel", "Core™ i7-8700". */
export function cpuFromCpuinfo(raw: string): { manufacturer: string; brand: string } | undefined {
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(raw)?.[1]?.trim();
  const model = field('model name');
  if (!model) return undefined;
  const vendorId = field('vendor_id') ?? '';
  const manufacturer = CPU_VENDORS[vendorId] ?? vendorId;
  let brand = model.replace(/\(R\)/gi, '®').replace(/\(TM\)/gi, '™').replace(/\s+@\s+[\d.]+\s*GHz\s*$/i, '').replace(/\bCPU\b/g, '');
  if (manufacturer && brand.toLowerCase().startsWith(manufacturer.toLowerCase())) brand = brand.slice(manufacturer.length).replace(/^®/, '');
  return { manufacturer, brand: brand.replace(/\s+/g, ' ').trim() };
}

/** Block devices that are not disks: loop files, RAM disks, device-mapper, software RAID, optical, floppies, network blocks. */
const NOT_A_DISK = /^(loop|ram|zram|dm-|md|sr|fd|nbd|zd)/;

/** Values udev recorded for a block device (`E:ID_SERIAL_SHORT=…`). */
function udevProperties(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of raw?.split('\n') ?? []) {
    const m = /^E:([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

export function linuxInventorySource(roots: LinuxRoots): InventorySource {
  return {
    async system() {
      const dir = `${roots.sysRoot}/class/dmi/id`;
      const [manufacturer, model, serial] = await Promise.all(['sys_vendor', 'product_name', 'product_serial'].map((f) => text(`${dir}/${f}`)));
      // No DMI at all (ARM boards): systeminformation knows the device-tree and Raspberry Pi ways.
      if (manufacturer === undefined && model === undefined) return (await systemInformation()).system();
      // product_serial is readable by root only; unreadable it stays unknown, as with dmidecode.
      return { manufacturer: manufacturer ?? '', model: model ?? '', serial: serial ?? '' };
    },
    async cpu() {
      const fromFile = cpuFromCpuinfo((await text(`${roots.procRoot}/cpuinfo`)) ?? '');
      if (!fromFile) return (await systemInformation()).cpu();
      return { ...fromFile, cores: cpus().length };
    },
    async osInfo() {
      const raw = (await text(`${roots.etcRoot}/os-release`)) ?? (await text(`${roots.etcRoot}/../usr/lib/os-release`));
      if (raw === undefined) throw new Error(`no ${roots.etcRoot}/os-release`);
      return { ...osFromRelease(parseOsRelease(raw)), arch: arch() };
    },
    async diskLayout() {
      const base = `${roots.sysRoot}/block`;
      const names = (await readdir(base).catch(() => [] as string[])).filter((n) => !NOT_A_DISK.test(n)).sort();
      const disks = await Promise.all(
        names.map(async (name) => {
          const dir = `${base}/${name}`;
          const [sectors, rotational, model, vendor, serial, dev] = await Promise.all([
            text(`${dir}/size`), text(`${dir}/queue/rotational`), text(`${dir}/device/model`), text(`${dir}/device/vendor`), text(`${dir}/device/serial`), text(`${dir}/dev`),
          ]);
          const udev = udevProperties(dev ? await text(`${roots.udevDataDir}/b${dev}`) : undefined);
          // /sys/block sizes are in 512-byte sectors whatever the device's own sector size.
          const size = Number(sectors ?? 0) * 512;
          const type = name.startsWith('nvme') ? 'NVMe' : rotational === '0' ? 'SSD' : 'HD';
          // virtio puts its PCI vendor id (0x1af4) in device/vendor: a number, not a maker's name.
          const maker = vendor && !/^0x[0-9a-f]+$/i.test(vendor) ? vendor : '';
          return { device: `/dev/${name}`, name: model ?? udev['ID_MODEL']?.replace(/_/g, ' ') ?? '', type, vendor: maker, serialNum: serial ?? udev['ID_SERIAL_SHORT'] ?? '', size };
        }),
      );
      // A card reader without a card has size 0: not a disk here either (systeminformation drops them too).
      return disks.filter((d) => d.size > 0);
    },
  };
}

/** The answers come from files: one source for the probe's life, read afresh at each call. */
export const inventory: InventoryPart = {
  source: async (setup) => linuxInventorySource({ sysRoot: setup.sysRoot, procRoot: setup.procRoot, etcRoot: '/etc', udevDataDir: '/run/udev/data' }),
};
