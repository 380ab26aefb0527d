// The macOS launchd daemon: the plist read back by two independent parsers (the plist package and
// Python's plistlib, which follows Apple's DTD), and the launchctl plans. macOS cannot run here.
import { execFile } from 'node:child_process';
import { parse } from 'plist';
import { describe, expect, it } from 'vitest';
import { macosLayout } from '../../agent/service/layout.js';
import { macosInstallPlan, macosUninstallPlan, parseLaunchctlPrint, renderLaunchdPlist } from '../../agent/service/macos.js';

const args = [macosLayout.executable, 'agent', '--config', macosLayout.configFile];

describe('launchd daemon plist', () => {
  const xml = renderLaunchdPlist(args);

  it('is an Apple XML plist that Python\'s plistlib reads to the same values', async () => {
    expect(xml).toContain('<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">');
    const child = execFile('python3', ['-c', 'import json,plistlib,sys; print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))'], { timeout: 20_000 });
    let out = '';
    let errText = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (errText += b.toString()));
    const spawned = new Promise<void>((resolve, reject) => child.on('error', () => reject(new Error('python3 is missing: install the Debian package python3'))).on('exit', () => resolve()));
    child.stdin!.end(xml);
    await spawned;
    expect(errText).toBe('');
    expect(JSON.parse(out)).toEqual(parse(xml));
  });

  it('runs the agent at boot as a daemon, restarts it after a crash only, gives it 30 s to stop', () => {
    const p = parse(xml) as Record<string, unknown>;
    expect(p.Label).toBe('stationwatch.agent');
    expect(p.ProgramArguments).toEqual(['/usr/local/bin/stationwatch', 'agent', '--config', '/Library/Application Support/stationwatch/agent.yaml']);
    expect(p.RunAtLoad).toBe(true);
    expect(p.KeepAlive).toEqual({ SuccessfulExit: false });
    expect(p.ExitTimeOut).toBe(30);
    expect(p.EnvironmentVariables).toEqual({ STATIONWATCH_STATE_DIR: '/Library/Application Support/stationwatch' });
    expect(p.StandardOutPath).toBe('/Library/Logs/stationwatch/agent.log');
  });

  it('runs at low CPU and I/O priority, but not as a throttled Background process', () => {
    const p = parse(xml) as Record<string, unknown>;
    expect(p.Nice).toBe(10);
    expect(p.LowPriorityIO).toBe(true);
    expect(p.LowPriorityBackgroundIO).toBe(true);
    expect(p.ProcessType).toBe('Standard');
    expect(p.Umask).toBe(0o077);
  });
});

describe('launchctl plans', () => {
  it('install writes the root-only configuration and the plist, then boots out the old daemon and bootstraps the new', () => {
    const steps = macosInstallPlan({ program: { executable: '/Users/it/Downloads/stationwatch', command: '/Users/it/Downloads/stationwatch', args: [] }, configText: 'site: a\n' });
    expect(steps.find((s) => s.kind === 'write' && s.path === macosLayout.configFile)).toMatchObject({ mode: 0o600 });
    const runs = steps.flatMap((s) => (s.kind === 'run' ? [[s.command, ...s.args].join(' ')] : []));
    expect(runs).toEqual(['launchctl bootout system/stationwatch.agent', `launchctl bootstrap system ${macosLayout.plistFile}`, 'launchctl enable system/stationwatch.agent']);
  });

  it('uninstall keeps configuration and state unless --purge', () => {
    const removed = (purge: boolean) => macosUninstallPlan(purge).flatMap((s) => (s.kind === 'remove' ? [s.path] : []));
    expect(removed(false)).not.toContain(macosLayout.dataDir);
    expect(removed(true)).toContain(macosLayout.dataDir);
  });

  it('reads state and pid from launchctl print', () => {
    // Shape of `launchctl print system/<label>` output (macOS 13), trimmed: synthesised from launchctl(1)'s format.
    const text = 'system/stationwatch.agent = {\n\tactive count = 1\n\tpath = /Library/LaunchDaemons/stationwatch.agent.plist\n\ttype = LaunchDaemon\n\tstate = running\n\n\tprogram = /usr/local/bin/stationwatch\n\tpid = 412\n\tlast exit code = (never exited)\n}\n';
    expect(parseLaunchctlPrint(text)).toMatchObject({ installed: true, running: true, pid: 412, state: 'running' });
    expect(parseLaunchctlPrint(text.replace('state = running', 'state = not running').replace('\tpid = 412\n', ''))).toMatchObject({ running: false });
  });
});
