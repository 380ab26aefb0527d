// Printers through the Windows spooler: one PowerShell run asks CIM for Win32_Printer and
// Win32_PrintJob and prints one JSON document. Win32_* classes exist on every supported Windows
// (Get-Printer needs the PrintManagement module, absent on some editions). Times are turned into
// epoch seconds inside PowerShell so the JSON does not depend on how 5.1 and 7 serialise dates.
import type { PrintSnapshot } from '../peripherals/printer-status.js';
import type { PrintersPart } from './printers.js';
import { runPowerShell } from '../windows/powershell.js';
import { parseWindowsPrinters } from './printers-windows-parse.js';

export const WINDOWS_PRINTERS_SCRIPT = `
$ErrorActionPreference = 'Stop'
$spooler = [string](Get-Service -Name Spooler).Status
$sw = [System.Diagnostics.Stopwatch]::StartNew()
$printers = @()
$jobs = @()
if ($spooler -eq 'Running') {
  $printers = @(Get-CimInstance -ClassName Win32_Printer | Select-Object Name, PrinterStatus, PrinterState, DetectedErrorState, ExtendedDetectedErrorState, WorkOffline)
  $jobs = @(Get-CimInstance -ClassName Win32_PrintJob | Select-Object Name, JobId, StatusMask, @{ n = 'Submitted'; e = { if ($_.TimeSubmitted) { ([DateTimeOffset]$_.TimeSubmitted).ToUnixTimeSeconds() } else { $null } } })
}
$sw.Stop()
[pscustomobject]@{ Spooler = $spooler; QueryMilliseconds = $sw.ElapsedMilliseconds; Printers = $printers; Jobs = $jobs } | ConvertTo-Json -Depth 3 -Compress
`;

export async function readWindowsPrinters(signal: AbortSignal, consoleEncoding: string, nowSeconds: () => number): Promise<PrintSnapshot> {
  const res = await runPowerShell(WINDOWS_PRINTERS_SCRIPT, { signal, consoleEncoding });
  // Exit code ≠ 0, no output or no JSON: unknown, reported unavailable with the reason — never "no printers".
  if (res.code !== 0) return { kind: 'absent', reason: `the printer query (PowerShell) exited with ${res.code ?? 'a signal'}${res.stderr ? `: ${res.stderr}` : ''}` };
  return parseWindowsPrinters(res.stdout, nowSeconds());
}

export const printers: PrintersPart = {
  snapshot: (ctx, signal) => readWindowsPrinters(signal, ctx.settings.windowsConsoleEncoding ?? 'gbk', ctx.nowSeconds),
};
