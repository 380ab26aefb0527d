// Antivirus on Windows: Defender (Get-MpComputerStatus) and the Security Center, which lists
// third-party products a counter PC may run instead.
import { antivirusReadings, type AntivirusPart } from './antivirus.js';
import { parseWindowsAntivirus } from './antivirus-parse.js';
import { runPowerShell } from './posture-command.js';

export const WINDOWS_ANTIVIRUS_SCRIPT = `
$ErrorActionPreference = 'Stop'
function Epoch($d) { if ($d) { ([DateTimeOffset]$d).ToUnixTimeSeconds() } else { $null } }
$defender = $null
$defenderError = $null
try {
  $s = Get-MpComputerStatus
  $defender = [pscustomobject]@{
    AMServiceEnabled = $s.AMServiceEnabled; AntivirusEnabled = $s.AntivirusEnabled
    RealTimeProtectionEnabled = $s.RealTimeProtectionEnabled; AMRunningMode = [string]$s.AMRunningMode
    SignatureUpdated = Epoch $s.AntivirusSignatureLastUpdated; QuickScanEnd = Epoch $s.QuickScanEndTime; FullScanEnd = Epoch $s.FullScanEndTime
  }
} catch { $defenderError = $_.Exception.Message }
$products = @()
try { $products = @(Get-CimInstance -Namespace root/SecurityCenter2 -ClassName AntiVirusProduct | Select-Object displayName, productState) } catch { }
[pscustomobject]@{ Defender = $defender; DefenderError = $defenderError; Products = $products } | ConvertTo-Json -Depth 3 -Compress
`;

export const antivirus: AntivirusPart = {
  async read(ctx, signal) {
    const res = await runPowerShell(WINDOWS_ANTIVIRUS_SCRIPT, { run: ctx.run, signal, consoleEncoding: ctx.encoding });
    if (res.code !== 0) throw new Error(`the antivirus query exited with ${res.code ?? 'a signal'}: ${res.stderr}`);
    const av = parseWindowsAntivirus(res.stdout);
    const none = av.products.length === 0 ? `no antivirus product registered${av.defenderError ? ` (Defender: ${av.defenderError})` : ''}` : undefined;
    return antivirusReadings(av.products, { '*': none ?? 'not reported by the antivirus product' });
  },
};
