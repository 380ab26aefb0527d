// The clock probe: timedatectl, chronyc and w32tm answers (English, and Chinese in GBK) as fixtures,
// then the real tools on this VM, which runs neither systemd nor chrony: unavailable, with the reason.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger.js';
import { parseChronyTracking, parseTimedatectl, parseW32tmStatus } from '../../agent/probes/clock-parse.js';
import { createClock } from '../../agent/probes/clock.js';
import { CommandNotFound, decodeConsole, type CommandRunner } from '../../agent/probes/posture-command.js';
import type { ProbeSetup, Reading } from '../../agent/probes/probe.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const bytes = (name: string) => readFileSync(`${fixtures}${name}`);
const ctx = { signal: new AbortController().signal };

function setup(platform: NodeJS.Platform): ProbeSetup {
  const clock = { wallMs: () => 0, monoMs: () => 0, bootMs: async () => undefined };
  return { log: silentLogger, clock, platform, stateDir: '/nonexistent', procRoot: '/proc', sysRoot: '/sys', settings: { windowsConsoleEncoding: 'gbk' }, collectorUrl: 'http://127.0.0.1:9847' };
}

function values(readings: Reading[]): Record<string, number | string> {
  return Object.fromEntries(readings.map((r) => [r.metric.name, r.kind === 'sample' ? r.value : `unavailable: ${r.reason}`]));
}

describe('time-sync answers', () => {
  it('reads timedatectl show', () => {
    expect(parseTimedatectl(bytes('linux-time/timedatectl-show-synced.txt').toString())).toEqual({ enabled: true, synchronized: true });
    expect(parseTimedatectl(bytes('linux-time/timedatectl-show-ntp-off.txt').toString())).toEqual({ enabled: false, synchronized: false });
    expect(() => parseTimedatectl('Timezone=UTC\n')).toThrow(/NTPSynchronized/);
  });

  it('reads chronyc tracking', () => {
    expect(parseChronyTracking(bytes('linux-time/chronyc-tracking-synced.txt').toString())).toEqual({ enabled: true, synchronized: true });
    expect(parseChronyTracking(bytes('linux-time/chronyc-tracking-unsynced.txt').toString())).toEqual({ enabled: true, synchronized: false });
  });

  it('reads w32tm in English and in Chinese (GBK), and sees through the local CMOS clock', () => {
    const w32tm = (name: string) => parseW32tmStatus(decodeConsole(bytes(`windows-time/${name}`), 'gbk'));
    expect(w32tm('w32tm-synced.en.txt')).toEqual({ enabled: true, synchronized: true });
    expect(w32tm('w32tm-synced.cp936.txt')).toEqual({ enabled: true, synchronized: true });
    expect(w32tm('w32tm-local-cmos.en.txt')).toEqual({ enabled: true, synchronized: false });
    expect(w32tm('w32tm-unsynced.cp936.txt')).toEqual({ enabled: true, synchronized: false });
    expect(w32tm('w32tm-service-stopped.cp936.txt')).toEqual({ enabled: false, synchronized: false });
    // Read as UTF-8, GBK bytes are garbage: decodeConsole must have fallen back to the code page.
    expect(decodeConsole(bytes('windows-time/w32tm-synced.cp936.txt'), 'gbk')).toContain('跳跃指示器');
  });
});

describe('clock probe', () => {
  it('on Windows reports the stopped time service as sync off', async () => {
    const run: CommandRunner = async (command) => {
      expect(command).toBe('w32tm');
      return { stdout: bytes('windows-time/w32tm-service-stopped.cp936.txt'), stderr: Buffer.alloc(0), code: -2147023834 };
    };
    expect(values(await createClock(setup('win32'), run).collect(ctx))).toEqual({ stationwatch_clock_synchronized: 0, stationwatch_clock_sync_enabled: 0 });
  });

  it('on Windows without w32tm reports unavailable with the reason, as a missing tool is everywhere', async () => {
    const run: CommandRunner = async (command) => {
      throw new CommandNotFound(command);
    };
    expect(values(await createClock(setup('win32'), run).collect(ctx))).toEqual({
      stationwatch_clock_synchronized: 'unavailable: w32tm is not installed',
      stationwatch_clock_sync_enabled: 'unavailable: w32tm is not installed',
    });
  });

  it('on Linux falls back from timedatectl to chronyc', async () => {
    const run: CommandRunner = async (command) =>
      command === 'timedatectl'
        ? { stdout: Buffer.alloc(0), stderr: Buffer.from('System has not been booted with systemd as init system (PID 1). Can\'t operate.\n'), code: 1 }
        : { stdout: bytes('linux-time/chronyc-tracking-unsynced.txt'), stderr: Buffer.alloc(0), code: 0 };
    expect(values(await createClock(setup('linux'), run).collect(ctx))).toEqual({ stationwatch_clock_synchronized: 0, stationwatch_clock_sync_enabled: 1 });
  });

  it('with the real tools: the state timedatectl reports, or on this VM (no systemd, no chrony) unavailable with the reason', async () => {
    const got = values(await createClock(setup('linux')).collect(ctx));
    const real = spawnSync('timedatectl', ['show'], { encoding: 'utf8' });
    if (real.status === 0) expect(got.stationwatch_clock_synchronized).toBe(parseTimedatectl(real.stdout).synchronized ? 1 : 0);
    else expect(got.stationwatch_clock_synchronized).toMatch(/^unavailable: no time-sync service answered \(timedatectl: .+; chronyc.+\)$/);
  });
});
