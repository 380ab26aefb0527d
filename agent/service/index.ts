// agent/service — the agent as a background service: a systemd unit (Linux), a WinSW service
// (Windows) and a launchd daemon (macOS). Each platform computes a plan of steps (plan.ts) that the
// CLI prints or carries out; the service manager's commands go through an injectable runner.
import { access, readFile } from 'node:fs/promises';
import { dirname, join, win32 } from 'node:path';
import { backupLocations, linuxLayout, macosLayout, windowsLayout, type ServiceProgram } from './layout.js';
import { linuxInstallPlan, linuxStatus, linuxUninstallPlan } from './linux.js';
import { macosInstallPlan, macosStatus, macosUninstallPlan } from './macos.js';
import type { ServiceRunner, Step } from './plan.js';
import { PROBE_GROUPS } from './systemd-unit.js';
import type { ServiceState } from './status.js';
import { windowsInstallPlan, windowsStatus, windowsUninstallPlan } from './windows.js';

export type ServicePlatform = 'linux' | 'win32' | 'darwin';

export function servicePlatform(platform: NodeJS.Platform): ServicePlatform {
  if (platform === 'linux' || platform === 'win32' || platform === 'darwin') return platform;
  throw new Error(`the agent cannot be installed as a service on ${platform} (Linux with systemd, Windows and macOS can)`);
}

export interface ServiceContext {
  platform: ServicePlatform;
  run: ServiceRunner;
  env: NodeJS.ProcessEnv;
  /** File-system prefix for tests ('/' in real use). */
  root: string;
}

/** Where the installed configuration is: install without --config keeps (and re-checks) it. */
export function installedConfigFile(ctx: ServiceContext): string {
  if (ctx.platform === 'win32') return windowsLayout(ctx.env).configFile;
  return ctx.platform === 'darwin' ? macosLayout.configFile : linuxLayout.configFile;
}

export function rooted(ctx: ServiceContext, path: string): string {
  return ctx.root === '/' ? path : join(ctx.root, path);
}

/** The probe groups this host has: systemd refuses to start a unit naming a group that does not exist. */
export function presentGroups(etcGroup: string): string[] {
  const names = new Set(etcGroup.split('\n').map((l) => l.split(':')[0]?.trim()));
  return Object.keys(PROBE_GROUPS).filter((g) => names.has(g));
}

export async function serviceStatus(ctx: ServiceContext): Promise<ServiceState> {
  if (ctx.platform === 'linux') return linuxStatus(ctx.run);
  if (ctx.platform === 'darwin') return macosStatus(ctx.run);
  return windowsStatus(ctx.run, windowsLayout(ctx.env));
}

export interface InstallRequest {
  program: ServiceProgram;
  /** Validated configuration text to install, or undefined to keep the installed one. */
  configText?: string;
  /** The configuration that will be in force (new or kept), for the backup folders it names. */
  config: { probes: Record<string, { settings?: Record<string, unknown> } | undefined> };
}

export async function planInstall(ctx: ServiceContext, req: InstallRequest): Promise<Step[]> {
  const configText = req.configText !== undefined ? { configText: req.configText } : {};
  if (ctx.platform === 'linux') {
    const etcGroup = await readFile(rooted(ctx, '/etc/group'), 'utf8').catch(() => '');
    return linuxInstallPlan({ program: req.program, ...configText, backupPaths: backupLocations(req.config), groups: presentGroups(etcGroup) });
  }
  if (ctx.platform === 'darwin') return macosInstallPlan({ program: req.program, ...configText });
  // WinSW comes with the win-x64 package, beside stationwatch.exe (see packaging/README.md).
  const from = req.program.executable ? win32.dirname(req.program.executable) : dirname(req.program.args[0] ?? '.');
  const wrapperSource = { exe: win32.join(from, 'stationwatch-agent.exe'), config: win32.join(from, 'stationwatch-agent.exe.config') };
  try {
    await access(rooted(ctx, wrapperSource.exe));
  } catch {
    throw new Error(`WinSW (the service wrapper) is not at ${wrapperSource.exe}: install from the win-x64 package (npm run package), which has it beside stationwatch.exe`);
  }
  return windowsInstallPlan({ program: req.program, layout: windowsLayout(ctx.env), wrapperSource, ...configText, current: await serviceStatus(ctx) });
}

export async function planUninstall(ctx: ServiceContext, program: ServiceProgram, purge: boolean): Promise<Step[]> {
  if (ctx.platform === 'linux') return linuxUninstallPlan(purge);
  if (ctx.platform === 'darwin') return macosUninstallPlan(purge);
  return windowsUninstallPlan(windowsLayout(ctx.env), await serviceStatus(ctx), program, purge);
}

export { describeStep, executePlan, systemRunner, StepFailed, type ServiceRunner, type Step } from './plan.js';
export { formatStatus, statusExitCode, type ServiceState } from './status.js';
export type { ServiceProgram } from './layout.js';
