import { describe, it, expect } from 'vitest';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../common/logger.js';
import { createDisplays } from '../../agent/probes/displays.js';
import { countDrmDisplays } from '../../agent/probes/displays.linux.js';
import type { ProbeSetup, Reading } from '../../agent/probes/probe.js';
import type { Clock } from '../../agent/clock.js';

const fixtures = fileURLToPath(new URL('../fixtures/sysfs-drm/', import.meta.url));
const clock: Clock = { wallMs: () => 0, monoMs: () => 0, bootMs: async () => undefined };

function setup(platform: NodeJS.Platform, sysRoot: string): ProbeSetup {
  return { log: silentLogger, clock, platform, stateDir: '/nonexistent', procRoot: '/nonexistent', sysRoot, settings: {}, collectorUrl: 'http://127.0.0.1:9847' };
}

const ctx = { signal: new AbortController().signal };

async function collect(platform: NodeJS.Platform, sysRoot: string, graphics?: () => Promise<{ controllers: unknown[]; displays: unknown[] }>): Promise<Reading[]> {
  return createDisplays(setup(platform, sysRoot), graphics ? { graphics } : {}).collect(ctx);
}

describe('countDrmDisplays', () => {
  it('counts only connectors that say connected', async () => {
    expect(await countDrmDisplays(`${fixtures}two-connected`)).toBe(2);
  });

  it('reports 0 when connectors exist and all are disconnected', async () => {
    expect(await countDrmDisplays(`${fixtures}none-connected`)).toBe(0);
  });

  it('gives a reason, not 0, when no connector reports a state', async () => {
    expect(await countDrmDisplays(`${fixtures}no-connectors`)).toMatch(/no display connector/);
  });

  it('gives a reason when there is no drm class (headless)', async () => {
    expect(await countDrmDisplays(`${fixtures}headless`)).toMatch(/headless/);
  });
});

describe('displays probe', () => {
  it('samples the sysfs count on Linux', async () => {
    const readings = await collect('linux', `${fixtures}two-connected`);
    expect(readings).toEqual([{ kind: 'sample', metric: expect.objectContaining({ name: 'stationwatch_displays_attached' }), value: 2 }]);
  });

  it('is unavailable on a headless Linux host', async () => {
    const [r] = await collect('linux', `${fixtures}headless`);
    expect(r?.kind).toBe('unavailable');
    expect(r?.metric.name).toBe('stationwatch_displays_attached');
  });

  it('uses the OS graphics report elsewhere', async () => {
    const [r] = await collect('darwin', '/nonexistent', async () => ({ controllers: [{}], displays: [{}, {}, {}] }));
    expect(r).toMatchObject({ kind: 'sample', value: 3 });
  });

  it('reports 0 when a controller is present but nothing is plugged in', async () => {
    const [r] = await collect('darwin', '/nonexistent', async () => ({ controllers: [{}], displays: [] }));
    expect(r).toMatchObject({ kind: 'sample', value: 0 });
  });

  it('on Windows counts the active monitors WMI lists, never systeminformation placeholder displays', async () => {
    const win = (answer: () => Promise<unknown>) =>
      createDisplays(setup('win32', '/nonexistent'), { graphics: () => Promise.reject(new Error('systeminformation must not be asked')), windowsMonitors: answer }).collect(ctx);
    expect(await win(async () => ({ count: 2 }))).toMatchObject([{ kind: 'sample', value: 2 }]);
    expect(await win(async () => ({ count: 0 }))).toMatchObject([{ kind: 'sample', value: 0 }]);
    // PowerShell printed nothing / something else / hung and was killed: unavailable with why.
    for (const answer of [async () => ({}), async () => Promise.reject(new Error('attached monitors: PowerShell printed nothing'))]) {
      const [r] = await win(answer);
      expect(r?.kind).toBe('unavailable');
      expect(r && 'reason' in r ? r.reason : '').toMatch(/monitor/);
    }
  });

  it('is unavailable when the OS reports no graphics at all', async () => {
    const [r] = await collect('darwin', '/nonexistent', async () => ({ controllers: [], displays: [] }));
    expect(r?.kind).toBe('unavailable');
  });
});
