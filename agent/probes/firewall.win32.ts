// The firewall on Windows: the active store's profiles (Domain, Private, Public) and the firewall
// service, through PowerShell.
import { m } from '../../protocol/metrics.js';
import type { FirewallPart } from './firewall.js';
import { firewallFromWindowsJson } from './firewall-parse.js';
import { runPowerShell } from './posture-command.js';
import { sample } from './probe.js';

export const WINDOWS_FIREWALL_SCRIPT = `
$ErrorActionPreference = 'Stop'
$service = [string](Get-Service -Name mpssvc).Status
$profiles = @(Get-NetFirewallProfile -PolicyStore ActiveStore | Select-Object Name, @{ n = 'Enabled'; e = { [string]$_.Enabled } })
[pscustomobject]@{ Service = $service; Profiles = $profiles } | ConvertTo-Json -Depth 3 -Compress
`;

export const firewall: FirewallPart = {
  async read(ctx, signal) {
    const res = await runPowerShell(WINDOWS_FIREWALL_SCRIPT, { run: ctx.run, signal, consoleEncoding: ctx.encoding });
    if (res.code !== 0) throw new Error(`the firewall query exited with ${res.code ?? 'a signal'}: ${res.stderr}`);
    return firewallFromWindowsJson(res.stdout).map((p) => sample(m.firewallEnabled, p.enabled ? 1 : 0, { profile: p.profile }));
  },
};
