// macOS: a launchd daemon (/Library/LaunchDaemons), installed, upgraded, removed and asked about with
// launchctl's bootstrap/bootout/print. launchd stops a daemon with SIGTERM and sends SIGKILL only
// after ExitTimeOut, so the agent's clean stop (the stability marker, the outbox) has time to finish.
import { build } from 'plist';
import { MACOS_LABEL, agentCommandLine, macosLayout, type ServiceProgram } from './layout.js';
import type { ServiceRunner, Step } from './plan.js';
import type { ServiceState } from './status.js';

const TARGET = `system/${MACOS_LABEL}`;

export function renderLaunchdPlist(programArguments: readonly string[]): string {
  return build({
    Label: MACOS_LABEL,
    ProgramArguments: [...programArguments],
    EnvironmentVariables: { STATIONWATCH_STATE_DIR: macosLayout.dataDir },
    WorkingDirectory: macosLayout.dataDir,
    RunAtLoad: true,
    // Restart after a crash, not after a clean exit (an administrator's `launchctl kill TERM`).
    KeepAlive: { SuccessfulExit: false },
    ThrottleInterval: 10,
    ExitTimeOut: 30,
    // A good citizen: lower CPU and I/O priority than the clerk's applications. Not ProcessType
    // Background: its timer throttling would delay the 1 s heartbeat and look like freezes.
    Nice: 10,
    LowPriorityIO: true,
    LowPriorityBackgroundIO: true,
    ProcessType: 'Standard',
    Umask: 0o077,
    StandardOutPath: macosLayout.logFile,
    StandardErrorPath: macosLayout.logFile,
  });
}

export interface MacosInstall {
  program: ServiceProgram;
  configText?: string;
}

export function macosInstallPlan(req: MacosInstall): Step[] {
  const steps: Step[] = [];
  steps.push({ kind: 'mkdir', path: macosLayout.dataDir, mode: 0o700 }, { kind: 'mkdir', path: macosLayout.logDir, mode: 0o750 });
  if (req.configText !== undefined) steps.push({ kind: 'write', path: macosLayout.configFile, content: req.configText, mode: 0o600, why: 'the agent configuration with its token, readable by root only' });
  if (req.program.executable) steps.push({ kind: 'copy', from: req.program.executable, to: macosLayout.executable, mode: 0o755, why: 'the agent executable' });
  const plist = renderLaunchdPlist(agentCommandLine(req.program, macosLayout.executable, macosLayout.configFile));
  steps.push({ kind: 'write', path: macosLayout.plistFile, content: plist, mode: 0o644, why: 'the launchd daemon definition' });
  // An upgrade: unload the old definition (a clean SIGTERM stop); 3/5/113: it was not loaded.
  steps.push({ kind: 'run', command: 'launchctl', args: ['bootout', TARGET], why: 'stop the running agent, if any', okCodes: [3, 5, 36, 113] });
  steps.push({ kind: 'run', command: 'launchctl', args: ['bootstrap', 'system', macosLayout.plistFile], why: 'load and start it' });
  steps.push({ kind: 'run', command: 'launchctl', args: ['enable', TARGET], why: 'start at boot' });
  return steps;
}

export function macosUninstallPlan(purge: boolean): Step[] {
  const steps: Step[] = [
    { kind: 'run', command: 'launchctl', args: ['bootout', TARGET], why: 'stop the agent cleanly', okCodes: [3, 5, 36, 113] },
    { kind: 'remove', path: macosLayout.plistFile, why: 'the launchd daemon definition' },
    { kind: 'remove', path: macosLayout.executable, why: 'the agent executable' },
  ];
  if (purge) steps.push({ kind: 'remove', path: macosLayout.dataDir, why: '--purge: configuration, token and state' }, { kind: 'remove', path: macosLayout.logDir, why: '--purge: logs' });
  return steps;
}

/** `launchctl print system/<label>`: "state = running" and "pid = 123" among many lines. */
export function parseLaunchctlPrint(text: string): ServiceState {
  const state = /^\s*state = (.+)$/m.exec(text)?.[1]?.trim() ?? 'unknown';
  const pid = Number(/^\s*pid = (\d+)$/m.exec(text)?.[1] ?? 0);
  const lastExit = /^\s*last exit code = (.+)$/m.exec(text)?.[1]?.trim();
  const details: Record<string, string> = { state };
  if (lastExit) details['last exit code'] = lastExit;
  return { installed: true, running: state === 'running', ...(pid > 0 ? { pid } : {}), state, details };
}

export async function macosStatus(run: ServiceRunner): Promise<ServiceState> {
  const res = await run('launchctl', ['print', TARGET]);
  // 113: "Could not find service" — not loaded.
  if (res.code !== 0) return { installed: false, running: false, state: 'not installed', details: { launchctl: (res.stderr.trim() || res.stdout.trim()).slice(0, 200) } };
  return parseLaunchctlPrint(res.stdout);
}
