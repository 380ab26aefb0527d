// Entry point of the self-contained agent executable (`npm run package`: bundled into one CommonJS
// file and injected into a Node.js binary). It carries the workstation's commands only: the
// collector's (SQLite, a native addon) stays in the npm package, so the executable has no native code.
import './lean-v8-early.js';
import { ConfigError, readConfigFile } from '../common/config-file.js';
import { VERSION } from '../common/version.js';
import { resolveAgentConfig } from '../agent/config.js';
import { runAgentProcess } from './agent-run.js';
import { runBackup } from './backup.js';
import { runAgentEnrol } from './agent-enrol.js';
import { SERVICE_COMMANDS, runServiceCommand } from './service.js';
import { AGENT_EXE_COMMANDS, agentCommand, checkAgentConfigCommand } from './commands.js';
import { consoleIo, formatGroupUsage, parseCommand, usageError } from './usage.js';

// The executable's own list (no collector commands), from the same descriptions as `stationwatch`.
const usage = `${formatGroupUsage(AGENT_EXE_COMMANDS, '', `stationwatch ${VERSION} (agent executable) — workstation health monitor`)}
stationwatch --version prints the version.`;

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
  if (command === 'help' && rest.length > 0) return main([...rest, '--help']);
  const env = process.env;
  if (command === 'agent' && rest[0] !== undefined && SERVICE_COMMANDS.has(rest[0])) {
    return runServiceCommand(rest, env, { executable: process.execPath, command: process.execPath, args: [] });
  }
  if (command === 'backup') return runBackup(rest, env);
  if (command === 'agent' && rest[0] === 'enrol') return runAgentEnrol(rest.slice(1), env);
  switch (command) {
    case 'agent': {
      const parsed = parseCommand(agentCommand, rest, consoleIo, AGENT_EXE_COMMANDS);
      if (typeof parsed === 'number') return parsed;
      await runAgentProcess(parsed.values.config, env);
      return -1;
    }
    case 'check-config': {
      const parsed = parseCommand(checkAgentConfigCommand, rest);
      if (typeof parsed === 'number') return parsed;
      const file = parsed.positionals[0] ?? parsed.values.config;
      if (!file || parsed.positionals.length > 1) return usageError(checkAgentConfigCommand, 'name one configuration file');
      resolveAgentConfig(await readConfigFile(file), env, file);
      console.log(`${file}: valid agent configuration`);
      return 0;
    }
    case 'version':
    case '--version':
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
    console.error(err instanceof ConfigError ? err.message : `stationwatch: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
