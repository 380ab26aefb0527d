// inventory on Windows: one PowerShell/CIM query through the one PowerShell runner (deadline, killed
// when WMI hangs) instead of systeminformation's four, whose PowerShell processes have no deadline
// and outlived the agent on a broken WMI repository. Each class is asked on its own with
// -ErrorAction SilentlyContinue, so one broken class leaves only its part empty.
import { consoleEncodingOf, powerShellJson, PowerShellUnusable } from '../windows/powershell.js';
import type { InventoryPart, InventorySource } from './inventory.js';
import type { ProbeSetup } from './probe.js';

const SCRIPT = `
$cs = Get-CimInstance Win32_ComputerSystem -ErrorAction SilentlyContinue
$bios = Get-CimInstance Win32_BIOS -ErrorAction SilentlyContinue
$cpu = @(Get-CimInstance Win32_Processor -ErrorAction SilentlyContinue)
$os = Get-CimInstance Win32_OperatingSystem -ErrorAction SilentlyContinue
$disks = @(Get-CimInstance Win32_DiskDrive -ErrorAction SilentlyContinue)
ConvertTo-Json -Compress -Depth 4 @{
  system = if ($cs) { @{ manufacturer = $cs.Manufacturer; model = $cs.Model; serial = $bios.SerialNumber } } else { $null }
  cpu = if ($cpu.Count -gt 0) { @{ manufacturer = $cpu[0].Manufacturer; brand = $cpu[0].Name; cores = [int](($cpu | Measure-Object NumberOfCores -Sum).Sum) } } else { $null }
  os = if ($os) { @{ distro = $os.Caption; release = $os.Version; arch = $os.OSArchitecture } } else { $null }
  disks = @($disks | ForEach-Object { @{ device = $_.DeviceID; name = $_.Model; type = $_.MediaType; vendor = $_.Manufacturer; serialNum = $_.SerialNumber; size = [double]$_.Size } })
}`;

interface Answer {
  system?: { manufacturer?: unknown; model?: unknown; serial?: unknown } | null;
  cpu?: { manufacturer?: unknown; brand?: unknown; cores?: unknown } | null;
  os?: { distro?: unknown; release?: unknown; arch?: unknown } | null;
  disks?: unknown;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The script's JSON as the inventory's four answers; a part WMI did not give is a rejected answer. */
export function windowsInventoryFromJson(json: unknown): InventorySource {
  const a = (typeof json === 'object' && json !== null ? json : {}) as Answer;
  const missing = (what: string) => Promise.reject(new PowerShellUnusable(`${what}: WMI gave no answer`));
  const disks = Array.isArray(a.disks) ? a.disks : a.disks && typeof a.disks === 'object' ? [a.disks] : [];
  return {
    system: () => (a.system ? Promise.resolve({ manufacturer: str(a.system.manufacturer), model: str(a.system.model), serial: str(a.system.serial) }) : missing('Win32_ComputerSystem')),
    cpu: () => (a.cpu ? Promise.resolve({ manufacturer: str(a.cpu.manufacturer), brand: str(a.cpu.brand), cores: typeof a.cpu.cores === 'number' ? a.cpu.cores : 0 }) : missing('Win32_Processor')),
    osInfo: () => (a.os ? Promise.resolve({ distro: str(a.os.distro), release: str(a.os.release), arch: str(a.os.arch) }) : missing('Win32_OperatingSystem')),
    diskLayout: () =>
      Promise.resolve(
        disks.map((d) => {
          const r = d as Record<string, unknown>;
          return { device: str(r.device), name: str(r.name), type: str(r.type), vendor: str(r.vendor), serialNum: str(r.serialNum), size: typeof r.size === 'number' ? r.size : 0 };
        }),
      ),
  };
}

/** Asks once per collect; every part of the answer comes from that one PowerShell run. */
export async function windowsInventorySource(setup: ProbeSetup, signal: AbortSignal): Promise<InventorySource> {
  return windowsInventoryFromJson(await powerShellJson(SCRIPT, 'inventory', { signal, consoleEncoding: consoleEncodingOf(setup.settings) }));
}

export const inventory: InventoryPart = { source: windowsInventorySource };
