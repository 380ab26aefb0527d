// The firewall on macOS: the application firewall's global state.
import { m } from '../../protocol/metrics.js';
import type { FirewallPart } from './firewall.js';
import { firewallFromSocketfilterfw } from './firewall-parse.js';
import { stderrText } from './posture-command.js';
import { sample } from './probe.js';

const SOCKETFILTERFW = '/usr/libexec/ApplicationFirewall/socketfilterfw';

export const firewall: FirewallPart = {
  async read(ctx, signal) {
    const res = await ctx.run(SOCKETFILTERFW, ['--getglobalstate'], signal);
    if (res.code !== 0) throw new Error(`socketfilterfw exited with ${res.code ?? 'a signal'}: ${stderrText(res)}`);
    return [sample(m.firewallEnabled, firewallFromSocketfilterfw(res.stdout.toString('utf8')) ? 1 : 0, { profile: 'all' })];
  },
};
