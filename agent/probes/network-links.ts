// Interface link state: up or down per physical interface (and any virtual one named in the
// configuration), and a count of link changes since the agent started.
//
// Linux reads /sys/class/net/<if>/{operstate,carrier,carrier_changes}; an interface is physical when
// it has a `device` link (a NIC on a bus), so bridges, veths, tunnels and docker0 are left out unless
// named. A change is counted by comparing successive reads, and, where the kernel keeps it, by the
// growth of carrier_changes, which also catches a cable pulled and plugged back between two reads.
// The counts start at 0 with each agent process (a counter reset that rate()/increase() handle); they
// are not persisted, because a link that changed while the agent was not running was not observed.
import { readdir, readFile, stat } from 'node:fs/promises';
import { asList, PowerShellUnusable } from '../windows/powershell.js';

export interface LinkReading {
  name: string;
  up: boolean;
  /** The kernel's carrier up/down transitions since the interface appeared (Linux), if known. */
  carrierChanges?: number;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return undefined; // carrier cannot be read while the interface is administratively down
  }
}

/** "up", or "unknown" with carrier (drivers that do not report operstate, e.g. some tun/wifi). */
export function linkIsUp(operstate: string | undefined, carrier: string | undefined): boolean {
  return operstate === 'up' || (operstate === 'unknown' && carrier === '1');
}

export async function readSysfsLinks(sysRoot: string, named: readonly string[]): Promise<LinkReading[]> {
  const base = `${sysRoot}/class/net`;
  let names: string[];
  try {
    names = await readdir(base);
  } catch {
    names = [];
  }
  const wanted = new Set(named);
  const out: LinkReading[] = [];
  for (const name of names.sort()) {
    const physical = await stat(`${base}/${name}/device`).then(
      () => true,
      () => false,
    );
    if (!physical && !wanted.has(name)) continue;
    const [operstate, carrier, changes] = await Promise.all([readText(`${base}/${name}/operstate`), readText(`${base}/${name}/carrier`), readText(`${base}/${name}/carrier_changes`)]);
    const reading: LinkReading = { name, up: linkIsUp(operstate, carrier) };
    if (changes !== undefined && /^\d+$/.test(changes)) reading.carrierChanges = Number(changes);
    out.push(reading);
  }
  // A named interface that does not exist (the VPN's tun0 before it connects) is a link that is down.
  for (const name of named) if (!names.includes(name)) out.push({ name, up: false });
  return out;
}

/** Get-NetAdapter's rows → links: physical adapters and the named virtual ones; Status "Up" is up. */
export function windowsLinksFromJson(json: unknown, named: readonly string[]): LinkReading[] {
  const wanted = new Set(named);
  const rows = asList(json).filter((r): r is { Name: string; Status?: unknown; Virtual?: unknown } => typeof r === 'object' && r !== null && typeof (r as { Name?: unknown }).Name === 'string');
  if (rows.length === 0) throw new PowerShellUnusable('network adapters: Get-NetAdapter listed none');
  const out = rows.filter((r) => r.Virtual !== true || wanted.has(r.Name)).map((r) => ({ name: r.Name, up: r.Status === 'Up' }));
  for (const name of named) if (!rows.some((r) => r.Name === name)) out.push({ name, up: false });
  return out;
}

/** Counts link changes between successive readings. */
export class LinkTracker {
  private readonly last = new Map<string, LinkReading>();
  private readonly changes = new Map<string, number>();

  /** Feeds one reading of every interface; returns the state and change count of each. */
  update(readings: readonly LinkReading[]): { name: string; up: boolean; changes: number }[] {
    return readings.map((r) => {
      const before = this.last.get(r.name);
      let total = this.changes.get(r.name) ?? 0;
      if (before) {
        const seen = before.up !== r.up ? 1 : 0;
        // carrier_changes restarts when the interface is re-created (a USB NIC replugged): then only
        // the observed state change counts.
        const kernel = before.carrierChanges !== undefined && r.carrierChanges !== undefined && r.carrierChanges >= before.carrierChanges ? r.carrierChanges - before.carrierChanges : 0;
        total += Math.max(seen, kernel);
      }
      this.last.set(r.name, r);
      this.changes.set(r.name, total);
      return { name: r.name, up: r.up, changes: total };
    });
  }
}
