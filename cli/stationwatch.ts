#!/usr/bin/env node
// The `stationwatch` command. The only module that reads process.env and process.argv (besides
// lean-v8-early.ts, which only looks whether the command is `agent`, before anything else loads).
import './lean-v8-early.js';
import { VERSION } from '../common/version.js';
import { COMMANDS, agentCommand, allInOneCommand, checkConfigCommand, collectorCommand, generateCommand } from './commands.js';
import { consoleIo, formatGroupUsage, parseCommand, usageError } from './usage.js';

// Loaded only after lean-v8-early.ts has run: `stationwatch agent` re-executes itself there with its
// V8 flags (agent/lean-v8.ts), so anything loaded before would be loaded twice.
const { createLogger } = await import('../common/logger.js');
const { ConfigError, readConfigFile } = await import('../common/config-file.js');

// Each command loads only its own modules: `stationwatch agent` must not carry the collector
// (fastify, SQLite, the status page), the generators and the service installers in its memory —
// about 20 MiB of its resident size (BENCHMARKS.md, agent footprint).
const lazy = <A extends unknown[], R>(load: () => Promise<(...args: A) => R>) => async (...args: A): Promise<Awaited<R>> => await (await load())(...args);
const resolveAgentConfig = lazy(async () => (await import('../agent/config.js')).resolveAgentConfig);
const loadCollectorConfig = lazy(async () => (await import('../collector/config.js')).loadCollectorConfig);
const resolveCollectorConfig = lazy(async () => (await import('../collector/config.js')).resolveCollectorConfig);
const startCollector = lazy(async () => (await import('../collector/main.js')).startCollector);
const runAllInOne = lazy(async () => (await import('./all-in-one.js')).runAllInOne);
const runGenerate = lazy(async () => (await import('./generate.js')).runGenerate);
const runBackup = lazy(async () => (await import('./backup.js')).runBackup);
const runInspectCommand = lazy(async () => (await import('./inspect.js')).runInspectCommand);
const runUser = lazy(async () => (await import('./user.js')).runUser);
const runAgentEnrol = lazy(async () => (await import('./agent-enrol.js')).runAgentEnrol);
const runCollectorAdmin = lazy(async () => (await import('./enrolment.js')).runCollectorAdmin);
const runUsersAdmin = lazy(async () => (await import('./users.js')).runUsersAdmin);
const runLoadgen = lazy(async () => (await import('./loadgen.js')).runLoadgen);
const runNotify = lazy(async () => (await import('./notify.js')).runNotify);
const runAgentProcess = lazy(async () => (await import('./agent-run.js')).runAgentProcess);
const serviceCommands = () => import('./service.js');

// Generated from cli/commands.ts, like every subcommand's --help.
const usage = `${formatGroupUsage(COMMANDS, '', `stationwatch ${VERSION} — workstation and device health monitor`)}
stationwatch --version prints the version.`;

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
  if (command === 'help' && rest.length > 0) return main([...rest, '--help']);
  // backup's subcommands have options of their own (see cli/backup.ts).
  if (command === 'backup') return runBackup(rest, process.env);
  if (command === 'inspect') return runInspectCommand(rest, process.env);
  if (command === 'agent' && rest[0] !== undefined && !rest[0].startsWith('-') && (await serviceCommands()).SERVICE_COMMANDS.has(rest[0])) {
    const { runServiceCommand, npmProgram } = await serviceCommands();
    return runServiceCommand(rest, process.env, npmProgram(process.execPath, process.argv[1]));
  }
  if (command === 'collector' && ['enrol-code', 'devices'].includes(rest[0] ?? '')) return runCollectorAdmin(rest, process.env);
  if (command === 'collector' && rest[0] === 'users') return runUsersAdmin(rest.slice(1), process.env, { stdin: process.stdin, stderr: process.stderr });
  if (command === 'agent' && rest[0] === 'enrol') return runAgentEnrol(rest.slice(1), process.env);
  if (command === 'loadgen') return runLoadgen(rest, process.env);
  if (command === 'notify') return runNotify(rest, process.env);
  if (command === 'user') return runUser(rest, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
  const env = process.env;
  switch (command) {
    case 'agent': {
      const parsed = parseCommand(agentCommand, rest, consoleIo, COMMANDS);
      if (typeof parsed === 'number') return parsed;
      // Shared with the agent executable: the same clean stop on SIGTERM/SIGINT (cli/agent-run.ts).
      await runAgentProcess(parsed.values.config, env);
      return -1;
    }
    case 'collector': {
      const parsed = parseCommand(collectorCommand, rest, consoleIo, COMMANDS);
      if (typeof parsed === 'number') return parsed;
      const config = await loadCollectorConfig(parsed.values.config, env);
      const log = createLogger(config.log.level, 'stationwatch-collector');
      const collector = await startCollector(config, log);
      log.info({ url: collector.url, devices: config.devices.length }, 'collector listening');
      onShutdown(() => collector.app.close());
      return -1;
    }
    case 'all-in-one': {
      const parsed = parseCommand(allInOneCommand, rest);
      if (typeof parsed === 'number') return parsed;
      const { values } = parsed;
      const log = createLogger(env.STATIONWATCH_LOG_LEVEL ?? 'info', 'stationwatch');
      const port = Number(values.port ?? env.STATIONWATCH_LISTEN_PORT ?? 9847);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError('--port', [`"${values.port}" is not a port number`]);
      const running = await runAllInOne({ host: values.host ?? env.STATIONWATCH_LISTEN_HOST ?? '127.0.0.1', port, stateDir: values['state-dir'] ?? env.STATIONWATCH_STATE_DIR ?? '.stationwatch', env }, log);
      onShutdown(() => running.close());
      console.log(`\nstationwatch is running (all-in-one): a collector and an agent for this machine.
  status page:           ${running.url}/
  metrics (Prometheus):  ${running.url}/metrics
  devices (JSON):        ${running.url}/api/devices
  service discovery:     ${running.url}/sd
  health:                ${running.url}/healthz
Press Ctrl+C to stop.\n`);
      return -1;
    }
    case 'check-config': {
      const parsed = parseCommand(checkConfigCommand, rest);
      if (typeof parsed === 'number') return parsed;
      const { values, positionals } = parsed;
      const file = positionals[0] ?? values.config;
      if (!file || positionals.length > 1) return usageError(checkConfigCommand, 'name one configuration file');
      if (values.kind !== undefined && values.kind !== 'agent' && values.kind !== 'collector') return usageError(checkConfigCommand, `--kind must be agent or collector, not "${values.kind}"`);
      const raw = await readConfigFile(file);
      const kind = values.kind ?? guessKind(raw);
      if (kind === 'agent') await resolveAgentConfig(raw, env, file);
      else await resolveCollectorConfig(raw, env, file);
      console.log(`${file}: valid ${kind} configuration`);
      return 0;
    }
    case 'generate': {
      const parsed = parseCommand(generateCommand, rest);
      if (typeof parsed === 'number') return parsed;
      return runGenerate(parsed.values);
    }
    case '--version':
    case 'version':
      console.log(VERSION);
      return 0;
    case undefined:
      console.error(usage);
      return 2;
    case 'help':
    case '--help':
    case '-h':
      console.log(usage);
      return 0;
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
