import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { osUncleanShutdown, parseWindowsShutdownEvents, uncleanEvidenceForBoot } from '../../agent/probes/shutdown-evidence.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/windows-shutdown/${name}`, import.meta.url), 'utf8');

describe('Windows unclean-shutdown events', () => {
  it('parses PowerShell 5.1 output (BOM, /Date(ms)/, array)', () => {
    expect(parseWindowsShutdownEvents(fixture('ps51-array.json'))).toEqual([
      { id: 41, timeMs: 1736150400000 },
      { id: 6008, timeMs: 1736150405000 },
    ]);
  });
  it('parses PowerShell 7 output (one object, ISO date with offset)', () => {
    expect(parseWindowsShutdownEvents(fixture('ps7-single.json'))).toEqual([{ id: 6008, timeMs: Date.parse('2025-01-06T00:00:05Z') }]);
  });
  it('no events is an empty answer, and other ids are ignored', () => {
    expect(parseWindowsShutdownEvents('')).toEqual([]);
    expect(parseWindowsShutdownEvents('{"Id":1074,"TimeCreated":"/Date(1)/"}')).toEqual([]);
  });
  it('only events logged during the current boot count', () => {
    const events = [{ id: 41, timeMs: 1_000_000_000 }];
    expect(uncleanEvidenceForBoot(events, 1_000_000_000 - 60_000)).toBe(true);
    expect(uncleanEvidenceForBoot(events, 1_000_000_000 + 3_600_000)).toBe(false);
  });
  it('is asked only on Windows: the other platforms\' files have no such log', async () => {
    expect((await import('../../agent/probes/stability.win32.js')).stability.osUncleanShutdown).toBe(osUncleanShutdown);
    expect((await import('../../agent/probes/stability.linux.js')).stability.osUncleanShutdown).toBeUndefined();
    expect((await import('../../agent/probes/stability.darwin.js')).stability.osUncleanShutdown).toBeUndefined();
  });
});
