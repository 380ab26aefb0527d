// The firewall probe: the real nft and iptables inside a network namespace this test creates (so the
// host's own ruleset is never touched) toggle the verdict; the Windows and macOS answers are fixtures.
// Root-only (namespaces, netfilter): CI runs as root.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firewallFromIptablesRules, firewallFromNftJson, firewallFromSocketfilterfw, firewallFromWindowsJson } from '../../agent/probes/firewall-parse.js';
import { linuxFirewall } from '../../agent/probes/firewall.linux.js';
import { commandRunner, decodeConsole } from '../../agent/probes/posture-command.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const text = (name: string) => readFileSync(`${fixtures}${name}`, 'utf8');
const signal = new AbortController().signal;

describe('firewall verdicts', () => {
  it('reads nft JSON: drop policy, catch-all reject (nft and iptables-nft forms), and accept-only rulesets', () => {
    const meta = '{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}';
    const chain = (family: string, policy: string) => `{"chain": {"family": "${family}", "table": "filter", "name": "input", "handle": 1, "type": "filter", "hook": "input", "prio": 0, "policy": "${policy}"}}`;
    const rule = (family: string, expr: string) => `{"rule": {"family": "${family}", "table": "filter", "chain": "input", "handle": 2, "expr": ${expr}}}`;
    const doc = (...items: string[]) => `{"nftables": [${[meta, ...items].join(', ')}]}`;
    expect(firewallFromNftJson(doc())).toBe(false);
    expect(firewallFromNftJson(doc(chain('inet', 'drop')))).toBe(true);
    expect(firewallFromNftJson(doc(chain('ip', 'accept')))).toBe(false);
    expect(firewallFromNftJson(doc(chain('ip6', 'drop')))).toBe(false); // IPv4 wide open
    expect(firewallFromNftJson(doc(chain('inet', 'accept'), rule('inet', '[{"counter": {"packets": 0, "bytes": 0}}, {"reject": {"type": "icmpx", "expr": "admin-prohibited"}}]')))).toBe(true);
    expect(firewallFromNftJson(doc(chain('ip', 'accept'), rule('ip', '[{"counter": {"packets": 0, "bytes": 0}}, {"xt": {"type": "target", "name": "REJECT"}}]')))).toBe(true);
    // A conditional drop (one port) is not a default-deny firewall.
    expect(firewallFromNftJson(doc(chain('inet', 'accept'), rule('inet', '[{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 23}}, {"drop": null}]')))).toBe(false);
    expect(() => firewallFromNftJson('Error: syntax error')).toThrow(/not JSON/);
  });

  it('reads iptables -S INPUT', () => {
    expect(firewallFromIptablesRules('-P INPUT DROP\n')).toBe(true);
    expect(firewallFromIptablesRules('-P INPUT ACCEPT\n-A INPUT -i lo -j ACCEPT\n')).toBe(false);
    expect(firewallFromIptablesRules('-P INPUT ACCEPT\n-A INPUT -i lo -j ACCEPT\n-A INPUT -j REJECT --reject-with icmp-host-prohibited\n')).toBe(true);
    expect(firewallFromIptablesRules('-P INPUT ACCEPT\n-A INPUT -p tcp --dport 23 -j DROP\n')).toBe(false);
    expect(() => firewallFromIptablesRules('')).toThrow(/no INPUT policy/);
  });

  it('reads the Windows profiles, and a stopped firewall service switches them all off', () => {
    expect(firewallFromWindowsJson(text('windows-security/firewall-all-on.json'))).toEqual([
      { profile: 'domain', enabled: true },
      { profile: 'private', enabled: true },
      { profile: 'public', enabled: true },
    ]);
    const bom = decodeConsole(readFileSync(`${fixtures}windows-security/firewall-public-off.utf8-bom.json`), 'gbk');
    expect(firewallFromWindowsJson(bom).find((p) => p.profile === 'public')).toEqual({ profile: 'public', enabled: false });
    expect(firewallFromWindowsJson(text('windows-security/firewall-service-stopped.json')).every((p) => !p.enabled)).toBe(true);
    // GpoBoolean as a number: 1 on, 0 off, 2 "not configured" has no verdict.
    expect(firewallFromWindowsJson('{"Service":"Running","Profiles":{"Name":"Domain","Enabled":1}}')).toEqual([{ profile: 'domain', enabled: true }]);
    expect(() => firewallFromWindowsJson('{"Service":"Running","Profiles":[{"Name":"Domain","Enabled":2}]}')).toThrow(/no profile/);
  });

  it('reads socketfilterfw', () => {
    expect(firewallFromSocketfilterfw(text('macos/socketfilterfw-enabled.txt'))).toBe(true);
    expect(firewallFromSocketfilterfw(text('macos/socketfilterfw-disabled.txt'))).toBe(false);
    expect(firewallFromSocketfilterfw(text('macos/socketfilterfw-essential.txt'))).toBe(true);
    expect(() => firewallFromSocketfilterfw('usage: socketfilterfw')).toThrow(/answered/);
  });
});

describe('firewall on Linux, real netfilter in a network namespace', () => {
  const ns = `sw-fw-${process.pid}`;
  const inNs = (...args: string[]) => {
    const r = spawnSync('ip', ['netns', 'exec', ns, ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${args.join(' ')} in ${ns}: ${r.stderr}`);
  };
  const run = commandRunner(['ip', 'netns', 'exec', ns]);
  const verdict = async () => linuxFirewall(run, '/nonexistent/ufw.conf', signal);

  beforeAll(() => {
    for (const [tool, pkg] of [['ip', 'iproute2'], ['nft', 'nftables'], ['iptables', 'iptables']] as const) {
      if (spawnSync(tool, ['--version']).error) throw new Error(`${tool} is not installed: apt-get install ${pkg}`);
    }
    if (process.getuid?.() !== 0) throw new Error('this test creates a network namespace and needs root (CI runs as root)');
    const add = spawnSync('ip', ['netns', 'add', ns], { encoding: 'utf8' });
    if (add.status !== 0) throw new Error(`ip netns add ${ns}: ${add.stderr}`);
  });

  afterAll(() => {
    spawnSync('ip', ['netns', 'del', ns]);
  });

  it('follows the input policy and rules as they change', async () => {
    expect(await verdict()).toMatchObject({ kind: 'sample', value: 0, labels: { profile: 'all' } }); // empty ruleset
    inNs('nft', 'add table inet sw; add chain inet sw input { type filter hook input priority 0; policy drop; }');
    expect(await verdict()).toMatchObject({ kind: 'sample', value: 1 });
    inNs('nft', 'chain inet sw input { policy accept; }');
    expect(await verdict()).toMatchObject({ kind: 'sample', value: 0 });
    inNs('nft', 'add rule inet sw input iifname lo accept; add rule inet sw input counter reject');
    expect(await verdict()).toMatchObject({ kind: 'sample', value: 1 });
    inNs('nft', 'delete table inet sw');
    inNs('iptables', '-P', 'INPUT', 'DROP');
    expect(await verdict()).toMatchObject({ kind: 'sample', value: 1 });
    inNs('iptables', '-P', 'INPUT', 'ACCEPT');
    expect(await verdict()).toMatchObject({ kind: 'sample', value: 0 });
    inNs('iptables', '-A', 'INPUT', '-j', 'REJECT');
    expect(await verdict()).toMatchObject({ kind: 'sample', value: 1 });
  });

  it('is unavailable, saying which privilege, for a user who may not read the ruleset', async () => {
    const asNobody = commandRunner(['runuser', '-u', 'nobody', '--']);
    const r = await linuxFirewall(asNobody, '/nonexistent/ufw.conf', signal);
    expect(r).toMatchObject({ kind: 'unavailable', reason: expect.stringMatching(/^needs CAP_NET_ADMIN/) });
  });
});
