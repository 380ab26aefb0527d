// Imported FIRST by the CLI entry points (cli/stationwatch.ts, cli/agent-exe.ts), so that for
// `stationwatch agent …` the agent's V8 settings (agent/lean-v8.ts) hold before any other module is
// loaded: set after the CommonJS packages (pino, yaml) were imported they saved a sixth as much
// (measured, see there).
import { applyAgentV8Flags } from '../agent/lean-v8.js';

if (process.argv[2] === 'agent') applyAgentV8Flags();
