// The firewall on Linux: the netfilter ruleset (nft, then iptables for hosts on the legacy backend);
// ufw and firewalld write their rules there, so the ruleset is the truth. Without CAP_NET_ADMIN the
// ruleset cannot be read: then an active ufw/firewalld still proves "enabled", and anything else is
// unknown.
import { readFile } from 'node:fs/promises';
import { m } from '../../protocol/metrics.js';
import type { FirewallPart } from './firewall.js';
import { firewallFromIptablesRules, firewallFromNftJson } from './firewall-parse.js';
import { CommandNotFound, isPermissionDenied, stderrText, type CommandRunner } from './posture-command.js';
import { sample, unavailable, type Reading } from './probe.js';

const NEEDS_PRIVILEGE = 'needs CAP_NET_ADMIN (run the agent as root) to read the nftables/iptables ruleset';

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

export const firewall: FirewallPart = {
  read: async (ctx, signal) => [await linuxFirewall(ctx.run, ctx.ufwConf, signal)],
};
