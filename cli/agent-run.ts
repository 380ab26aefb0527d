// Running the agent as a long-lived process, the same under `stationwatch agent` (npm) and the
// self-contained executable: load the configuration, start, and stop cleanly on SIGTERM (systemd,
// launchd) or SIGINT (Ctrl+C, which is how WinSW stops a Windows service). A clean stop lets every
// probe finish (the stability probe writes its clean-shutdown marker) and keeps unsent reports on disk.
import { createLogger } from '../common/logger.js';
import { loadAgentConfig } from '../agent/config.js';
import { startAgent } from '../agent/agent.js';
import { killAllChildren } from '../agent/exec/children.js';

/**
 * The process is gone within 5 s of SIGTERM/SIGINT whatever its probes and their children do (the
 * agent's own stop budget is 3.5 s; this is the backstop). Far below systemd's TimeoutStopSec and
 * WinSW's stoptimeout: we stop ourselves, we are never killed.
 */
const STOP_DEADLINE_MS = 4500;

/**
 * For tests only: a procfs root other than /proc, so an integration test can give the agent a boot
 * id of its choosing and simulate a reboot. Not part of the configuration on purpose.
 */
export const TEST_PROC_ROOT_ENV = 'STATIONWATCH_TEST_PROC_ROOT';

export async function runAgentProcess(configFile: string | undefined, env: NodeJS.ProcessEnv): Promise<void> {
  const config = await loadAgentConfig(configFile, env);
  const log = createLogger(config.log.level, 'stationwatch-agent');
  const procRoot = env[TEST_PROC_ROOT_ENV];
  const agent = await startAgent(config, { log, ...(procRoot ? { procRoot } : {}) });
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    const deadline = setTimeout(() => {
      log.error({ afterMs: STOP_DEADLINE_MS }, 'the agent did not stop in time; exiting anyway');
      killAllChildren();
      process.exit(1);
    }, STOP_DEADLINE_MS);
    deadline.unref();
    agent.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err: err instanceof Error ? err.message : String(err) }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
