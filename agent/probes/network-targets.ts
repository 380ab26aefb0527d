// Which hosts the network probe pings. Targets come from the configuration; two keywords stand for
// hosts the agent finds itself:
// - `collector`: the host of the collector URL (the default target list is just this one);
// - `gateway`: the default gateway from the routing table. It is never pinged unless listed: the
//   sample configuration recommends it, but on development and CI machines the gateway is not ours
//   to ping.
import { readFile } from 'node:fs/promises';

export interface TargetSpec {
  /** A host name, an address, or a keyword (`collector`, `gateway`). */
  host: string;
  /** The `target` label; defaults to the keyword or the host. */
  label?: string;
  /** This target's own packet-loss limit (0..1), exported beside its values. */
  maxLossRatio?: number;
  /** This target's own round-trip-time limit, milliseconds. */
  maxRttMs?: number;
}

export interface Target {
  label: string;
  spec: TargetSpec;
  /** The host to ping now; `undefined` when it cannot be found (no default route). */
  resolve(): Promise<string | undefined>;
}

export function normaliseTargets(raw: readonly (string | TargetSpec)[]): TargetSpec[] {
  return raw.map((t) => (typeof t === 'string' ? { host: t } : t));
}

/** The host part of the collector URL, without IPv6 brackets. */
export function collectorHost(collectorUrl: string): string {
  return new URL(collectorUrl).hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * The IPv4 default gateway from /proc/net/route: destination 00000000 with the gateway flag (0x2),
 * lowest metric first. Addresses are little-endian hex ("0101A8C0" is 192.168.1.1).
 */
export function parseProcNetRoute(text: string): string | undefined {
  const routes: { gateway: string; metric: number }[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || f[1] !== '00000000' || f[7] !== '00000000') continue;
    const flags = parseInt(f[3] ?? '0', 16);
    if ((flags & 0x1) === 0 || (flags & 0x2) === 0) continue; // RTF_UP and RTF_GATEWAY
    const hex = f[2] ?? '';
    if (!/^[0-9A-Fa-f]{8}$/.test(hex)) continue;
    const n = parseInt(hex, 16);
    routes.push({ gateway: [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24].join('.'), metric: Number(f[6]) });
  }
  routes.sort((a, b) => a.metric - b.metric);
  return routes[0]?.gateway;
}

/** The default route's gateway on Linux, from /proc/net/route (no process); undefined without one. */
export async function linuxDefaultGateway(procRoot: string): Promise<string | undefined> {
  try {
    return parseProcNetRoute(await readFile(`${procRoot}/net/route`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** `gateway` finds the default gateway (per platform: network.<platform>.ts), asked before every burst to it. */
export function buildTargets(specs: readonly TargetSpec[], collectorUrl: string, gateway: () => Promise<string | undefined>): Target[] {
  const seen = new Set<string>();
  const out: Target[] = [];
  for (const spec of specs) {
    const label = spec.label ?? spec.host;
    if (seen.has(label)) throw new Error(`network target "${label}" is listed twice: give one of them its own label`);
    seen.add(label);
    if (spec.host === 'collector') {
      const host = collectorHost(collectorUrl);
      out.push({ label, spec, resolve: async () => host });
    } else if (spec.host === 'gateway') {
      // Looked up before every burst: a laptop changes networks, DHCP changes gateways.
      out.push({ label, spec, resolve: gateway });
    } else {
      out.push({ label, spec, resolve: async () => spec.host });
    }
  }
  return out;
}
