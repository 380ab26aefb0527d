// Network links and the default gateway on Windows: Get-NetAdapter and Get-NetRoute through the one
// PowerShell runner (deadline, kill) — not systeminformation, whose PowerShell has no deadline and
// outlived the agent on a broken WMI repository.
import { asList, powerShellJson } from '../windows/powershell.js';
import { windowsLinksFromJson, type LinkReading } from './network-links.js';
import type { NetworkPart } from './network.js';

/** Windows: the adapters' state from Get-NetAdapter through the one PowerShell runner (deadline, kill). */
export async function readWindowsLinks(named: readonly string[], signal: AbortSignal, consoleEncoding: string): Promise<LinkReading[]> {
  const script = 'Get-NetAdapter | Select-Object Name, Status, Virtual | ConvertTo-Json -Compress';
  return windowsLinksFromJson(await powerShellJson(script, 'network adapters', { signal, consoleEncoding }), named);
}

const GATEWAY_SCRIPT = "@(Get-NetRoute -AddressFamily IPv4 -DestinationPrefix '0.0.0.0/0' -ErrorAction Stop | Sort-Object RouteMetric, InterfaceMetric | Select-Object -First 1 NextHop) | ConvertTo-Json -Compress";

/** Get-NetRoute's best default route → its next hop; undefined when there is none (or it is on-link). */
export function gatewayFromJson(json: unknown): string | undefined {
  const hop = (asList(json)[0] as { NextHop?: unknown } | undefined)?.NextHop;
  return typeof hop === 'string' && /^\d{1,3}(\.\d{1,3}){3}$/.test(hop) && hop !== '0.0.0.0' ? hop : undefined;
}

/** A PowerShell start costs ~0.3 s of CPU on a counter PC: the gateway is looked up at most this often. */
const GATEWAY_EVERY_MS = 60_000;
let gateway: { atMs: number; value: string | undefined } | undefined;

export const network: NetworkPart = {
  linksStartAProcess: true,
  readLinks: (ctx, signal) => readWindowsLinks(ctx.interfaces, signal, ctx.consoleEncoding),
  async defaultGateway(ctx, signal) {
    if (gateway && ctx.nowMs() - gateway.atMs < GATEWAY_EVERY_MS) return gateway.value;
    const value = gatewayFromJson(await powerShellJson(GATEWAY_SCRIPT, 'default route', { signal, consoleEncoding: ctx.consoleEncoding }));
    gateway = { atMs: ctx.nowMs(), value };
    return value;
  },
};
