// The self-contained executables, built once for this suite exactly as `npm run package` builds
// them (base binaries and WinSW from the npm registry, cached under node_modules/.cache): the Linux
// one runs from a directory without node_modules against a real collector, is stopped cleanly and
// killed, and its stability probe tells the two apart across simulated reboots; the Windows one is
// checked as a file (headers, injected agent, no broken signature) beside the WinSW it is shipped with.
import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../../common/version.js';
import { probeDefinitions } from '../../agent/probes/index.js';
import { windowsLayout } from '../../agent/service/layout.js';
import { renderWinswXml } from '../../agent/service/winsw-xml.js';
import { SEA_FUSE, buildPackages, type BuiltPackage } from '../../packaging/build.js';
import { cliPath, freePort, repoRoot, startCli, waitFor, type Proc } from './fixtures/processes.js';
import { suiteTimer } from './fixtures/prometheus.js';

const exec = promisify(execFile);
const TOKEN = 'package-token-0123456789';
const BOOT_A = '11111111-1111-4111-8111-111111111111';

let dir: string;
let built: Record<string, BuiltPackage>;
let exe: string;
let collector: Proc;
let base: string;
const running: Proc[] = [];
const done = suiteTimer('package');

async function metrics(): Promise<string> {
  return (await fetch(`${base}/metrics`)).text();
}

/** The value of one series in the collector's exposition, or undefined while it is absent. */
async function value(series: string): Promise<number | undefined> {
  const line = (await metrics()).split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** The executable in its own directory, with only PATH (+ `env`): no NODE_PATH, no npm, no project. */
function startExe(args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const child = spawn(exe, args, { cwd: dirname(exe), env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const p: Proc = {
    child,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  running.push(p);
  return p;
}

beforeAll(async () => {
  await stat(cliPath).catch(() => {
    throw new Error(`${cliPath} is missing: run "npm run build" first (npm test does)`);
  });
  await exec('osslsigncode', ['--version']).catch(() => {
    throw new Error('osslsigncode is missing: install the Debian package osslsigncode (the Windows build strips node.exe\'s signature with it)');
  });
  dir = await mkdtemp(join(tmpdir(), 'stationwatch-pkg-'));
  const t0 = performance.now();
  const list = await buildPackages({ repoDir: repoRoot, outDir: join(dir, 'packages'), cacheDir: join(repoRoot, 'node_modules/.cache/stationwatch-packaging'), targets: ['linux-x64', 'win-x64'] });
  console.log(`[timing] package build (bundle, blob, 2 targets): ${Math.round(performance.now() - t0)} ms`);
  built = Object.fromEntries(list.map((b) => [b.target, b]));
  // A directory with nothing but the executable: no node_modules here or above.
  await mkdir(join(dir, 'run'));
  exe = join(dir, 'run', 'stationwatch');
  await copyFile(built['linux-x64']!.executable, exe);
  await exec('chmod', ['755', exe]);

  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  await writeFile(
    join(dir, 'collector.yaml'),
    `listen: { host: 127.0.0.1, port: ${port} }\nstateDir: ${join(dir, 'collector-state')}\nstaleAfterIntervals: 3\ndevices:\n  - { name: exe-pc, token: ${TOKEN}, site: pkg }\n  - { name: reboot-pc, token: ${TOKEN}-2, site: pkg }\n  - { name: priv-none, token: ${TOKEN}-3, site: pkg }\n  - { name: priv-unit, token: ${TOKEN}-4, site: pkg }\nlog: { level: warn }\n`,
  );
  collector = startCli(['collector', '--config', join(dir, 'collector.yaml')]);
  await waitFor('the collector to listen', async () => ((await fetch(`${base}/healthz`)).ok ? true : undefined)).catch((e: Error) => {
    throw new Error(`${e.message}\n${collector.output()}`);
  });
}, 300_000);

afterAll(async () => {
  for (const p of running) await p.stop('SIGKILL');
  await collector?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
  done();
});

describe('the Linux executable', () => {
  it('is an x86-64 ELF with the agent injected, and says its version', async () => {
    const head = Buffer.alloc(20);
    const bytes = await readFile(exe);
    bytes.copy(head, 0, 0, 20);
    expect(head.subarray(0, 4)).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
    expect(head.readUInt16LE(18)).toBe(0x3e); // e_machine: x86-64
    expect(bytes.includes(`${SEA_FUSE}:1`)).toBe(true);
    const { stdout } = await exec(exe, ['--version'], { cwd: join(dir, 'run'), env: { PATH: process.env.PATH } });
    expect(stdout.trim()).toBe(VERSION);
  });

  it('ships the plain systemd unit for packagers', async () => {
    expect(await readFile(join(built['linux-x64']!.dir, 'stationwatch-agent.service'), 'utf8')).toBe(await readFile(join(repoRoot, 'agent/service/stationwatch-agent.service'), 'utf8'));
  });

  it('runs from a directory without node_modules, reports to the collector (version label, verified backup) and stops cleanly', async () => {
    const backups = join(dir, 'backups');
    await mkdir(backups);
    await exec('sh', ['-c', `printf 'ledger' | gzip -c > '${join(backups, 'db-1.gz')}'`]);
    const state = join(dir, 'exe-state');
    await writeFile(
      join(dir, 'run', 'agent.yaml'),
      `device: exe-pc\nsite: pkg\ncollector: { url: "${base}", token: ${TOKEN} }\nintervals: { fastSeconds: 1, slowSeconds: 60 }\nstateDir: ${state}\nlog: { level: info }\n` +
        `probes:\n  backup: { settings: { jobs: [{ name: nightly, path: "${backups}", pattern: "*.gz", kind: full }], settleSeconds: 0.2 } }\n`,
    );
    const agent = startExe(['agent', '--config', 'agent.yaml']);
    const info = `stationwatch_agent_info{device="exe-pc",site="pkg",version="${VERSION}",platform="linux"}`;
    await waitFor('the executable\'s first report', async () => ((await value(info)) === 1 ? true : undefined)).catch((e: Error) => {
      throw new Error(`${e.message}\nagent said:\n${agent.output()}`);
    });
    // Backup verification runs in a child process forked from the executable itself.
    await waitFor('the backup verified in its child process', async () => ((await value('stationwatch_backup_last_result{device="exe-pc",site="pkg",backup_job="nightly",result="ok"}')) === 1 ? true : undefined), 30_000).catch((e: Error) => {
      throw new Error(`${e.message}\nagent said:\n${agent.output()}`);
    });
    expect(await agent.stop('SIGTERM')).toBe(0);
    expect(agent.output()).toContain('"msg":"agent stopped"');
    const stability = JSON.parse(await readFile(join(state, 'stability.json'), 'utf8')) as { cleanShutdown: boolean };
    expect(stability.cleanShutdown).toBe(true);
  });

  it('a clean stop and a SIGKILL, each followed by a reboot (a new boot id), are told apart by the stability probe', async () => {
    // A procfs of our own with just the boot id: the stability probe reads nothing else from it.
    const proc = join(dir, 'fake-proc');
    const bootId = join(proc, 'sys/kernel/random/boot_id');
    await mkdir(join(proc, 'sys/kernel/random'), { recursive: true });
    const others = probeDefinitions.filter((p) => p.name !== 'stability').map((p) => `  ${p.name}: { enabled: false }`);
    await writeFile(
      join(dir, 'reboot.yaml'),
      `device: reboot-pc\nsite: pkg\ncollector: { url: "${base}", token: ${TOKEN}-2 }\nintervals: { fastSeconds: 1 }\nstateDir: ${join(dir, 'reboot-state')}\nlog: { level: info }\nprobes:\n${others.join('\n')}\n`,
    );
    const env = { STATIONWATCH_TEST_PROC_ROOT: proc };
    const series = (name: string) => `stationwatch_${name}{device="reboot-pc",site="pkg"}`;
    const run = async (boot: string, expected: { boots: number; unclean: number }): Promise<Proc> => {
      await writeFile(bootId, `${boot}\n`);
      const agent = startExe(['agent', '--config', join(dir, 'reboot.yaml')], env);
      await waitFor(`boots_total ${expected.boots} and unclean_shutdowns_total ${expected.unclean} after boot ${boot.slice(0, 8)}`, async () => {
        const [boots, unclean] = [await value(series('boots_total')), await value(series('unclean_shutdowns_total'))];
        return boots === expected.boots && unclean === expected.unclean && (await value(series('agent_restarts_total'))) === 0 ? true : undefined;
      }).catch((e: Error) => {
        throw new Error(`${e.message}\nagent said:\n${agent.output()}`);
      });
      return agent;
    };

    const first = await run(BOOT_A, { boots: 0, unclean: 0 });
    expect(await first.stop('SIGTERM')).toBe(0);
    // Clean stop, then a reboot: one more boot, no unclean shutdown.
    const second = await run('22222222-2222-4222-8222-222222222222', { boots: 1, unclean: 0 });
    expect(second.output()).toContain('"event":"new-boot-clean"');
    await second.stop('SIGKILL');
    // Killed (power loss), then a reboot: the missing clean-stop marker makes it unclean.
    const third = await run('33333333-3333-4333-8333-333333333333', { boots: 2, unclean: 1 });
    expect(third.output()).toContain('"event":"new-boot-unclean"');
    expect(await value(series('last_unclean_shutdown_timestamp_seconds'))).toBeGreaterThan(Date.now() / 1000 - 300);
    expect(await third.stop('SIGTERM')).toBe(0);
  });
});

describe('the systemd unit\'s privileges, applied with setpriv to the executable as an unprivileged user', () => {
  // What the unit grants (AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN under NoNewPrivileges=yes)
  // against nothing at all: the network and firewall probes, which need them, must say what they
  // lack without them and work with them. Pings go to the collector on 127.0.0.1 only.
  const run = async (device: string, token: string, caps: boolean): Promise<Proc> => {
    const state = join(dir, `${device}-state`);
    await mkdir(state, { recursive: true });
    await exec('chown', ['65534:65534', state]);
    await exec('chmod', ['755', dir, join(dir, 'run')]);
    const others = probeDefinitions.filter((p) => !['network', 'firewall'].includes(p.name)).map((p) => `  ${p.name}: { enabled: false }`);
    const config = join(dir, `${device}.yaml`);
    await writeFile(
      config,
      `device: ${device}\nsite: pkg\ncollector: { url: "${base}", token: ${token} }\nintervals: { fastSeconds: 1, slowSeconds: 2 }\nstateDir: ${state}\nlog: { level: info }\nprobes:\n${others.join('\n')}\n` +
        `  network: { settings: { burst: { count: 3, intervalSeconds: 0.2, pauseSeconds: 0.5 } } }\n`,
    );
    const setpriv = ['--reuid=65534', '--regid=65534', '--clear-groups', ...(caps ? ['--inh-caps=+net_raw,+net_admin', '--ambient-caps=+net_raw,+net_admin'] : ['--inh-caps=-all']), '--no-new-privs', '--', exe, 'agent', '--config', config];
    const child = spawn('setpriv', setpriv, { cwd: dirname(exe), env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const p: Proc = {
      child,
      output: () => out,
      async stop(signal = 'SIGTERM') {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        return exited;
      },
    };
    running.push(p);
    return p;
  };

  it('without CAP_NET_RAW and CAP_NET_ADMIN: ping fails with the reason, the firewall is unavailable, nothing reads "ok"', async () => {
    await exec('setpriv', ['--version']).catch(() => {
      throw new Error('setpriv is missing: install the Debian package util-linux');
    });
    const agent = await run('priv-none', `${TOKEN}-3`, false);
    const s = (name: string, labels = '') => `stationwatch_${name}{device="priv-none",site="pkg"${labels}}`;
    await waitFor('the unprivileged agent\'s verdicts', async () => {
      const fw = await value(s('metric_available', ',metric="stationwatch_firewall_enabled"'));
      const net = await value(s('probe_success', ',probe="network"'));
      return fw === 0 && net === 0 ? true : undefined;
    }, 30_000).catch((e: Error) => {
      throw new Error(`${e.message}\nagent said:\n${agent.output()}`);
    });
    expect(await value(s('firewall_enabled', ',profile="all"'))).toBeUndefined();
    expect(agent.output()).toContain('not permitted to send ICMP');
    expect(await agent.stop('SIGTERM')).toBe(0);
  });

  it('with the unit\'s two capabilities: ping measures and the firewall ruleset is read', async () => {
    const agent = await run('priv-unit', `${TOKEN}-4`, true);
    const s = (name: string, labels = '') => `stationwatch_${name}{device="priv-unit",site="pkg"${labels}}`;
    await waitFor('the capable agent\'s measurements', async () => {
      const fw = await value(s('firewall_enabled', ',profile="all"'));
      const net = await value(s('probe_success', ',probe="network"'));
      return fw !== undefined && net === 1 ? true : undefined;
    }, 30_000).catch((e: Error) => {
      throw new Error(`${e.message}\nagent said:\n${agent.output()}`);
    });
    expect(await value(s('metric_available', ',metric="stationwatch_firewall_enabled"'))).toBe(1);
    expect(await agent.stop('SIGTERM')).toBe(0);
  });
});

describe('the Windows executable', () => {
  it('is a PE32+ x64 console image of sane size with the agent injected and no broken signature', async () => {
    const file = built['win-x64']!.executable;
    const bytes = await readFile(file);
    expect(bytes.length).toBeGreaterThan(40 * 1024 * 1024);
    expect(bytes.length).toBeLessThan(200 * 1024 * 1024);
    expect(bytes.toString('latin1', 0, 2)).toBe('MZ');
    const pe = bytes.readUInt32LE(0x3c);
    expect(bytes.toString('latin1', pe, pe + 4)).toBe('PE\0\0');
    expect(bytes.readUInt16LE(pe + 4)).toBe(0x8664); // IMAGE_FILE_MACHINE_AMD64
    const optional = pe + 24;
    expect(bytes.readUInt16LE(optional)).toBe(0x20b); // PE32+
    expect(bytes.readUInt16LE(optional + 68)).toBe(3); // IMAGE_SUBSYSTEM_WINDOWS_CUI
    // Data directory 4 (certificates): empty, since the injection would have broken node.exe's signature.
    expect(bytes.readUInt32LE(optional + 112 + 4 * 8 + 4)).toBe(0);
    expect(bytes.includes(`${SEA_FUSE}:1`)).toBe(true);
    expect(bytes.includes('(agent executable)')).toBe(true); // the bundled agent's own usage text
  });

  it('comes with WinSW 1.17 from node-windows, which reads every element of our service definition', async () => {
    const dirW = built['win-x64']!.dir;
    const winsw = await readFile(join(dirW, 'stationwatch-agent.exe'));
    expect(winsw.toString('latin1', 0, 2)).toBe('MZ');
    const utf16 = (s: string) => Buffer.from(s, 'utf16le');
    expect(winsw.includes(utf16('1.17.0.0'))).toBe(true);
    expect(await readFile(join(dirW, 'stationwatch-agent.exe.config'), 'utf8')).toContain('supportedRuntime version="v4.0"');
    const layout = windowsLayout({});
    const xml = renderWinswXml({ layout, executable: layout.executable, args: ['agent', '--config', layout.configFile] });
    const names = new Set<string>();
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          if (k.startsWith('?') || k === '#comment') continue; // the XML declaration and comments are XML's, not WinSW's
          names.add(k.replace(/^@_/, ''));
          walk(v);
        }
      }
    };
    walk(new XMLParser({ ignoreAttributes: false, commentPropName: '#comment' }).parse(xml));
    const unknown = [...names].filter((n) => n !== 'service' && !winsw.includes(utf16(n)));
    expect(unknown).toEqual([]);
    expect(names.size).toBeGreaterThan(15);
  });
});
