// firewall: is inbound traffic filtered? ("check that the firewall settings are reasonable" before work).
// Linux reads the netfilter ruleset (nft, then iptables for hosts on the legacy backend); ufw and
// firewalld write their rules there, so the ruleset is the truth. Without CAP_NET_ADMIN the ruleset
// cannot be read: then an active ufw/firewalld still proves "enabled", and anything else is unknown.
import { Type } from '@sinclair/typebox';
import { readFile } from 'node:fs/promises';
import { m } from '../../protocol/metrics.js';
import { firewallFromIptablesRules, firewallFromNftJson, firewallFromSocketfilterfw, firewallFromWindowsJson } from './firewall-parse.js';
import { CommandNotFound, WindowsConsoleEncoding, consoleEncodingOf, defaultRunner, isPermissionDenied, runPowerShell, stderrText, type CommandRunner } from './posture-command.js';
import { sample, unavailable, type ProbeDefinition, type ProbeInstance, type ProbeSetup, type Reading } from './probe.js';

export const WINDOWS_FIREWALL_SCRIPT = `
$ErrorActionPreference = 'Stop'
$service = [string](Get-Service -Name mpssvc).Status
$profiles = @(Get-NetFirewallProfile -PolicyStore ActiveStore | Select-Object Name, @{ n = 'Enabled'; e = { [string]$_.Enabled } })
[pscustomobject]@{ Service = $service; Profiles = $profiles } | ConvertTo-Json -Depth 3 -Compress
`;

const SOCKETFILTERFW = '/usr/libexec/ApplicationFirewall/socketfilterfw';
const NEEDS_PRIVILEGE = 'needs CAP_NET_ADMIN (run the agent as root) to read the nftables/iptables ruleset';

export interface FirewallOptions {
  run?: CommandRunner;
  /** ufw's own configuration (ENABLED=yes), read when the ruleset is out of reach. */
  ufwConf?: string;
}

type RulesetAnswer = { kind: 'verdict'; enabled: boolean } | { kind: 'denied' } | { kind: 'missing' };

async function askRuleset(run: CommandRunner, command: string, args: string[], parse: (text: string) => boolean, signal: AbortSignal): Promise<RulesetAnswer> {
  let res;
  try {
    res = await run(command, args, signal);
  } catch (err) {
    if (err instanceof CommandNotFound) return { kind: 'missing' };
    throw err;
  }
  const err = stderrText(res);
  if (res.code !== 0) {
    if (isPermissionDenied(err)) return { kind: 'denied' };
    throw new Error(`${command} ${args.join(' ')} exited with ${res.code ?? 'a signal'}: ${err}`);
  }
  return { kind: 'verdict', enabled: parse(res.stdout.toString('utf8')) };
}

/** Without the ruleset: is a firewall manager active? True only on positive evidence. */
async function managerActive(run: CommandRunner, ufwConf: string, signal: AbortSignal): Promise<boolean> {
  let ufwEnabled = false;
  try {
    ufwEnabled = /^\s*ENABLED\s*=\s*yes\b/m.test(await readFile(ufwConf, 'utf8'));
  } catch {
    // No ufw on this host.
  }
  try {
    const res = await run('systemctl', ['is-active', 'firewalld', 'ufw'], signal);
    const [firewalld, ufw] = res.stdout.toString('utf8').split('\n').map((l) => l.trim());
    return firewalld === 'active' || (ufw === 'active' && ufwEnabled);
  } catch (err) {
    if (err instanceof CommandNotFound) return false;
    throw err;
  }
}

export async function linuxFirewall(run: CommandRunner, ufwConf: string, signal: AbortSignal): Promise<Reading> {
  const nft = await askRuleset(run, 'nft', ['-j', 'list', 'ruleset'], firewallFromNftJson, signal);
  if (nft.kind === 'verdict' && nft.enabled) return sample(m.firewallEnabled, 1, { profile: 'all' });
  // Hosts on the iptables-legacy backend keep their rules outside nftables; iptables shows them.
  const ipt = await askRuleset(run, 'iptables', ['-S', 'INPUT'], firewallFromIptablesRules, signal);
  if (ipt.kind === 'verdict' && ipt.enabled) return sample(m.firewallEnabled, 1, { profile: 'all' });
  if (nft.kind === 'verdict' || ipt.kind === 'verdict') return sample(m.firewallEnabled, 0, { profile: 'all' });
  if (await managerActive(run, ufwConf, signal)) return sample(m.firewallEnabled, 1, { profile: 'all' });
  if (nft.kind === 'denied' || ipt.kind === 'denied') return unavailable(m.firewallEnabled, `${NEEDS_PRIVILEGE}; neither ufw nor firewalld is active`);
  return unavailable(m.firewallEnabled, 'neither nft nor iptables is installed (Debian: nftables) and neither ufw nor firewalld is active');
}

export function createFirewall(setup: ProbeSetup, opts: FirewallOptions = {}): ProbeInstance {
  const run = opts.run ?? defaultRunner;
  const ufwConf = opts.ufwConf ?? '/etc/ufw/ufw.conf';
  const encoding = consoleEncodingOf(setup.settings);

  async function windows(signal: AbortSignal): Promise<Reading[]> {
    const res = await runPowerShell(WINDOWS_FIREWALL_SCRIPT, { run, signal, consoleEncoding: encoding });
    if (res.code !== 0) throw new Error(`the firewall query exited with ${res.code ?? 'a signal'}: ${res.stderr}`);
    return firewallFromWindowsJson(res.stdout).map((p) => sample(m.firewallEnabled, p.enabled ? 1 : 0, { profile: p.profile }));
  }

  async function macos(signal: AbortSignal): Promise<Reading[]> {
    const res = await run(SOCKETFILTERFW, ['--getglobalstate'], signal);
    if (res.code !== 0) throw new Error(`socketfilterfw exited with ${res.code ?? 'a signal'}: ${stderrText(res)}`);
    return [sample(m.firewallEnabled, firewallFromSocketfilterfw(res.stdout.toString('utf8')) ? 1 : 0, { profile: 'all' })];
  }

  return {
    async collect({ signal }) {
      if (setup.platform === 'linux') return [await linuxFirewall(run, ufwConf, signal)];
      if (setup.platform === 'win32') return windows(signal);
      if (setup.platform === 'darwin') return macos(signal);
      return [unavailable(m.firewallEnabled, `the firewall state is not read on ${setup.platform}`)];
    },
  };
}

export const firewallProbe: ProbeDefinition = {
  name: 'firewall',
  interval: 'slow',
  metrics: [m.firewallEnabled],
  settingsSchema: Type.Object({ windowsConsoleEncoding: WindowsConsoleEncoding }, { additionalProperties: false }),
  create: (setup) => createFirewall(setup),
};
