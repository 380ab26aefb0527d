// How often each probe runs: the configuration's interval wins, then the probe's own default, then
// its class (fast / slow). The printers probe has its own minute where a run is one IPP request.
import { describe, expect, it } from 'vitest';
import { probeDefinitions } from '../../agent/probes/index.js';
import { probeIntervalSeconds } from '../../agent/probes/probe.js';
import { PRINTERS_CUPS_INTERVAL_SECONDS, printersProbe } from '../../agent/probes/printers.js';

const intervals = { fastSeconds: 15, slowSeconds: 600 };
const byName = (name: string) => probeDefinitions.find((d) => d.name === name)!;

describe('probe intervals', () => {
  it('checks printers every minute through CUPS, at the slow interval through PowerShell on Windows', () => {
    expect(PRINTERS_CUPS_INTERVAL_SECONDS).toBe(60);
    expect(probeIntervalSeconds(printersProbe, 'linux', intervals)).toBe(60);
    expect(probeIntervalSeconds(printersProbe, 'darwin', intervals)).toBe(60);
    expect(probeIntervalSeconds(printersProbe, 'win32', intervals)).toBe(600);
    // A slow interval shortened below a minute (tests, an impatient site) shortens it too.
    expect(probeIntervalSeconds(printersProbe, 'linux', { fastSeconds: 1, slowSeconds: 2 })).toBe(2);
  });

  it('lets the configuration override the probe\'s own default', () => {
    expect(probeIntervalSeconds(printersProbe, 'linux', intervals, 300)).toBe(300);
    expect(probeIntervalSeconds(byName('updates'), 'linux', intervals, 3600)).toBe(3600);
  });

  it('runs the other probes at their class\'s interval', () => {
    expect(probeIntervalSeconds(byName('resources'), 'linux', intervals)).toBe(15);
    expect(probeIntervalSeconds(byName('updates'), 'linux', intervals)).toBe(600);
    expect(probeIntervalSeconds(byName('network'), 'linux', { fastSeconds: 2, slowSeconds: 60 })).toBe(2);
    const own = probeDefinitions.filter((d) => d.defaultIntervalSeconds?.('linux') !== undefined).map((d) => d.name);
    expect(own).toEqual(['printers']);
  });
});
