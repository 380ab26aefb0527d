// The layering the code promises: rules and dashboards read the contract (protocol/), never the
// collector's code; the SNMP poller names its series through the protocol's constants.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

describe('layering', () => {
  it('alerts/ and dashboards/ import nothing from collector/', () => {
    const offenders = [...sources('alerts'), ...sources('dashboards')].filter((f) => /from\s+'(\.\.\/)+collector\//.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('protocol/ imports nothing outside itself (and its schema library)', () => {
    for (const f of sources('protocol')) {
      for (const [, spec] of readFileSync(f, 'utf8').matchAll(/from\s+'([^']+)'/g)) expect(spec, f).toMatch(/^(\.\/|@sinclair\/typebox)/);
    }
  });

  it('the SNMP poller spells no metric name itself', () => {
    const literals = sources('collector/snmp').filter((f) => /'stationwatch_[a-z0-9_]+'/.test(readFileSync(f, 'utf8')));
    expect(literals).toEqual([]);
  });
});
