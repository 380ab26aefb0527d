// Network links and the default gateway on Linux: /sys/class/net and /proc/net/route, no process,
// cheap enough to read at every collect.
import { readSysfsLinks } from './network-links.js';
import type { NetworkPart } from './network.js';
import { linuxDefaultGateway } from './network-targets.js';

export const network: NetworkPart = {
  linksStartAProcess: false,
  readLinks: (ctx) => readSysfsLinks(ctx.sysRoot, ctx.interfaces),
  defaultGateway: (ctx) => linuxDefaultGateway(ctx.procRoot),
};
