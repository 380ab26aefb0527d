// firewall: is inbound traffic filtered? ("check that the firewall settings are reasonable" before
// work). Linux: the netfilter ruleset, else an active ufw/firewalld (firewall.linux.ts); Windows: the
// active firewall profiles (firewall.win32.ts); macOS: the application firewall (firewall.darwin.ts).
import { Type } from '@sinclair/typebox';
import { m } from '../../protocol/metrics.js';
import { platformPart, type PlatformFiles } from './platform.js';
import { WindowsConsoleEncoding, consoleEncodingOf, defaultRunner, type CommandRunner } from './posture-command.js';
import { unavailable, type ProbeDefinition, type ProbeInstance, type ProbeSetup, type Reading } from './probe.js';

export interface FirewallOptions {
  run?: CommandRunner;
  /** ufw's own configuration (ENABLED=yes), read when the ruleset is out of reach. */
  ufwConf?: string;
}

/** What each platform's file provides: one reading per firewall profile. */
export interface FirewallPart {
  read(ctx: { run: CommandRunner; ufwConf: string; encoding: string }, signal: AbortSignal): Promise<Reading[]>;
}

const files: PlatformFiles<FirewallPart> = {
  linux: () => import('./firewall.linux.js').then((f) => f.firewall),
  win32: () => import('./firewall.win32.js').then((f) => f.firewall),
  darwin: () => import('./firewall.darwin.js').then((f) => f.firewall),
};

export function createFirewall(setup: ProbeSetup, opts: FirewallOptions = {}): ProbeInstance {
  const ctx = { run: opts.run ?? defaultRunner, ufwConf: opts.ufwConf ?? '/etc/ufw/ufw.conf', encoding: consoleEncodingOf(setup.settings) };
  const part = platformPart(files, setup.platform);
  return {
    async collect({ signal }) {
      const p = await part();
      return p ? p.read(ctx, signal) : [unavailable(m.firewallEnabled, `the firewall state is not read on ${setup.platform}`)];
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
