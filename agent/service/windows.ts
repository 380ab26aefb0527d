// Windows: install (or upgrade), remove and ask about the agent's service through WinSW (see
// winsw-xml.ts for why WinSW). Configuration and state live in %ProgramData%\stationwatch, closed
// to everyone but SYSTEM and Administrators because the configuration holds the device token;
// the executables live in %ProgramFiles%\stationwatch. An upgrade stops the old agent (Ctrl+C: a
// clean stop) before replacing the executables, which Windows keeps locked while they run.
import { win32 } from 'node:path';
import { agentCommandLine, type ServiceProgram, type WindowsLayout } from './layout.js';
import { CommandNotFound } from '../exec/run-command.js';
import type { ServiceRunner, Step } from './plan.js';
import type { ServiceState } from './status.js';
import { renderWinswXml } from './winsw-xml.js';

/** Well-known SIDs, not names: group names are translated on a Chinese Windows ("Administrators"). */
const SYSTEM_SID = '*S-1-5-18';
const ADMINISTRATORS_SID = '*S-1-5-32-544';

function isInstalledCopy(program: ServiceProgram, layout: WindowsLayout): boolean {
  return program.executable !== undefined && win32.resolve(program.executable).toLowerCase() === layout.executable.toLowerCase();
}

export interface WindowsInstall {
  program: ServiceProgram;
  layout: WindowsLayout;
  /** WinSW and its .exe.config, as `npm run package` puts them beside stationwatch.exe. */
  wrapperSource: { exe: string; config: string };
  configText?: string;
  current: ServiceState;
}

export function windowsInstallPlan(req: WindowsInstall): Step[] {
  const { layout } = req;
  const steps: Step[] = [];
  if (req.current.running) steps.push({ kind: 'run', command: layout.wrapper, args: ['stop'], why: 'stop the running agent cleanly before replacing it' });
  steps.push({ kind: 'mkdir', path: layout.dataDir }, { kind: 'mkdir', path: layout.logDir });
  steps.push({
    kind: 'run',
    command: 'icacls.exe',
    args: [layout.dataDir, '/inheritance:r', '/grant:r', `${SYSTEM_SID}:(OI)(CI)F`, `${ADMINISTRATORS_SID}:(OI)(CI)F`, '/T', '/Q'],
    why: 'configuration (token) and state readable by SYSTEM and Administrators only',
  });
  if (req.configText !== undefined) steps.push({ kind: 'write', path: layout.configFile, content: req.configText, mode: 0o600, why: 'the agent configuration with its token' });
  // Run from the installed copy itself (a reinstall): nothing to copy, and Windows would refuse anyway.
  if (req.program.executable && !isInstalledCopy(req.program, layout)) steps.push({ kind: 'copy', from: req.program.executable, to: layout.executable, mode: 0o755, why: 'the agent executable' });
  steps.push({ kind: 'copy', from: req.wrapperSource.exe, to: layout.wrapper, mode: 0o755, why: 'WinSW, the service wrapper' });
  steps.push({ kind: 'copy', from: req.wrapperSource.config, to: layout.wrapperConfig, mode: 0o644, why: "WinSW's .NET runtime selection" });
  const [executable, ...args] = agentCommandLine(req.program, layout.executable, layout.configFile);
  steps.push({ kind: 'write', path: layout.wrapperXml, content: renderWinswXml({ layout, executable: executable!, args }), mode: 0o644, why: 'the service definition' });
  if (!req.current.installed) steps.push({ kind: 'run', command: layout.wrapper, args: ['install'], why: 'register the service (automatic start, restart on failure)' });
  steps.push({ kind: 'run', command: layout.wrapper, args: ['start'], why: 'start the agent' });
  return steps;
}

export function windowsUninstallPlan(layout: WindowsLayout, current: ServiceState, program: ServiceProgram, purge: boolean): Step[] {
  const steps: Step[] = [];
  if (current.running) steps.push({ kind: 'run', command: layout.wrapper, args: ['stop'], why: 'stop the agent cleanly' });
  if (current.installed) steps.push({ kind: 'run', command: layout.wrapper, args: ['uninstall'], why: 'unregister the service' });
  for (const file of [layout.wrapper, layout.wrapperConfig, layout.wrapperXml]) steps.push({ kind: 'remove', path: file, why: 'the service wrapper' });
  // A running executable cannot be deleted on Windows: when that is us, the folder stays.
  if (!isInstalledCopy(program, layout)) steps.push({ kind: 'remove', path: layout.executable, why: 'the agent executable' });
  if (purge) steps.push({ kind: 'remove', path: layout.dataDir, why: '--purge: configuration, token, state and logs' });
  return steps;
}

/** WinSW's `status` prints one word: Started, Stopped or NonExistent. */
export function parseWinswStatus(stdout: string): ServiceState {
  const word = stdout.trim().split(/\s+/).pop() ?? '';
  if (word === 'NonExistent') return { installed: false, running: false, state: 'not installed', details: { WinSW: word } };
  if (word === 'Started' || word === 'Stopped') return { installed: true, running: word === 'Started', state: word, details: { WinSW: word } };
  throw new Error(`WinSW status printed something unexpected: ${stdout.trim().slice(0, 200)}`);
}

export async function windowsStatus(run: ServiceRunner, layout: WindowsLayout): Promise<ServiceState> {
  try {
    const res = await run(layout.wrapper, ['status']);
    return parseWinswStatus(res.stdout);
  } catch (err) {
    // No wrapper where the service would have it: never installed by us, or removed.
    if (err instanceof CommandNotFound) return { installed: false, running: false, state: 'not installed', details: { wrapper: `${layout.wrapper} not found` } };
    throw err;
  }
}
