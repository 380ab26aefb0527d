// The Windows service: WinSW's XML definition and the install/upgrade/uninstall plans. Windows
// cannot run here; the XML is parsed back and asserted, and the integration test (package.test.ts)
// checks every element name against the WinSW binary that is shipped.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runServiceCommand } from '../../cli/service.js';
import { windowsLayout } from '../../agent/service/layout.js';
import { parseWinswStatus, windowsInstallPlan, windowsUninstallPlan } from '../../agent/service/windows.js';
import { renderWinswXml, windowsArg } from '../../agent/service/winsw-xml.js';
import type { ServiceState } from '../../agent/service/status.js';

const env = { ProgramFiles: 'C:\\Program Files', ProgramData: 'C:\\ProgramData' };
const layout = windowsLayout(env);
const program = { executable: 'C:\\Users\\it\\Downloads\\stationwatch-win-x64\\stationwatch.exe', command: 'C:\\Users\\it\\Downloads\\stationwatch-win-x64\\stationwatch.exe', args: [] };
const wrapperSource = { exe: 'C:\\Users\\it\\Downloads\\stationwatch-win-x64\\stationwatch-agent.exe', config: 'C:\\Users\\it\\Downloads\\stationwatch-win-x64\\stationwatch-agent.exe.config' };
const absent: ServiceState = { installed: false, running: false, state: 'not installed', details: {} };
const running: ServiceState = { installed: true, running: true, state: 'Started', details: {} };

describe('WinSW service definition', () => {
  const xml = renderWinswXml({ layout, executable: layout.executable, args: ['agent', '--config', layout.configFile] });
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml) as { service: Record<string, unknown> };
  const s = doc.service;

  it('is well-formed XML with a declaration and Windows line endings', () => {
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\r\n')).toBe(true);
    expect(xml.replace(/\r\n/g, '')).not.toContain('\n');
  });

  it('runs stationwatch.exe from Program Files with its configuration and state under ProgramData', () => {
    expect(s.id).toBe('stationwatch-agent');
    expect(s.executable).toBe('C:\\Program Files\\stationwatch\\stationwatch.exe');
    expect(s.arguments).toBe('agent --config C:\\ProgramData\\stationwatch\\agent.yaml');
    expect(s.workingdirectory).toBe('C:\\ProgramData\\stationwatch');
    expect(s.env).toEqual({ name: 'STATIONWATCH_STATE_DIR', value: 'C:\\ProgramData\\stationwatch' });
    expect(s.startmode).toBe('Automatic');
  });

  it('restarts on failure, stops with time to finish, runs below normal priority, logs to rolled files', () => {
    expect(s.onfailure).toEqual([
      { action: 'restart', delay: '10 sec' },
      { action: 'restart', delay: '30 sec' },
      { action: 'restart', delay: '60 sec' },
    ]);
    expect(s.resetfailure).toBe('1 hour');
    expect(s.stoptimeout).toBe('30 sec');
    expect(s.stopparentprocessfirst).toBe(true);
    expect(s.priority).toBe('BelowNormal');
    expect(s.logpath).toBe('C:\\ProgramData\\stationwatch\\logs');
    expect(s.log).toEqual({ mode: 'roll-by-size', sizeThreshold: 10240, keepFiles: 8 });
  });

  it('escapes what XML and the command line need escaped', () => {
    const odd = renderWinswXml({ layout: windowsLayout({ ProgramFiles: 'D:\\Apps & Tools', ProgramData: 'D:\\Data' }), executable: 'D:\\Apps & Tools\\stationwatch\\stationwatch.exe', args: ['agent', '--config', 'D:\\My "Config"\\a.yaml'] });
    expect(XMLValidator.validate(odd)).toBe(true);
    const parsed = new XMLParser({ processEntities: true }).parse(odd) as { service: { executable: string; arguments: string } };
    expect(parsed.service.executable).toBe('D:\\Apps & Tools\\stationwatch\\stationwatch.exe');
    expect(parsed.service.arguments).toBe('agent --config "D:\\My \\"Config\\"\\a.yaml"');
  });

  it('quotes command-line words as CommandLineToArgvW reads them', () => {
    expect(windowsArg('C:\\ProgramData\\stationwatch\\agent.yaml')).toBe('C:\\ProgramData\\stationwatch\\agent.yaml');
    expect(windowsArg('C:\\Program Files\\x.yaml')).toBe('"C:\\Program Files\\x.yaml"');
    expect(windowsArg('C:\\dir with space\\')).toBe('"C:\\dir with space\\\\"');
    expect(windowsArg('')).toBe('""');
  });
});

describe('Windows install, upgrade and uninstall plans', () => {
  it('a first install: data folder closed to SYSTEM and Administrators (by SID), files, register, start', () => {
    const steps = windowsInstallPlan({ program, layout, wrapperSource, configText: 'site: a\n', current: absent });
    const runs = steps.filter((s) => s.kind === 'run').map((s) => (s.kind === 'run' ? [s.command, ...s.args].join(' ') : ''));
    expect(runs).toEqual([
      'icacls.exe C:\\ProgramData\\stationwatch /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F /T /Q',
      'C:\\Program Files\\stationwatch\\stationwatch-agent.exe install',
      'C:\\Program Files\\stationwatch\\stationwatch-agent.exe start',
    ]);
    const files = steps.flatMap((s) => (s.kind === 'write' ? [s.path] : s.kind === 'copy' ? [s.to] : []));
    expect(files).toEqual([layout.configFile, layout.executable, layout.wrapper, layout.wrapperConfig, layout.wrapperXml]);
    // The permissions come before the token is written, so the file inherits them.
    expect(steps.findIndex((s) => s.kind === 'run' && s.command === 'icacls.exe')).toBeLessThan(steps.findIndex((s) => s.kind === 'write' && s.path === layout.configFile));
  });

  it('an upgrade stops the running agent before replacing its (locked) executables and keeps the configuration', () => {
    const steps = windowsInstallPlan({ program, layout, wrapperSource, current: running });
    expect(steps[0]).toMatchObject({ kind: 'run', command: layout.wrapper, args: ['stop'] });
    expect(steps.some((s) => s.kind === 'write' && s.path === layout.configFile)).toBe(false);
    expect(steps.some((s) => s.kind === 'run' && s.args[0] === 'install')).toBe(false);
    expect(steps.at(-1)).toMatchObject({ kind: 'run', command: layout.wrapper, args: ['start'] });
  });

  it('a reinstall run from the installed stationwatch.exe does not try to replace itself', () => {
    const steps = windowsInstallPlan({ program: { ...program, executable: 'c:\\program files\\stationwatch\\STATIONWATCH.EXE' }, layout, wrapperSource, current: running });
    expect(steps.some((s) => s.kind === 'copy' && s.to === layout.executable)).toBe(false);
  });

  it('uninstall keeps configuration and state unless --purge, and never deletes the running executable', () => {
    const own = { ...program, executable: layout.executable };
    const steps = windowsUninstallPlan(layout, running, own, false);
    expect(steps.filter((s) => s.kind === 'run').map((s) => (s.kind === 'run' ? s.args[0] : ''))).toEqual(['stop', 'uninstall']);
    const removed = steps.flatMap((s) => (s.kind === 'remove' ? [s.path] : []));
    expect(removed).not.toContain(layout.executable);
    expect(removed).not.toContain(layout.dataDir);
    expect(windowsUninstallPlan(layout, running, program, true).flatMap((s) => (s.kind === 'remove' ? [s.path] : []))).toEqual(expect.arrayContaining([layout.executable, layout.dataDir]));
  });

  it('reads WinSW\'s status words and refuses anything else', () => {
    expect(parseWinswStatus('Started\r\n')).toMatchObject({ installed: true, running: true });
    expect(parseWinswStatus('Stopped\r\n')).toMatchObject({ installed: true, running: false });
    expect(parseWinswStatus('NonExistent\r\n')).toMatchObject({ installed: false, running: false });
    expect(() => parseWinswStatus('Access is denied.')).toThrow(/unexpected/);
  });
});

describe('agent install-service on Windows, --dry-run', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'sw-win-'));
    await mkdir(join(root, 'cfg'));
    await writeFile(join(root, 'cfg/agent.yaml'), 'device: pc-01\nsite: branch-a\ncollector: { url: "https://collector.branch.lan:9847", token: secret-token-0123456789 }\n');
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('without WinSW beside the executable it says where it looked and what to install', async () => {
    const out: string[] = [];
    const run = async () => ({ code: 0, stdout: 'NonExistent\r\n', stderr: '' });
    await expect(runServiceCommand(['install-service', '--config', join(root, 'cfg/agent.yaml'), '--dry-run'], env, program, { out: (l) => out.push(l), err: (l) => out.push(l), run, root, platform: 'win32' })).rejects.toThrow(/WinSW .* is not at .*stationwatch-agent.exe: install from the win-x64 package/);
  });

  it('with WinSW there, lists the steps of a first install', async () => {
    await writeFile(join(root, wrapperSource.exe), 'MZ');
    const out: string[] = [];
    const run = async (c: string, a: readonly string[]) => (a[0] === 'status' ? { code: 0, stdout: 'NonExistent\r\n', stderr: '' } : Promise.reject(new Error(`${c} must not run in a dry run`)));
    expect(await runServiceCommand(['install-service', '--config', join(root, 'cfg/agent.yaml'), '--dry-run'], env, program, { out: (l) => out.push(l), err: (l) => out.push(l), run, root, platform: 'win32' })).toBe(0);
    expect(out.join('\n')).toContain('run "C:\\\\Program Files\\\\stationwatch\\\\stationwatch-agent.exe" install');
  });
});
