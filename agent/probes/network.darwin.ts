// Network links and the default gateway on macOS: systeminformation (ifconfig, route underneath). Its
// commands take no signal: the probe reads the links in the background under a deadline and never
// waits for them in collect.
import type { LinkReading } from './network-links.js';
import type { NetworkPart } from './network.js';
import { systemInformation } from './systeminformation.js';

/** Non-Linux: systeminformation (ipconfig/PowerShell/ifconfig underneath), so callers ask rarely. */
export async function readSiLinks(named: readonly string[]): Promise<LinkReading[]> {
  const wanted = new Set(named);
  const list = await (await systemInformation()).networkInterfaces();
  const ifaces = Array.isArray(list) ? list : [list];
  return ifaces
    .filter((i) => (!i.virtual && !i.internal) || wanted.has(i.iface) || wanted.has(i.ifaceName))
    .map((i) => ({ name: i.iface, up: i.operstate === 'up' }));
}

export const network: NetworkPart = {
  linksStartAProcess: true,
  readLinks: (ctx) => readSiLinks(ctx.interfaces),
  defaultGateway: async () => (await (await systemInformation()).networkGatewayDefault().catch(() => '')) || undefined,
};
