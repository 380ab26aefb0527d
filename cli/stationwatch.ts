#!/usr/bin/env node
// The `stationwatch` command. The only module that reads process.env and process.argv.
import { parseArgs } from 'node:util';
import { createLogger } from '../common/logger.js';
import { ConfigError, readConfigFile } from '../common/config-file.js';
import { VERSION } from '../common/version.js';
import { loadAgentConfig, resolveAgentConfig } from '../agent/config.js';
import { startAgent } from '../agent/agent.js';
import { loadCollectorConfig, resolveCollectorConfig } from '../collector/config.js';
import { startCollector } from '../collector/main.js';
import { runAllInOne } from './all-in-one.js';
import { runGenerate } from './generate.js';
import { runBackup } from './backup.js';

const usage = `stationwatch ${VERSION} — workstation and device health monitor

usage:
  stationwatch all-in-one [--host 127.0.0.1] [--port 9847] [--state-dir .stationwatch]
                                      collector + an agent for this machine, no configuration
  stationwatch agent --config agent.yaml
  stationwatch collector --config collector.yaml
  stationwatch check-config FILE [--kind agent|collector]
                                      report every problem in a configuration file
  stationwatch generate [--overrides site.yaml] [--out DIR]
                                      write the Prometheus rules from the indicator catalog
  stationwatch backup report --job NAME --status ok|failed | backup verify PATH...
                                      report a backup run to the agent; verify backup files
`;

function onShutdown(close: () => Promise<void>): void {
  let closing = false;
  const handler = (signal: string) => {
    if (closing) return;
    closing = true;
    close().then(
      () => process.exit(0),
      (err) => {
        console.error(`stationwatch: error while stopping after ${signal}:`, err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => handler('SIGINT'));
  process.on('SIGTERM', () => handler('SIGTERM'));
}

/** Which program a configuration file is for, from its keys, unless told. */
function guessKind(raw: unknown): 'agent' | 'collector' {
  const keys = Object.keys((raw ?? {}) as object);
  return keys.some((k) => ['devices', 'listen', 'advertiseAddress', 'staleAfterIntervals'].includes(k)) ? 'collector' : 'agent';
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // backup's subcommands have options of their own (see cli/backup.ts).
  if (command === 'backup') return runBackup(rest, process.env);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      kind: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'state-dir': { type: 'string' },
      overrides: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const env = process.env;
  switch (command) {
    case 'agent': {
      const config = await loadAgentConfig(values.config, env);
      const log = createLogger(config.log.level, 'stationwatch-agent');
      const agent = await startAgent(config, { log });
      onShutdown(() => agent.stop());
      return -1;
    }
    case 'collector': {
      const config = await loadCollectorConfig(values.config, env);
      const log = createLogger(config.log.level, 'stationwatch-collector');
      const collector = await startCollector(config, log);
      log.info({ url: collector.url, devices: config.devices.length }, 'collector listening');
      onShutdown(() => collector.app.close());
      return -1;
    }
    case 'all-in-one': {
      const log = createLogger(env.STATIONWATCH_LOG_LEVEL ?? 'info', 'stationwatch');
      const port = Number(values.port ?? env.STATIONWATCH_LISTEN_PORT ?? 9847);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError('--port', [`"${values.port}" is not a port number`]);
      const running = await runAllInOne({ host: values.host ?? env.STATIONWATCH_LISTEN_HOST ?? '127.0.0.1', port, stateDir: values['state-dir'] ?? env.STATIONWATCH_STATE_DIR ?? '.stationwatch', env }, log);
      onShutdown(() => running.close());
      console.log(`\nstationwatch is running (all-in-one): a collector and an agent for this machine.
  metrics (Prometheus):  ${running.url}/metrics
  devices (JSON):        ${running.url}/api/devices
  service discovery:     ${running.url}/sd
  health:                ${running.url}/healthz
Press Ctrl+C to stop.\n`);
      return -1;
    }
    case 'check-config': {
      const file = positionals[0] ?? values.config;
      if (!file) {
        console.error('check-config needs a file: stationwatch check-config FILE');
        return 2;
      }
      const raw = await readConfigFile(file);
      const kind = values.kind ?? guessKind(raw);
      if (kind === 'agent') resolveAgentConfig(raw, env, file);
      else if (kind === 'collector') resolveCollectorConfig(raw, env, file);
      else {
        console.error(`--kind must be agent or collector, not "${kind}"`);
        return 2;
      }
      console.log(`${file}: valid ${kind} configuration`);
      return 0;
    }
    case 'generate':
      return runGenerate({ overrides: values.overrides, out: values.out });
    case '--version':
    case 'version':
      console.log(VERSION);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(usage);
      return command === undefined ? 2 : 0;
    default:
      console.error(`unknown command "${command}"\n\n${usage}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exitCode = 1;
    } else {
      console.error('stationwatch:', err instanceof Error ? err.message : err);
      process.exitCode = 1;
    }
  },
);
