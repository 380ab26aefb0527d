// Entry point of the self-contained agent executable (`npm run package`: bundled into one CommonJS
// file and injected into a Node.js binary). It carries the workstation's commands only: the
// collector's (SQLite, a native addon) stays in the npm package, so the executable has no native code.
import './lean-v8-early.js';
import { parseArgs } from 'node:util';
import { ConfigError, readConfigFile } from '../common/config-file.js';
import { VERSION } from '../common/version.js';
import { resolveAgentConfig } from '../agent/config.js';
import { runAgentProcess } from './agent-run.js';
import { runBackup } from './backup.js';
import { runAgentEnrol } from './agent-enrol.js';
import { SERVICE_COMMANDS, runServiceCommand, serviceUsage } from './service.js';

const usage = `stationwatch ${VERSION} (agent executable) — workstation health monitor

usage:
  stationwatch agent --config agent.yaml      run the agent in the foreground
${serviceUsage.replace(/^usage:\n/, '')}
  stationwatch check-config agent.yaml        report every problem in an agent configuration
  stationwatch agent enrol --code CODE [--collector URL] [--config agent.yaml]
                                              trade a one-time code for this device's token
  stationwatch backup report|verify …         report a backup run to the agent; verify backup files
  stationwatch --version
`;

/**
 * The backup verification runs in a child process forked from "the script beside it", which in the
 * executable is the executable itself (packaging/build.ts): fork() passes its own path last and
 * opens an IPC channel. Node options fork puts first (a heap limit) are not read by an executable.
 */
function forkedAsVerificationChild(argv: string[]): boolean {
  // process.send exists only with an IPC channel (Node removes NODE_CHANNEL_FD from the environment).
  return typeof process.send === 'function' && argv.at(-1) === process.execPath;
}

async function main(argv: string[]): Promise<number> {
  if (forkedAsVerificationChild(argv)) {
    await import('../agent/backup/verify-child.js');
    return -1;
  }
  const [command, ...rest] = argv;
  const env = process.env;
  if (command === 'agent' && rest[0] !== undefined && SERVICE_COMMANDS.has(rest[0])) {
    return runServiceCommand(rest, env, { executable: process.execPath, command: process.execPath, args: [] });
  }
  if (command === 'backup') return runBackup(rest, env);
  if (command === 'agent' && rest[0] === 'enrol') return runAgentEnrol(rest.slice(1), env);
  switch (command) {
    case 'agent': {
      const { values } = parseArgs({ args: rest, options: { config: { type: 'string', short: 'c' } } });
      await runAgentProcess(values.config, env);
      return -1;
    }
    case 'check-config': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { config: { type: 'string', short: 'c' } } });
      const file = positionals[0] ?? values.config;
      if (!file) {
        console.error('check-config needs a file: stationwatch check-config FILE');
        return 2;
      }
      resolveAgentConfig(await readConfigFile(file), env, file);
      console.log(`${file}: valid agent configuration`);
      return 0;
    }
    case 'version':
    case '--version':
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
    console.error(err instanceof ConfigError ? err.message : `stationwatch: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
