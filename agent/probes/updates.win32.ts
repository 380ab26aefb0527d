// Pending updates on Windows: Windows Update's offline search (COM, through PowerShell) and the
// time of its last successful search.
import { runPowerShell } from './posture-command.js';
import type { UpdatesPart } from './updates.js';
import { parseWindowsUpdates } from './updates-parse.js';

export const WINDOWS_UPDATES_SCRIPT = `
$ErrorActionPreference = 'Stop'
$searcher = (New-Object -ComObject Microsoft.Update.Session).CreateUpdateSearcher()
$searcher.Online = $false
$found = $searcher.Search("IsInstalled=0 and IsHidden=0 and Type='Software'")
$securityCategory = '0fa1201d-4330-4fa8-8ae9-b877473b6441'
$updates = @(foreach ($u in $found.Updates) { [pscustomobject]@{ Id = [string]$u.Identity.UpdateID; Security = [bool](@($u.Categories | Where-Object { $_.CategoryID -eq $securityCategory }).Count) } })
$last = $null
try { $d = (New-Object -ComObject Microsoft.Update.AutoUpdate).Results.LastSearchSuccessDate; if ($d) { $last = ([DateTimeOffset][DateTime]::SpecifyKind($d, 'Utc')).ToUnixTimeSeconds() } } catch { }
[pscustomobject]@{ Updates = $updates; LastSearch = $last } | ConvertTo-Json -Depth 3 -Compress
`;

export const updates: UpdatesPart = {
  create: ({ run, encoding }) =>
    async (signal) => {
      const res = await runPowerShell(WINDOWS_UPDATES_SCRIPT, { run, signal, consoleEncoding: encoding });
      if (res.code !== 0) throw new Error(`the Windows Update query exited with ${res.code ?? 'a signal'}: ${res.stderr}`);
      const got = parseWindowsUpdates(res.stdout);
      return { pending: got.pending, ...(got.lastSearch !== undefined ? { checked: got.lastSearch } : {}) };
    },
};
