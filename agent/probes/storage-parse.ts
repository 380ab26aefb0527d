// Disk health from `smartctl --json` (smartmontools 7+): the disk's own overall verdict, reallocated
// and pending sectors, and SSD wear. Vendors number their attributes differently (202 is Crucial's
// lifetime left but Samsung's exception mode), so wear attributes are matched by the name smartctl's
// drive database gives them, and only on SSDs.

export interface ScannedDisk {
  name: string;
  type?: string;
}

/** `smartctl --scan --json`: the devices smartctl can address (none on a VM with virtio disks). */
export function parseSmartScan(text: string): ScannedDisk[] {
  const doc = parseJson(text, 'smartctl --scan');
  const devices = (doc as { devices?: unknown }).devices;
  if (!Array.isArray(devices)) return [];
  return devices
    .filter((d): d is { name: string; type?: unknown } => typeof d?.name === 'string')
    .map((d) => (typeof d.type === 'string' ? { name: d.name, type: d.type } : { name: d.name }));
}

export type DiskHealth =
  | { kind: 'health'; disk: string; healthy?: boolean; reallocated?: number; pending?: number; wear?: number }
  | { kind: 'skipped'; disk: string; why: 'denied' | 'no-smart' | 'standby' | 'error'; message: string };

interface Attribute { id?: number; name?: string; value?: number; raw?: { value?: number; string?: string } }

function parseJson(text: string, what: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (cause) {
    throw new Error(`${what} printed something that is not JSON`, { cause });
  }
}

/** An attribute's raw count: the leading number smartctl printed (packed raw values hide extra bytes). */
function rawCount(a: Attribute): number | undefined {
  const lead = /^\s*(\d+)/.exec(a.raw?.string ?? '');
  if (lead) return Number(lead[1]);
  return typeof a.raw?.value === 'number' ? a.raw.value : undefined;
}

/** Normalised attributes counting down from 100 as the flash wears; the name decides, not the id. */
const WEAR_REMAINING = new Set(['Wear_Leveling_Count', 'Media_Wearout_Indicator', 'SSD_Life_Left', 'Percent_Lifetime_Remain', 'Remaining_Lifetime_Perc']);

function wearOf(doc: Record<string, unknown>, attributes: Attribute[]): number | undefined {
  const nvme = (doc.nvme_smart_health_information_log as { percentage_used?: unknown } | undefined)?.percentage_used;
  if (typeof nvme === 'number') return nvme / 100;
  const scsi = doc.scsi_percentage_used_endurance_indicator;
  if (typeof scsi === 'number') return scsi / 100;
  // ATA device statistics (ACS-3): a vendor-neutral "percentage used", when the drive keeps it.
  const pages = (doc.ata_device_statistics as { pages?: { table?: { name?: string; value?: number }[] }[] } | undefined)?.pages ?? [];
  for (const page of pages) {
    const used = page.table?.find((e) => e.name === 'Percentage Used Endurance Indicator');
    if (typeof used?.value === 'number') return used.value / 100;
  }
  if (doc.rotation_rate !== 0) return undefined; // spinning or unknown: no flash to wear
  const remaining = attributes.find((a) => a.name !== undefined && WEAR_REMAINING.has(a.name));
  if (typeof remaining?.value === 'number' && remaining.value >= 0 && remaining.value <= 100) return (100 - remaining.value) / 100;
  return undefined;
}

/**
 * One disk's `smartctl --json --all` output. smartctl's exit status is a bit mask that is non-zero
 * for perfectly readable failing disks, so the JSON decides: bit 1 (device open failed) with its
 * message says why nothing was read; a disk without SMART support (virtual, some USB bridges) is skipped.
 */
export function parseSmartDisk(text: string, fallbackName: string): DiskHealth {
  const doc = parseJson(text, 'smartctl');
  const disk = (doc.device as { name?: unknown } | undefined)?.name;
  const name = typeof disk === 'string' ? disk : fallbackName;
  const info = doc.smartctl as { exit_status?: number; messages?: { string?: string }[] } | undefined;
  const message = (info?.messages ?? []).map((x) => x.string ?? '').join('; ').slice(0, 200);
  const status = info?.exit_status ?? 0;
  if (status & 2) {
    if (/standby|sleep/i.test(message)) return { kind: 'skipped', disk: name, why: 'standby', message };
    // open() as an unprivileged user fails with EACCES; EPERM comes from the SG_IO ioctl a virtual
    // disk refuses even to root, so it means "no SMART here", not "no privilege".
    if (/permission denied/i.test(message)) return { kind: 'skipped', disk: name, why: 'denied', message };
    if (/unable to detect device type|unsupported|not supported|no such device|operation not permitted/i.test(message)) return { kind: 'skipped', disk: name, why: 'no-smart', message };
    return { kind: 'skipped', disk: name, why: 'error', message: message || `smartctl exit status ${status}` };
  }
  const support = doc.smart_support as { available?: boolean } | undefined;
  const passed = (doc.smart_status as { passed?: unknown } | undefined)?.passed;
  if (support?.available === false || (passed === undefined && !doc.ata_smart_attributes && !doc.nvme_smart_health_information_log)) {
    return { kind: 'skipped', disk: name, why: 'no-smart', message: message || 'the device has no SMART support' };
  }
  const attributes = ((doc.ata_smart_attributes as { table?: Attribute[] } | undefined)?.table ?? []).filter((a) => a && typeof a === 'object');
  const byId = (id: number) => attributes.find((a) => a.id === id);
  const out: DiskHealth = { kind: 'health', disk: name };
  if (typeof passed === 'boolean') out.healthy = passed;
  const realloc = byId(5);
  const grown = doc.scsi_grown_defect_list;
  if (realloc) out.reallocated = rawCount(realloc);
  else if (typeof grown === 'number') out.reallocated = grown;
  const pending = byId(197);
  if (pending) out.pending = rawCount(pending);
  const wear = wearOf(doc, attributes);
  if (wear !== undefined) out.wear = wear;
  return out;
}
