// V8 settings for the long-running agent process, applied by the process itself as it starts
// (cli/lean-v8-early.ts, before any other module loads) so they hold however it was launched: the systemd unit, launchd, WinSW, the
// self-contained executable (whose Node.js reads no command-line flags of ours) or `stationwatch agent`.
//
// Why: the agent runs a few milliseconds of JavaScript every 15 s. V8's optimising tiers and their
// compiled code buy nothing at that duty cycle but cost resident memory. Lite mode interprets only and
// allocates feedback lazily. Measured on this repository's agent at default intervals, median RSS over
// 30-60 s (bare `node -e setInterval` ≈ 39.5 MiB): 61.7-63.4 MiB without, 56.1-56.9 MiB with the
// flag set before anything else loads, CPU unchanged within noise. Set later — after the CLI had
// imported pino and yaml — it saved about 1 MiB only, hence cli/lean-v8-early.ts and the deferred
// imports in cli/stationwatch.ts. (--max-semi-space-size=1 set this way measured no different.)
//
// Not used for the collector (its hot request paths need the optimising compiler) nor in the
// all-in-one process. v8.setFlagsFromString after start-up is "behaviour undefined" for flags in
// general; lite mode only steers later compilation, and every integration test that starts an agent
// runs it with the flag. The self-contained executable sets it the same way (cli/agent-exe.ts), not
// yet measured there.
import { setFlagsFromString } from 'node:v8';

export const AGENT_V8_FLAGS = ['--lite-mode'] as const;

export function applyAgentV8Flags(): void {
  for (const flag of AGENT_V8_FLAGS) setFlagsFromString(flag);
}
