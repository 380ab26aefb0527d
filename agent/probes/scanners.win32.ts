// Scanners on Windows: WIA's device manager through PowerShell (COM), scanners only (device type 1).
import { runPowerShell, PowerShellUnusable } from '../windows/powershell.js';
import { parseWiaScanners } from './scanners-parse.js';
import type { ScannersPart } from './scanners.js';

/** WIA device type 1 is a scanner (WiaDeviceType.ScannerDeviceType). */
export const WIA_SCRIPT = `
$ErrorActionPreference = 'Stop'
$manager = New-Object -ComObject WIA.DeviceManager
$list = @(foreach ($d in $manager.DeviceInfos) { if ($d.Type -eq 1) { [pscustomobject]@{ Id = $d.DeviceID; Name = $d.Properties.Item('Name').Value; Manufacturer = $d.Properties.Item('Manufacturer').Value } } })
ConvertTo-Json -InputObject $list -Compress
`;

export const scanners: ScannersPart = {
  async list(ctx, signal) {
    const t0 = performance.now();
    const res = await runPowerShell(WIA_SCRIPT, { signal, consoleEncoding: ctx.settings.windowsConsoleEncoding });
    const seconds = (performance.now() - t0) / 1000;
    // No WIA (a Server Core, a service without the COM class) or no usable output: unknown, not "0 scanners".
    if (res.code !== 0) return { kind: 'absent', reason: `the WIA query (PowerShell) exited with ${res.code ?? 'a signal'}${res.stderr ? `: ${res.stderr}` : ''}` };
    try {
      return { kind: 'ok', scanners: parseWiaScanners(res.stdout), seconds };
    } catch (err) {
      if (err instanceof PowerShellUnusable) return { kind: 'absent', reason: err.message };
      throw err;
    }
  },
};
