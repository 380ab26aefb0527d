// Imported FIRST by the CLI entry points (cli/stationwatch.ts, cli/agent-exe.ts): for
// `stationwatch agent …` the process re-executes itself with the agent's V8 flags (agent/lean-v8.ts)
// before any other module is loaded, so nothing is loaded twice and the pid stays the same.
import { isSea } from 'node:sea';
import { relaunchWithAgentV8Flags } from '../agent/lean-v8.js';

if (process.argv[2] === 'agent') {
  relaunchWithAgentV8Flags({
    platform: process.platform,
    execPath: process.execPath,
    execArgv: process.execArgv,
    argv: process.argv,
    isSea: isSea(),
    // Experimental in Node.js 24; POSIX only (absent on Windows).
    ...(typeof process.execve === 'function' ? { execve: (file: string, args: string[]) => process.execve!(file, args, process.env) } : {}),
  });
}
