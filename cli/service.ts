// `stationwatch agent install-service | uninstall-service | service-status`: one step each. install
// checks the configuration first (a bad one changes nothing), then installs or upgrades: executable
// and service definition replaced, configuration replaced only when --config is given, state kept.
import { existsSync, realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseConfigText } from '../common/config-file.js';
import { resolveAgentConfig } from '../agent/config.js';
import {
  describeStep,
  executePlan,
  formatStatus,
  installedConfigFile,
  planInstall,
  planUninstall,
  rooted,
  servicePlatform,
  serviceStatus,
  statusExitCode,
  systemRunner,
  type ServiceContext,
  type ServiceProgram,
  type ServiceRunner,
} from '../agent/service/index.js';
import { installServiceCommand, serviceStatusCommand, uninstallServiceCommand } from './commands.js';
import { parseCommand, usageError } from './usage.js';

export const SERVICE_COMMANDS = new Set(['install-service', 'uninstall-service', 'service-status']);

export interface ServiceIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Overrides for tests: a recording runner, a scratch root, another platform, no root check. */
  run?: ServiceRunner;
  root?: string;
  platform?: NodeJS.Platform;
  isAdmin?: boolean;
}

/**
 * The agent run from a Node.js installation (npm): the service starts node with this CLI script,
 * found through any bin symlink so the service keeps working when npm's link is replaced.
 */
export function npmProgram(node: string, script: string | undefined): ServiceProgram {
  if (!script) throw new Error('cannot tell which script is running: start it as `node dist/cli/stationwatch.js agent install-service`');
  return { command: node, args: [realpathSync(script)] };
}

const defaultIo: ServiceIo = { out: (l) => console.log(l), err: (l) => console.error(l) };

/** The service runs with none of the installer's STATIONWATCH_* variables: check the file alone. */
async function checkedConfig(file: string, label: string): Promise<{ text: string; config: ReturnType<typeof resolveAgentConfig> }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${label} ${file}: ${(err as Error).message}`);
  }
  return { text, config: resolveAgentConfig(parseConfigText(text, file), {}, file) };
}

export async function runServiceCommand(args: string[], env: NodeJS.ProcessEnv, program: ServiceProgram, io: ServiceIo = defaultIo): Promise<number> {
  const [sub, ...rest] = args;
  const ctx: ServiceContext = { platform: servicePlatform(io.platform ?? process.platform), run: io.run ?? systemRunner, env, root: io.root ?? '/' };

  if (sub === 'service-status') {
    const parsed = parseCommand(serviceStatusCommand, rest, io);
    if (typeof parsed === 'number') return parsed;
    const state = await serviceStatus(ctx);
    io.out(formatStatus(state));
    return statusExitCode(state);
  }

  if (sub !== 'install-service' && sub !== 'uninstall-service') throw new Error(`unknown service command "agent ${sub ?? ''}"`);
  const parsed = sub === 'install-service' ? parseCommand(installServiceCommand, rest, io) : parseCommand(uninstallServiceCommand, rest, io);
  if (typeof parsed === 'number') return parsed;
  const values: { config?: string; 'dry-run'?: boolean; purge?: boolean } = parsed.values;
  const dryRun = values['dry-run'] === true;
  const isAdmin = io.isAdmin ?? (typeof process.getuid !== 'function' || process.getuid() === 0);
  if (!dryRun && !isAdmin) {
    io.err(`stationwatch agent ${sub} changes system services: run it as root (sudo), or add --dry-run to see what it would do`);
    return 1;
  }

  let steps;
  if (sub === 'install-service') {
    const installed = installedConfigFile(ctx);
    // Without --config the installed configuration stays, checked again against this version.
    const file = values.config !== undefined ? resolve(values.config) : rooted(ctx, installed);
    if (values.config === undefined && !existsSync(file)) {
      return usageError(installServiceCommand, `no configuration is installed yet (${installed}): give one with --config FILE`, io);
    }
    const checked = await checkedConfig(file, values.config !== undefined ? 'the configuration' : 'the installed configuration');
    steps = await planInstall(ctx, { program, ...(values.config !== undefined ? { configText: checked.text } : {}), config: checked.config });
  } else {
    steps = await planUninstall(ctx, program, values.purge === true);
  }

  if (dryRun) {
    io.out(`stationwatch agent ${sub} would:`);
    for (const s of steps) io.out(`  - ${describeStep(s)}`);
    return 0;
  }
  await executePlan(steps, { run: ctx.run, root: ctx.root, onStep: (s) => io.out(`  - ${describeStep(s)}`) });
  if (sub === 'install-service') {
    const state = await serviceStatus(ctx);
    io.out(formatStatus(state));
    return state.running ? 0 : 1;
  }
  io.out(values.purge ? 'removed, with its configuration and state' : `removed; its configuration (${installedConfigFile(ctx)}) and state are kept for a reinstall (--purge deletes them)`);
  return 0;
}
