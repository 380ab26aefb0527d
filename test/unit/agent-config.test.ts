import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { resolveAgentConfig, deviceNameFromHostname, defaultStateDir } from '../../agent/config.js';
import { ConfigError } from '../../common/config-file.js';
import { VERSION } from '../../common/version.js';

const base = { site: 'branch-a', collector: { token: 'secret-token' } };

describe('agent configuration', () => {
  it('fills defaults: loopback collector, 15 s fast interval, hostname as device', () => {
    const c = resolveAgentConfig(base, {}, 't');
    expect(c.collector.url).toBe('http://127.0.0.1:9847');
    expect(c.intervals.fastSeconds).toBe(15);
    expect(c.device).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*$/);
  });

  it('environment variables override the file', () => {
    const c = resolveAgentConfig(base, { STATIONWATCH_DEVICE: 'pc-07', STATIONWATCH_FAST_INTERVAL: '5', STATIONWATCH_COLLECTOR_URL: 'https://collector.lan:9847' }, 't');
    expect([c.device, c.intervals.fastSeconds, c.collector.url]).toEqual(['pc-07', 5, 'https://collector.lan:9847']);
  });

  it('reports every problem with its path, including unknown probes and keys', () => {
    let err: unknown;
    try {
      resolveAgentConfig({ site: 'x', collector: { url: 'ftp://x' }, intervals: { fastSeconds: 0 }, probes: { resorces: {}, thermal: { enabled: 'yes' } }, colour: 1 }, {}, 'agent.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const p = (err as ConfigError).problems;
    for (const path of ['/probes/resorces', '/collector/url', '/collector/token', '/intervals/fastSeconds', '/probes/thermal/enabled']) {
      expect(p.some((x) => x.startsWith(path)), `${path} in ${p.join('; ')}`).toBe(true);
    }
    expect((err as Error).message).toContain('agent.yaml');
  });

  it('derives a device name from any hostname', () => {
    expect(deviceNameFromHostname('Counter-PC01.branch.example')).toBe('Counter-PC01');
    expect(deviceNameFromHostname('柜台电脑')).toBe('device');
    expect(deviceNameFromHostname('--x y')).toBe('x-y');
  });

  it('keeps state where each platform keeps service data', () => {
    expect(defaultStateDir('linux', {}, true)).toBe('/var/lib/stationwatch');
    expect(defaultStateDir('win32', { ProgramData: 'C:\\ProgramData' }, true)).toMatch(/ProgramData.stationwatch$/);
  });

  it('VERSION matches package.json', () => {
    expect(VERSION).toBe(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version);
  });
});

describe('probe settings', () => {
  it('are validated against the probe\'s own schema, with paths and defaults', () => {
    const c = resolveAgentConfig({ ...base, probes: { stability: { settings: {} } } }, {}, 't');
    expect(c.probes.stability!.settings).toEqual({ hangThresholdSeconds: 10 });
    let err: unknown;
    try {
      resolveAgentConfig({ ...base, probes: { stability: { settings: { hangThresholdSeconds: -1, colour: 'red' } } } }, {}, 't');
    } catch (e) {
      err = e;
    }
    expect((err as ConfigError).problems.some((p) => p.startsWith('/probes/stability/settings/hangThresholdSeconds'))).toBe(true);
    expect((err as ConfigError).problems.some((p) => p.startsWith('/probes/stability/settings/colour'))).toBe(true);
  });
});
