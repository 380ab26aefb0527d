// USB devices on Windows: the Plug and Play devices whose instance path starts with USB\VID_, from
// Win32_PnPEntity through PowerShell as JSON. Not systeminformation's usb(): it returns an empty
// list when its command fails (which would read as "every device was unplugged") and drops the
// vendor and product IDs that expected devices are matched on.
// Instance paths: https://learn.microsoft.com/windows-hardware/drivers/install/standard-usb-identifiers
import { asList, parsePowerShellJson, runPowerShell, PowerShellUnusable } from '../windows/powershell.js';
import type { UsbDevice } from './usb-logic.js';
import type { UsbPart } from './usb.js';

export const WINDOWS_USB_SCRIPT = `
$ErrorActionPreference = 'Stop'
$list = @(Get-CimInstance -ClassName Win32_PnPEntity -Filter "PNPDeviceID LIKE 'USB\\\\VID_%'" | Select-Object Name, Manufacturer, PNPDeviceID)
ConvertTo-Json -InputObject $list -Compress
`;

/** USB\VID_xxxx&PID_yyyy\<instance>; `&MI_nn` entries are interfaces of a composite device, not devices. */
const DEVICE_PATH = /^USB\\VID_([0-9A-F]{4})&PID_([0-9A-F]{4})(?:&REV_[0-9A-F]{4})?\\/i;

export function parseWindowsUsb(text: string): UsbDevice[] {
  // The script always prints a list ("[]" for none): no output means it failed, never "no devices".
  const rows = asList(parsePowerShellJson(text, 'USB device list'));
  const out: UsbDevice[] = [];
  for (const r of rows as Record<string, unknown>[]) {
    const id = typeof r?.PNPDeviceID === 'string' ? r.PNPDeviceID : '';
    const match = DEVICE_PATH.exec(id);
    if (!match) continue;
    out.push({ key: id.toUpperCase(), vendorId: match[1]!.toLowerCase(), productId: match[2]!.toLowerCase(), name: typeof r.Name === 'string' ? r.Name : '' });
  }
  return out;
}

/** The devices, or why they could not be read (unavailable, never "every device was unplugged"). */
export async function readWindowsUsb(signal: AbortSignal, consoleEncoding: string): Promise<UsbDevice[] | string> {
  try {
    const res = await runPowerShell(WINDOWS_USB_SCRIPT, { signal, consoleEncoding });
    if (res.code !== 0) throw new PowerShellUnusable(`USB device list: PowerShell exited with ${res.code ?? 'a signal'}${res.stderr ? `: ${res.stderr}` : ''}`);
    return parseWindowsUsb(res.stdout);
  } catch (err) {
    if (err instanceof PowerShellUnusable) return err.message;
    throw err;
  }
}

export const usb: UsbPart = {
  list: (ctx, signal) => readWindowsUsb(signal, ctx.settings.windowsConsoleEncoding ?? 'gbk'),
};
