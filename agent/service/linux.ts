// systemd: install (or upgrade), remove and ask about the agent's unit. An upgrade is the same
// install again: the executable and the unit are replaced, the configuration only when a new one is
// given, the state directory (stability counters, outbox, cursors) is never touched; the restart at
// the end stops the old agent cleanly (SIGTERM) and starts the new one.
import { SERVICE_NAME, agentCommandLine, linuxLayout, type ServiceProgram } from './layout.js';
import type { ServiceRunner, Step } from './plan.js';
import { renderSystemdUnit } from './systemd-unit.js';
import type { ServiceState } from './status.js';

const UNIT = `${SERVICE_NAME}.service`;

export interface LinuxInstall {
  program: ServiceProgram;
  /** The new configuration's text, already validated; undefined keeps the installed one. */
  configText?: string;
  backupPaths: readonly string[];
  /** Probe groups that exist on this host (a missing group would keep the unit from starting). */
  groups: readonly string[];
}

export function linuxInstallPlan(req: LinuxInstall): Step[] {
  const steps: Step[] = [];
  if (req.configText !== undefined) {
    steps.push({ kind: 'mkdir', path: linuxLayout.configDir, mode: 0o755 });
    steps.push({ kind: 'write', path: linuxLayout.configFile, content: req.configText, mode: 0o600, why: 'the agent configuration with its token, readable by root only' });
  }
  // Run from the installed copy itself (a reinstall): nothing to copy.
  if (req.program.executable && req.program.executable !== linuxLayout.executable) steps.push({ kind: 'copy', from: req.program.executable, to: linuxLayout.executable, mode: 0o755, why: 'the agent executable' });
  const unit = renderSystemdUnit({
    execStart: agentCommandLine(req.program, linuxLayout.executable, '%d/agent.yaml'),
    configFile: linuxLayout.configFile,
    backupPaths: req.backupPaths,
    groups: req.groups,
  });
  steps.push({ kind: 'write', path: linuxLayout.unitFile, content: unit, mode: 0o644, why: 'the systemd unit' });
  steps.push({ kind: 'run', command: 'systemctl', args: ['daemon-reload'], why: 'load the new unit' });
  steps.push({ kind: 'run', command: 'systemctl', args: ['enable', UNIT], why: 'start at boot' });
  steps.push({ kind: 'run', command: 'systemctl', args: ['restart', UNIT], why: 'start it now; on an upgrade, stop the old agent cleanly first' });
  return steps;
}

export function linuxUninstallPlan(purge: boolean): Step[] {
  const steps: Step[] = [
    // 5: no such unit — removing what is half-installed must still work.
    { kind: 'run', command: 'systemctl', args: ['disable', '--now', UNIT], why: 'stop it cleanly and no longer start at boot', okCodes: [1, 5] },
    { kind: 'remove', path: linuxLayout.unitFile, why: 'the systemd unit' },
    { kind: 'run', command: 'systemctl', args: ['daemon-reload'], why: 'forget the unit' },
    { kind: 'run', command: 'systemctl', args: ['reset-failed', UNIT], why: 'forget its failures', okCodes: [1, 5] },
    { kind: 'remove', path: linuxLayout.executable, why: 'the agent executable' },
  ];
  if (purge) {
    steps.push({ kind: 'remove', path: linuxLayout.configDir, why: '--purge: the configuration and token' });
    for (const dir of linuxLayout.stateDirs) steps.push({ kind: 'remove', path: dir, why: '--purge: the agent state (counters, unsent reports)' });
  }
  return steps;
}

/** `systemctl show` prints Key=Value lines; an unknown unit still answers, with LoadState=not-found. */
export function parseSystemctlShow(text: string): ServiceState {
  const props = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) props.set(line.slice(0, eq), line.slice(eq + 1).trim());
  }
  const load = props.get('LoadState');
  if (!load) throw new Error(`systemctl show printed no LoadState: ${text.slice(0, 200)}`);
  const installed = load !== 'not-found';
  const active = props.get('ActiveState') ?? 'unknown';
  const pid = Number(props.get('MainPID') ?? 0);
  const details: Record<string, string> = {};
  for (const key of ['LoadState', 'ActiveState', 'SubState', 'UnitFileState', 'NRestarts', 'ExecMainStatus', 'FragmentPath']) {
    const v = props.get(key);
    if (v) details[key] = v;
  }
  return { installed, running: active === 'active', ...(pid > 0 ? { pid } : {}), state: installed ? `${active} (${props.get('SubState') ?? '?'})` : 'not installed', details };
}

export async function linuxStatus(run: ServiceRunner): Promise<ServiceState> {
  const props = ['LoadState', 'ActiveState', 'SubState', 'UnitFileState', 'MainPID', 'NRestarts', 'ExecMainStatus', 'FragmentPath'];
  const res = await run('systemctl', ['show', UNIT, `--property=${props.join(',')}`]);
  if (res.code !== 0) throw new Error(`systemctl show exited with ${res.code ?? 'a signal'}: ${res.stderr.trim().slice(0, 300)}`);
  return parseSystemctlShow(res.stdout);
}
