// Linux hardware sensors from sysfs: hwmon temperatures and fans, and the CPU's thermal throttle
// counters. Paths hang off a settable root so the code runs against a fixture tree in tests.
// Layout: https://docs.kernel.org/hwmon/sysfs-interface.html
import { readdir, readFile, readlink } from 'node:fs/promises';
import { basename } from 'node:path';

/** Hardware readings outside these bounds are glitches (-273, 0x7fff, an unconnected thermistor's -128). */
const MIN_CELSIUS = -50;
const MAX_CELSIUS = 200;
const MAX_RPM = 50_000;

/** A hwmon value such as temp1_input (millidegrees): undefined when the text is not a plausible reading. */
export function celsiusFromMilli(text: string): number | undefined {
  const c = Number(text.trim()) / 1000;
  return text.trim() !== '' && Number.isFinite(c) && c >= MIN_CELSIUS && c <= MAX_CELSIUS ? c : undefined;
}

export function rpmFrom(text: string): number | undefined {
  const rpm = Number(text.trim());
  // 0 rpm stays: a stopped fan is exactly what an operator wants to see.
  return text.trim() !== '' && Number.isInteger(rpm) && rpm >= 0 && rpm <= MAX_RPM ? rpm : undefined;
}

export interface RawSensor {
  chip: string;
  /** What the chip's `device` link points at (nvme0, 0000:03:00.0), to tell identical chips apart. */
  device: string;
  /** temp*_label / fan*_label, or the file stem (temp1) when the driver gives none. */
  label: string;
  /** The file stem, the last resort when one chip repeats a label. */
  stem: string;
}

/**
 * Stable, unique series names: `chip/label` (`coretemp/Package id 0`, `acpitz/temp1`). Two identical
 * chips (two NVMe drives, both `nvme/Composite`) gain their device; a label a chip repeats gains its stem.
 */
export function nameSensors(sensors: readonly RawSensor[]): string[] {
  const plain = sensors.map((s) => `${s.chip}/${s.label}`);
  const devicesOf = new Map<string, Set<string>>();
  plain.forEach((n, i) => devicesOf.set(n, (devicesOf.get(n) ?? new Set()).add(sensors[i]!.device)));
  const named = plain.map((n, i) => (devicesOf.get(n)!.size > 1 ? `${sensors[i]!.chip}:${sensors[i]!.device}/${sensors[i]!.label}` : n));
  const uses = new Map<string, number>();
  for (const n of named) uses.set(n, (uses.get(n) ?? 0) + 1);
  return named.map((n, i) => (uses.get(n)! > 1 ? `${n} (${sensors[i]!.stem})` : n));
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    // Absent attributes are normal; EIO/ENODATA/ENXIO mean the sensor could not be read this time.
    return undefined;
  }
}

async function listDir(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(`list ${path}`, { cause: err });
  }
}

const byNumber = (prefix: string) => (a: string, b: string) => Number(a.slice(prefix.length)) - Number(b.slice(prefix.length));

export interface Temperature { sensor: string; celsius: number; critical?: number }
export interface Fan { fan: string; rpm: number }

export async function readHwmon(sysRoot: string): Promise<{ temperatures: Temperature[]; fans: Fan[] }> {
  const base = `${sysRoot}/class/hwmon`;
  const dirs = (await listDir(base)).filter((d) => /^hwmon\d+$/.test(d)).sort(byNumber('hwmon'));
  const temps: (RawSensor & { celsius: number; critical?: number })[] = [];
  const fans: (RawSensor & { rpm: number })[] = [];
  for (const dir of dirs) {
    const path = `${base}/${dir}`;
    // Sorted so that series come out in the same order on every run (readdir order is the filesystem's).
    const files = (await listDir(path)).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    const chip = (await readText(`${path}/name`)) || dir;
    const device = await readlink(`${path}/device`).then(basename, () => dir);
    for (const file of files) {
      const stem = /^((temp|fan)\d+)_input$/.exec(file)?.[1];
      if (!stem) continue;
      const input = await readText(`${path}/${file}`);
      if (input === undefined) continue;
      const label = (await readText(`${path}/${stem}_label`)) || stem;
      if (stem.startsWith('temp')) {
        const celsius = celsiusFromMilli(input);
        if (celsius === undefined) continue;
        const critText = await readText(`${path}/${stem}_crit`);
        const critical = critText === undefined ? undefined : celsiusFromMilli(critText);
        // Some drivers write 0 for "no limit"; a limit at or below freezing is never a real one.
        temps.push({ chip, device, label, stem, celsius, ...(critical !== undefined && critical > 0 ? { critical } : {}) });
      } else {
        const rpm = rpmFrom(input);
        if (rpm !== undefined) fans.push({ chip, device, label, stem, rpm });
      }
    }
  }
  const tempNames = nameSensors(temps);
  const fanNames = nameSensors(fans);
  return {
    temperatures: temps.map((t, i) => ({ sensor: tempNames[i]!, celsius: t.celsius, ...(t.critical !== undefined ? { critical: t.critical } : {}) })),
    fans: fans.map((f, i) => ({ fan: fanNames[i]!, rpm: f.rpm })),
  };
}

export interface CpuThrottle {
  cpu: string;
  packageId?: string;
  coreId?: string;
  core?: number;
  package?: number;
}

/**
 * Throttle events summed once per physical core and once per package. The kernel repeats a core's
 * count in each of its hyperthreads' directories and a package's count in every CPU of the package,
 * so summing the raw files would multiply them. Undefined when no CPU exposes a counter (VMs, non-Intel).
 */
export function sumThrottle(cpus: readonly CpuThrottle[]): number | undefined {
  const cores = new Map<string, number>();
  const packages = new Map<string, number>();
  for (const c of cpus) {
    if (c.core !== undefined) cores.set(c.packageId !== undefined && c.coreId !== undefined ? `${c.packageId}:${c.coreId}` : c.cpu, c.core);
    if (c.package !== undefined) packages.set(c.packageId ?? c.cpu, c.package);
  }
  if (cores.size === 0 && packages.size === 0) return undefined;
  let total = 0;
  for (const n of [...cores.values(), ...packages.values()]) total += n;
  return total;
}

export async function readThrottle(sysRoot: string): Promise<number | undefined> {
  const base = `${sysRoot}/devices/system/cpu`;
  const cpus = (await listDir(base)).filter((d) => /^cpu\d+$/.test(d));
  const counts = await Promise.all(
    cpus.map(async (cpu): Promise<CpuThrottle> => {
      const read = async (file: string) => {
        const text = await readText(`${base}/${cpu}/${file}`);
        return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
      };
      const [core, pkg, packageId, coreId] = await Promise.all([
        read('thermal_throttle/core_throttle_count'),
        read('thermal_throttle/package_throttle_count'),
        readText(`${base}/${cpu}/topology/physical_package_id`),
        readText(`${base}/${cpu}/topology/core_id`),
      ]);
      return { cpu, core, package: pkg, packageId, coreId };
    }),
  );
  return sumThrottle(counts);
}
