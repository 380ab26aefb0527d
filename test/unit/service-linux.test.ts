// install-service / uninstall-service / service-status on Linux, end to end through the CLI function:
// the real plan executor writes into a scratch root, systemctl is a recording runner (no systemd
// runs here), and the unit that lands on disk goes through systemd-analyze verify.
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runServiceCommand, type ServiceIo } from '../../cli/service.js';
import type { CommandOutput } from '../../agent/service/plan.js';

const exec = promisify(execFile);
const CONFIG = `device: pc-01\nsite: branch-a\ncollector: { url: "https://10.0.0.5:9847", token: secret-token-0123456789 }\nprobes:\n  backup: { settings: { jobs: [{ name: nightly, path: /srv/backup, kind: full }] } }\n`;

let root: string;
let work: string;
let calls: string[][];
let active: boolean;
let out: string[];
let err: string[];

/** systemctl as far as these commands go: `show` answers from the unit file's presence and `active`. */
const systemctl = async (command: string, args: readonly string[]): Promise<CommandOutput> => {
  calls.push([command, ...args]);
  if (command !== 'systemctl') throw new Error(`unexpected command ${command}`);
  if (args[0] === 'restart') active = true;
  if (args[0] === 'disable') active = false;
  if (args[0] === 'show') {
    const installed = await stat(join(root, 'etc/systemd/system/stationwatch-agent.service')).then(() => true, () => false);
    const lines = installed ? [`LoadState=loaded`, `ActiveState=${active ? 'active' : 'inactive'}`, `SubState=${active ? 'running' : 'dead'}`, `MainPID=${active ? 4242 : 0}`, 'UnitFileState=enabled'] : ['LoadState=not-found', 'ActiveState=inactive', 'MainPID=0'];
    return { code: 0, stdout: `${lines.join('\n')}\n`, stderr: '' };
  }
  return { code: 0, stdout: '', stderr: '' };
};

const io = (): ServiceIo => ({ out: (l) => out.push(l), err: (l) => err.push(l), run: systemctl, root, platform: 'linux', isAdmin: true });
const exe = () => ({ executable: join(work, 'stationwatch'), command: join(work, 'stationwatch'), args: [] });

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'sw-root-'));
  work = await mkdtemp(join(tmpdir(), 'sw-work-'));
  await mkdir(join(root, 'etc'), { recursive: true });
  // This host has adm and systemd-journal but no lp group.
  await writeFile(join(root, 'etc/group'), 'root:x:0:\nadm:x:4:\nsystemd-journal:x:999:\n');
  await writeFile(join(work, 'agent.yaml'), CONFIG);
  await writeFile(join(work, 'stationwatch'), '#!/bin/sh\necho v1\n');
  await chmod(join(work, 'stationwatch'), 0o755);
  calls = [];
  active = false;
  out = [];
  err = [];
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

describe('agent install-service on Linux', () => {
  it('installs the executable, the root-only configuration and a unit systemd accepts, then starts it', async () => {
    const code = await runServiceCommand(['install-service', '--config', join(work, 'agent.yaml')], {}, exe(), io());
    expect(err).toEqual([]);
    expect(code).toBe(0);
    const config = join(root, 'etc/stationwatch/agent.yaml');
    expect(await readFile(config, 'utf8')).toBe(CONFIG);
    expect((await stat(config)).mode & 0o777).toBe(0o600);
    expect((await stat(join(root, 'usr/local/bin/stationwatch'))).mode & 0o777).toBe(0o755);
    const unit = await readFile(join(root, 'etc/systemd/system/stationwatch-agent.service'), 'utf8');
    expect(unit).toMatch(/^ExecStart=\/usr\/local\/bin\/stationwatch agent --config %d\/agent.yaml$/m);
    expect(unit).toMatch(/^ReadOnlyPaths=-\/srv\/backup$/m);
    expect(unit).toMatch(/^SupplementaryGroups=systemd-journal adm$/m);
    expect(calls.map((c) => c.slice(0, 2).join(' '))).toEqual(['systemctl daemon-reload', 'systemctl enable', 'systemctl restart', 'systemctl show']);
    expect(out.join('\n')).toContain('active (running), pid 4242');

    // The unit as written, with ExecStart pointed at the installed copy in the scratch root.
    const check = join(work, 'stationwatch-agent.service');
    await writeFile(check, unit.replace('ExecStart=/usr/local/bin/stationwatch', `ExecStart=${join(root, 'usr/local/bin/stationwatch')}`));
    const res = await exec('/usr/bin/systemd-analyze', ['verify', check]).catch((e: { stdout: string; stderr: string }) => e);
    expect(`${res.stdout}${res.stderr}`.trim()).toBe('');
  });

  it('a bad configuration changes nothing and runs nothing', async () => {
    await writeFile(join(work, 'agent.yaml'), 'site: branch-a\ncollector: { url: "ftp://x" }\n');
    await expect(runServiceCommand(['install-service', '--config', join(work, 'agent.yaml')], {}, exe(), io())).rejects.toThrow(/collector/);
    expect(calls).toEqual([]);
    expect((await readdir(root)).sort()).toEqual(['etc']);
    expect(await readdir(join(root, 'etc'))).toEqual(['group']);
  });

  it('checks the file alone: a token only in the installer\'s environment would not reach the service', async () => {
    await writeFile(join(work, 'agent.yaml'), 'site: branch-a\n');
    await expect(runServiceCommand(['install-service', '--config', join(work, 'agent.yaml')], { STATIONWATCH_TOKEN: 'from-env-0123456789' }, exe(), io())).rejects.toThrow(/token/);
    expect(calls).toEqual([]);
  });

  it('upgrade: run again without --config — new executable, same configuration and state, a clean restart', async () => {
    await runServiceCommand(['install-service', '--config', join(work, 'agent.yaml')], {}, exe(), io());
    const state = join(root, 'var/lib/private/stationwatch');
    await mkdir(state, { recursive: true });
    await writeFile(join(state, 'stability.json'), '{"kept":true}');
    await writeFile(join(work, 'stationwatch'), '#!/bin/sh\necho v2\n');
    calls = [];
    expect(await runServiceCommand(['install-service'], {}, exe(), io())).toBe(0);
    expect(await readFile(join(root, 'usr/local/bin/stationwatch'), 'utf8')).toContain('v2');
    expect(await readFile(join(root, 'etc/stationwatch/agent.yaml'), 'utf8')).toBe(CONFIG);
    expect(await readFile(join(state, 'stability.json'), 'utf8')).toBe('{"kept":true}');
    expect(calls.map((c) => c[1])).toEqual(['daemon-reload', 'enable', 'restart', 'show']);
  });

  it('the first install needs a configuration', async () => {
    expect(await runServiceCommand(['install-service'], {}, exe(), io())).toBe(2);
    expect(err.join('\n')).toContain('give one with --config FILE');
    expect(calls).toEqual([]);
  });

  it('--dry-run lists the steps and touches nothing; without root it refuses', async () => {
    expect(await runServiceCommand(['install-service', '--config', join(work, 'agent.yaml'), '--dry-run'], {}, exe(), { ...io(), isAdmin: false })).toBe(0);
    expect(out.join('\n')).toMatch(/run systemctl restart stationwatch-agent.service/);
    expect(calls).toEqual([]);
    expect(await readdir(root)).toEqual(['etc']);
    expect(await runServiceCommand(['install-service', '--config', join(work, 'agent.yaml')], {}, exe(), { ...io(), isAdmin: false })).toBe(1);
    expect(err.join('\n')).toContain('run it as root');
  });

  it('under node (npm install), the unit starts node with the CLI script where it is', async () => {
    await runServiceCommand(['install-service', '--config', join(work, 'agent.yaml')], {}, { command: '/usr/bin/node', args: ['/opt/sw/dist/cli/stationwatch.js'] }, io());
    const unit = await readFile(join(root, 'etc/systemd/system/stationwatch-agent.service'), 'utf8');
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/node \/opt\/sw\/dist\/cli\/stationwatch.js agent --config %d\/agent.yaml$/m);
    await expect(stat(join(root, 'usr/local/bin/stationwatch'))).rejects.toThrow();
  });
});

describe('agent uninstall-service and service-status on Linux', () => {
  it('status: 4 not installed, 0 running, 3 stopped', async () => {
    expect(await runServiceCommand(['service-status'], {}, exe(), io())).toBe(4);
    await runServiceCommand(['install-service', '--config', join(work, 'agent.yaml')], {}, exe(), io());
    expect(await runServiceCommand(['service-status'], {}, exe(), io())).toBe(0);
    active = false;
    expect(await runServiceCommand(['service-status'], {}, exe(), io())).toBe(3);
  });

  it('uninstall stops and removes the service but keeps configuration and state; --purge removes them', async () => {
    await runServiceCommand(['install-service', '--config', join(work, 'agent.yaml')], {}, exe(), io());
    await mkdir(join(root, 'var/lib/private/stationwatch'), { recursive: true });
    calls = [];
    expect(await runServiceCommand(['uninstall-service'], {}, exe(), io())).toBe(0);
    expect(calls.map((c) => c.slice(1).join(' '))).toEqual(['disable --now stationwatch-agent.service', 'daemon-reload', 'reset-failed stationwatch-agent.service']);
    await expect(stat(join(root, 'etc/systemd/system/stationwatch-agent.service'))).rejects.toThrow();
    await expect(stat(join(root, 'usr/local/bin/stationwatch'))).rejects.toThrow();
    expect(await readFile(join(root, 'etc/stationwatch/agent.yaml'), 'utf8')).toBe(CONFIG);
    await stat(join(root, 'var/lib/private/stationwatch'));
    expect(await runServiceCommand(['uninstall-service', '--purge'], {}, exe(), io())).toBe(0);
    await expect(stat(join(root, 'etc/stationwatch'))).rejects.toThrow();
    await expect(stat(join(root, 'var/lib/private/stationwatch'))).rejects.toThrow();
  });

  it('a failing systemctl stops the install with the step and systemctl\'s own words', async () => {
    const failing: ServiceIo = { ...io(), run: async (c, a) => {
        if (a[0] !== 'enable') return systemctl(c, a);
        calls.push([c, ...a]);
        return { code: 1, stdout: '', stderr: 'Failed to enable unit: Access denied\n' };
      },
    };
    await expect(runServiceCommand(['install-service', '--config', join(work, 'agent.yaml')], {}, exe(), failing)).rejects.toThrow(/run systemctl enable stationwatch-agent.service .*failed: systemctl exited with 1: Failed to enable unit: Access denied/);
    expect(calls.map((c) => c[1])).toEqual(['daemon-reload', 'enable']);
  });
});
