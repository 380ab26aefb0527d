// inventory: what the device is (manufacturer, model, serial, OS, CPU, disks), for equipment records
// and replacement by age. On Linux from sysfs, procfs and os-release (inventory.linux.ts); on Windows one
// CIM query through the PowerShell runner (inventory.win32.ts); macOS systeminformation (ioreg,
// inventory.darwin.ts), so this runs on the slow interval. Memory size is not repeated here: resources reports memory_total_bytes every
// fast interval, and two probes reporting one series would collide in the report.
import { m } from '../../protocol/metrics.js';
import { platformPart, type PlatformFiles } from './platform.js';
import { sample, unavailable, type ProbeDefinition, type ProbeSetup, type Reading } from './probe.js';

/** What each platform's file provides: where this run's answers come from. */
export interface InventoryPart {
  source(setup: ProbeSetup, signal: AbortSignal): Promise<InventorySource>;
}

const files: PlatformFiles<InventoryPart> = {
  linux: () => import('./inventory.linux.js').then((f) => f.inventory),
  win32: () => import('./inventory.win32.js').then((f) => f.inventory),
  darwin: () => import('./inventory.darwin.js').then((f) => f.inventory),
};

/** The questions asked (systeminformation's calls and answers), injectable so tests run on literal answers. */
export interface InventorySource {
  system(): Promise<{ manufacturer: string; model: string; serial: string }>;
  cpu(): Promise<{ manufacturer: string; brand: string; cores: number }>;
  osInfo(): Promise<{ distro: string; release: string; arch: string }>;
  diskLayout(): Promise<{ device: string; name: string; type: string; vendor: string; serialNum: string; size: number }[]>;
}

const MAX_LABEL = 256;

/** Firmware filler that vendors leave in DMI fields; it names nothing, so it must not look like a model. */
const PLACEHOLDERS = new Set([
  'default string', 'to be filled by o.e.m.', 'to be filled by oem', 'o.e.m.', 'oem', 'system manufacturer',
  'system product name', 'system version', 'system serial number', 'chassis serial number', 'base board serial number',
  'not specified', 'not applicable', 'not available', 'none', 'n/a', 'na', 'unknown', 'invalid', '123456789', '0123456789',
]);

/**
 * A label value: trimmed, one line, at most 256 characters, and "" when unknown. "" rather than a word
 * like "unknown": Prometheus treats an empty label as absent, so `{serial=""}` finds every device with
 * no serial, and no device appears to have a model literally called "unknown".
 */
export function labelValue(raw: unknown): string {
  const text = typeof raw === 'string' || typeof raw === 'number' ? String(raw) : '';
  const value = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  // Only zeros, x's, dots or dashes ("0", "00000000", "xxxx", "-") is a blank serial, not a serial.
  if (PLACEHOLDERS.has(value.toLowerCase()) || /^[0xX.\-]*$/.test(value)) return '';
  let out = '';
  for (const ch of value) {
    // Cut by code point so a surrogate pair is never split, within the report schema's length limit.
    if (out.length + ch.length > MAX_LABEL) break;
    out += ch;
  }
  return out;
}

/** "Intel" + "Core™ i7-8700" without doubling a vendor the brand already names. */
function cpuModel(manufacturer: string, brand: string): string {
  const maker = labelValue(manufacturer);
  const model = labelValue(brand);
  return labelValue(model.toLowerCase().startsWith(maker.toLowerCase()) ? model : `${maker} ${model}`);
}

function reason(what: string, result: PromiseSettledResult<unknown>): string {
  const err = result.status === 'rejected' ? result.reason : undefined;
  return `${what} failed: ${err instanceof Error ? err.message : String(err)}`.slice(0, 300);
}

export async function collectInventory(source: InventorySource): Promise<Reading[]> {
  const [system, cpu, os, disks] = await Promise.allSettled([source.system(), source.cpu(), source.osInfo(), source.diskLayout()]);
  if ([system, cpu, os, disks].every((r) => r.status === 'rejected')) {
    throw new Error('every inventory query failed', { cause: system.status === 'rejected' ? system.reason : undefined });
  }
  const out: Reading[] = [];

  const sys = system.status === 'fulfilled' ? system.value : undefined;
  const o = os.status === 'fulfilled' ? os.value : undefined;
  const c = cpu.status === 'fulfilled' ? cpu.value : undefined;
  // A failed call leaves its labels empty, which is what "" already means: not known.
  out.push(
    sample(m.deviceInfo, 1, {
      manufacturer: labelValue(sys?.manufacturer),
      model: labelValue(sys?.model),
      serial: labelValue(sys?.serial),
      os: labelValue(o?.distro),
      os_version: labelValue(o?.release),
      arch: labelValue(o?.arch),
      cpu_model: c ? cpuModel(c.manufacturer, c.brand) : '',
    }),
  );

  if (c && Number.isInteger(c.cores) && c.cores > 0) out.push(sample(m.cpuCores, c.cores));
  else out.push(unavailable(m.cpuCores, c ? 'the OS reported no CPU cores' : reason('cpu()', cpu)));

  if (disks.status === 'rejected') {
    out.push(unavailable(m.diskInfo, reason('diskLayout()', disks)), unavailable(m.diskSize, reason('diskLayout()', disks)));
  } else if (disks.value.length === 0) {
    out.push(unavailable(m.diskInfo, 'no physical disks listed by the OS'), unavailable(m.diskSize, 'no physical disks listed by the OS'));
  } else {
    const seen = new Set<string>();
    disks.value.forEach((d, i) => {
      // Windows often leaves `device` empty; the position keeps such disks apart.
      let disk = labelValue(d.device) || `disk${i}`;
      if (seen.has(disk)) disk = `${disk}#${i}`;
      seen.add(disk);
      out.push(sample(m.diskInfo, 1, { disk, type: labelValue(d.type), vendor: labelValue(d.vendor), model: labelValue(d.name), serial: labelValue(d.serialNum) }));
      // An empty card reader reports size 0: that is no disk size, so no sample.
      if (Number.isFinite(d.size) && d.size > 0) out.push(sample(m.diskSize, d.size, { disk }));
    });
  }
  return out;
}

export const inventoryProbe: ProbeDefinition = {
  name: 'inventory',
  interval: 'slow',
  metrics: [m.deviceInfo, m.cpuCores, m.diskInfo, m.diskSize],
  create: (setup) => {
    const part = platformPart(files, setup.platform);
    return {
      async collect(ctx) {
        const p = await part();
        if (!p) return [m.deviceInfo, m.cpuCores, m.diskInfo, m.diskSize].map((d) => unavailable(d, `the inventory is not read on ${setup.platform}`));
        return collectInventory(await p.source(setup, ctx.signal));
      },
    };
  },
};
