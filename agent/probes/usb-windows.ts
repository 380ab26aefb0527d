// USB devices on Windows: the Plug and Play devices whose instance path starts with USB\VID_, from
// Win32_PnPEntity through PowerShell as JSON. Not systeminformation's usb(): it returns an empty
// list when its command fails (which would read as "every device was unplugged") and drops the
// vendor and product IDs that expected devices are matched on.
// Instance paths: https://learn.microsoft.com/windows-hardware/drivers/install/standard-usb-identifiers
import { decodeConsole, runCommand } from '../peripherals/run-command.js';
import { encodedCommand } from './printers-windows.js';
import type { UsbDevice } from './usb-logic.js';

export const WINDOWS_USB_SCRIPT = `
$ErrorActionPreference = 'Stop'
try { [Console]::OutputEncoding = [System.Text.Encoding]::UTF8 } catch { }
$list = @(Get-CimInstance -ClassName Win32_PnPEntity -Filter "PNPDeviceID LIKE 'USB\\\\VID_%'" | Select-Object Name, Manufacturer, PNPDeviceID)
ConvertTo-Json -InputObject $list -Compress
`;

/** USB\VID_xxxx&PID_yyyy\<instance>; `&MI_nn` entries are interfaces of a composite device, not devices. */
const DEVICE_PATH = /^USB\\VID_([0-9A-F]{4})&PID_([0-9A-F]{4})(?:&REV_[0-9A-F]{4})?\\/i;

export function parseWindowsUsb(text: string): UsbDevice[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text.trim() === '' ? '[]' : text);
  } catch (cause) {
    throw new Error(`PowerShell did not print JSON: ${JSON.stringify(text.slice(0, 200))}`, { cause });
  }
  const rows = Array.isArray(doc) ? doc : doc === null ? [] : [doc];
  const out: UsbDevice[] = [];
  for (const r of rows as Record<string, unknown>[]) {
    const id = typeof r?.PNPDeviceID === 'string' ? r.PNPDeviceID : '';
    const match = DEVICE_PATH.exec(id);
    if (!match) continue;
    out.push({ key: id.toUpperCase(), vendorId: match[1]!.toLowerCase(), productId: match[2]!.toLowerCase(), name: typeof r.Name === 'string' ? r.Name : '' });
  }
  return out;
}

export async function readWindowsUsb(signal: AbortSignal, consoleEncoding: string): Promise<UsbDevice[]> {
  const res = await runCommand('powershell.exe', ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand', encodedCommand(WINDOWS_USB_SCRIPT)], signal);
  if (res.code !== 0) throw new Error(`PowerShell exited with ${res.code ?? 'a signal'}: ${decodeConsole(res.stderr, consoleEncoding).trim().slice(0, 300)}`);
  return parseWindowsUsb(decodeConsole(res.stdout, consoleEncoding));
}
