// The newcomer's mode: a collector on 127.0.0.1:9847 and an agent for this machine in one process,
// no configuration. The agent gets a fresh random token and talks to the collector over loopback
// only, exactly as a remote agent would.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { Logger } from '../common/logger.js';
import { resolveAgentConfig, deviceNameFromHostname } from '../agent/config.js';
import { startAgent, type RunningAgent } from '../agent/agent.js';
import { resolveCollectorConfig } from '../collector/config.js';
import { startCollector } from '../collector/main.js';

export interface AllInOneOptions {
  host: string;
  port: number;
  stateDir: string;
  env: NodeJS.ProcessEnv;
}

export async function runAllInOne(opts: AllInOneOptions, log: Logger): Promise<{ url: string; agent: RunningAgent; close(): Promise<void> }> {
  const device = opts.env.STATIONWATCH_DEVICE ?? deviceNameFromHostname(hostname());
  const site = opts.env.STATIONWATCH_SITE ?? 'local';
  const token = randomBytes(24).toString('base64url');
  const collectorConfig = resolveCollectorConfig({ listen: { host: opts.host, port: opts.port }, defaultSite: site, devices: [{ name: device, token, site }], stateDir: resolve(opts.stateDir) }, opts.env, 'all-in-one defaults');
  const collector = await startCollector(collectorConfig, log.child({ component: 'collector' }));
  const agentConfig = resolveAgentConfig({ device, site, stateDir: resolve(opts.stateDir), collector: { url: collector.url, token } }, opts.env, 'all-in-one defaults');
  const agent = await startAgent(agentConfig, { log: log.child({ component: 'agent' }) });
  return {
    url: collector.url,
    agent,
    async close() {
      await agent.stop();
      await collector.app.close();
    },
  };
}
