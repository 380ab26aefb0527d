// Failed logins on Windows: Security event 4625 after the last record id seen, the id passed to
// PowerShell as data (never pasted into the script: the agent runs as LocalSystem).
import { counted, validRecordId, type LoginsPart, type LoginsState, type Outcome } from './logins.js';
import { parseWindowsLogonFailures } from './logins-parse.js';
import { runPowerShell } from './posture-command.js';

export const WINDOWS_LOGONS_SCRIPT = `
$ErrorActionPreference = 'Stop'
# The record id arrives as data ($SwData, see agent/windows/powershell.ts), never pasted into this text.
$after = [long]$SwData.after
$result = [ordered]@{ Newest = $null; Events = @(); Error = $null }
try {
  if ($after -lt 0) {
    $last = @(Get-WinEvent -LogName Security -MaxEvents 1)
    $result.Newest = if ($last.Count -gt 0) { $last[0].RecordId } else { 0 }
  } else {
    $xpath = "*[System[(EventID=4625) and (EventRecordID > $after)]]"
    $result.Events = @(Get-WinEvent -LogName Security -FilterXPath $xpath -Oldest -MaxEvents 5000 | ForEach-Object { [pscustomobject]@{ RecordId = $_.RecordId; Time = ([DateTimeOffset]$_.TimeCreated).ToUnixTimeSeconds() } })
  }
} catch {
  if ($_.Exception -is [System.UnauthorizedAccessException] -or $_.FullyQualifiedErrorId -like '*UnauthorizedAccess*') { $result.Error = 'denied' }
  elseif ($_.FullyQualifiedErrorId -notlike 'NoMatchingEventsFound*') { $result.Error = $_.Exception.Message }
}
[pscustomobject]$result | ConvertTo-Json -Depth 3 -Compress
`;

export const logins: LoginsPart = {
  create({ run, encoding }) {
    async function fromWindows(prev: LoginsState, signal: AbortSignal): Promise<Outcome> {
      const after = prev.source === 'windows' && prev.windowsRecord !== undefined ? prev.windowsRecord : -1;
      if (after !== -1 && !validRecordId(after)) throw new Error(`invalid saved event record id ${String(after).slice(0, 40)}`);
      const res = await runPowerShell(WINDOWS_LOGONS_SCRIPT, { run, signal, consoleEncoding: encoding, data: { after } });
      if (res.code !== 0) throw new Error(`the Security log query exited with ${res.code ?? 'a signal'}: ${res.stderr}`);
      const got = parseWindowsLogonFailures(res.stdout);
      if (got.denied) return { unavailable: 'needs administrator rights (or the Event Log Readers group) to read the Security log' };
      if (after < 0) return { state: { ...counted(prev, [], 0), source: 'windows', windowsRecord: got.newest ?? 0 } };
      const newest = got.events.length > 0 ? got.events[got.events.length - 1]!.recordId : after;
      if (!validRecordId(newest)) throw new Error(`the Security log answered an invalid record id ${String(newest).slice(0, 40)}`);
      return { state: { ...counted(prev, got.events.map((e) => e.time), 0), source: 'windows', windowsRecord: newest } };
    }


    return fromWindows;
  },
};
