// The probe layout agent/probes/README.md promises: per-platform code lives in `<probe>.<platform>.ts`,
// loaded only through the probe's PlatformFiles table (agent/probes/platform.ts), so a probe's main
// file has no platform branch and no Windows code is loaded on Linux (or the reverse). Checked on the
// source text, and by loading each probe on this machine and on a platform it knows nothing about.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { probeDefinitions } from '../../agent/probes/index.js';
import { platforms } from '../../agent/probes/platform.js';
import { silentLogger } from '../../common/logger.js';
import { systemClock } from '../../agent/clock.js';

const dir = 'agent/probes';
const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
const platformFile = new RegExp(`^([a-z-]+)\\.(${platforms.join('|')})\\.ts$`);
const text = (f: string) => readFileSync(join(dir, f), 'utf8');

describe('per-platform probe files', () => {
  it('a probe\'s main file branches on no platform: its PlatformFiles table picks the file', () => {
    const offenders = probeDefinitions
      .map((p) => `${p.name}.ts`)
      .filter((f) => /setup\.platform\s*[!=]==|process\.platform\s*[!=]==/.test(text(f)));
    expect(offenders).toEqual([]);
  });

  it('every <probe>.<platform>.ts belongs to a probe, is listed in its table and imported nowhere else', () => {
    const names = new Set(probeDefinitions.map((p) => p.name));
    for (const f of files.filter((x) => platformFile.test(x))) {
      const [, probe, platform] = platformFile.exec(f)!;
      expect(names.has(probe!), `${f}: no probe named ${probe}`).toBe(true);
      const spec = `'./${f.replace(/\.ts$/, '.js')}'`;
      expect(text(`${probe}.ts`), `${probe}.ts lists ${f}`).toContain(`${platform}: () => import(${spec})`);
      const importers = [...files, ...readdirSync('agent', { recursive: true, encoding: 'utf8' }).filter((x) => x.endsWith('.ts') && !x.startsWith('probes/')).map((x) => `../${x}`)]
        .filter((g) => g !== `${probe}.ts` && g !== f)
        .filter((g) => new RegExp(`from\\s+'[./]*(probes/)?${f.replace(/\.ts$/, '\\.js').replace(/\./g, '\\.')}'`).test(readFileSync(join(dir, g), 'utf8')));
      // Platform files of the same probe may share one implementation (CUPS on Linux and macOS) through a helper, never through each other.
      expect(importers, `${f} is imported outside its probe's table`).toEqual([]);
    }
  });

  it('a probe with per-platform files answers "not read on <platform>" (unavailable, or a failed probe) where it has none', async () => {
    const perPlatform = probeDefinitions.filter((d) => text(`${d.name}.ts`).includes('PlatformFiles<') && d.name !== 'stability');
    expect(perPlatform.length).toBeGreaterThanOrEqual(12);
    for (const def of perPlatform) {
      const setup = { log: silentLogger, clock: systemClock('/proc'), platform: 'aix' as NodeJS.Platform, stateDir: '/nonexistent', procRoot: '/proc', sysRoot: '/sys', settings: (def.settingsSchema ? Value.Default(def.settingsSchema, {}) : {}) as Record<string, unknown>, collectorUrl: 'http://127.0.0.1:9' };
      const instance = def.create(setup as never);
      const got = await instance.collect({ signal: AbortSignal.timeout(5000) }).then(
        (r) => JSON.stringify(r),
        (e: unknown) => String(e),
      );
      expect(got, def.name).toMatch(/not read on aix/);
      await instance.stop?.();
    }
  });
});
