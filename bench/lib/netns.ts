// A network namespace joined to this one by a veth pair (as test/integration/network.test.ts makes
// one), so the agent pings an address whose packets the benchmark can drop with iptables inside the
// namespace. Every packet stays on the pair; an `unreachable` route for the /24 keeps the addresses
// from ever leaving by the default route. Removed when the scope closes and when the process exits.
import { execFileSync } from 'node:child_process';
import type { Scope } from './processes.js';

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });

export interface Namespace {
  /** The namespace's address: the agent's ping target. */
  peer: string;
  /** Drops every echo request arriving in the namespace (a dead link), or stops dropping. */
  dropAll(on: boolean): void;
}

export function createNamespace(scope: Scope, tag: string): Namespace {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) throw new Error('the detection-latency benchmark needs root (a network namespace and iptables to drop packets)');
  for (const [tool, pkg] of [['ip', 'iproute2'], ['iptables', 'iptables'], ['ping', 'iputils-ping']] as const) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      throw new Error(`${tool} is missing: apt-get install -y --no-install-recommends ${pkg}`);
    }
  }
  const id = process.pid % 100_000;
  const ns = `sw-bench-${tag}-${process.pid}`;
  const hostIf = `swb${tag}${id}h`.slice(0, 15);
  const peerIf = `swb${tag}${id}n`.slice(0, 15);
  const net = `10.252.${process.pid % 250}`;
  const cleanup = () => {
    for (const args of [['netns', 'del', ns], ['link', 'del', hostIf], ['route', 'del', 'unreachable', `${net}.0/24`, 'metric', '4000']]) {
      try {
        execFileSync('ip', args, { stdio: 'ignore', timeout: 10_000 });
      } catch {
        // already gone
      }
    }
  };
  cleanup();
  process.once('exit', cleanup);
  scope.onClose(cleanup);
  const inNs = (cmd: string, args: string[]) => run('ip', ['netns', 'exec', ns, cmd, ...args]);
  run('ip', ['netns', 'add', ns]);
  run('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', peerIf]);
  run('ip', ['link', 'set', peerIf, 'netns', ns]);
  run('ip', ['route', 'add', 'unreachable', `${net}.0/24`, 'metric', '4000']);
  run('ip', ['addr', 'add', `${net}.1/30`, 'dev', hostIf]);
  run('ip', ['link', 'set', hostIf, 'up']);
  inNs('ip', ['addr', 'add', `${net}.2/30`, 'dev', peerIf]);
  inNs('ip', ['link', 'set', peerIf, 'up']);
  let iptables = 'iptables';
  try {
    inNs(iptables, ['-w', '-L', 'INPUT', '-n']);
  } catch {
    iptables = 'iptables-legacy'; // where the nf_tables backend is unusable
    inNs(iptables, ['-w', '-L', 'INPUT', '-n']);
  }
  const rule = ['INPUT', '-p', 'icmp', '--icmp-type', 'echo-request', '-j', 'DROP'];
  return {
    peer: `${net}.2`,
    dropAll(on) {
      inNs(iptables, ['-w', on ? '-A' : '-D', ...rule]);
    },
  };
}
