// The systemd unit, checked by systemd itself: `systemd-analyze verify` (offline, on the file) must
// accept it without a single warning, and `systemd-analyze security --offline` rates its sandbox.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_UNIT_OPTIONS, PROBE_GROUPS, renderSystemdUnit, unitWord } from '../../agent/service/systemd-unit.js';

const exec = promisify(execFile);
const ANALYZE = '/usr/bin/systemd-analyze';

/** Runs systemd-analyze on a unit file; resolves with its exit code and everything it printed. */
async function analyze(args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await exec(ANALYZE, args, { timeout: 30_000 });
    return { code: 0, out: `${stdout}${stderr}`.trim() };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}`.trim() };
  }
}

let dir: string;
beforeAll(async () => {
  if (!existsSync(ANALYZE)) throw new Error(`${ANALYZE} is missing: install the Debian package systemd (apt-get install --no-install-recommends systemd)`);
  dir = await mkdtemp(join(tmpdir(), 'sw-unit-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** verify checks that ExecStart's program exists: point it at this Node.js, a real executable. */
async function writeUnit(opts = DEFAULT_UNIT_OPTIONS): Promise<string> {
  const file = join(dir, 'stationwatch-agent.service');
  await writeFile(file, renderSystemdUnit({ ...opts, execStart: [process.execPath, ...opts.execStart.slice(1)] }));
  return file;
}

describe('systemd unit', () => {
  it('passes systemd-analyze verify without a warning', async () => {
    const res = await analyze(['verify', await writeUnit()]);
    expect(res.out).toBe('');
    expect(res.code).toBe(0);
  });

  it('verify would catch a mistake (the check can fail)', async () => {
    const file = await writeUnit();
    await writeFile(file, (await readFile(file, 'utf8')).replace('Nice=10', 'Nice=10\nProtectSystm=strict'));
    const res = await analyze(['verify', file]);
    expect(res.out).toContain("Unknown key 'ProtectSystm'");
  });

  it('keeps backup folders readable, quoting paths with spaces and escaping % for systemd', async () => {
    const file = await writeUnit({ ...DEFAULT_UNIT_OPTIONS, backupPaths: ['/srv/backup', '/mnt/nas share/100%'] });
    const text = await readFile(file, 'utf8');
    expect(text).toContain('ReadOnlyPaths=-/srv/backup\n');
    expect(text).toContain('ReadOnlyPaths=-"/mnt/nas share/100%%"\n');
    const res = await analyze(['verify', file]);
    expect(res.out).toBe('');
    expect(res.code).toBe(0);
  });

  it('is sandboxed: systemd rates its exposure at most 5 of 10 ("OK" or better)', async () => {
    const res = await analyze(['security', '--offline=yes', '--no-pager', await writeUnit()]);
    const level = Number(/Overall exposure level for \S+: ([\d.]+)/.exec(res.out)?.[1]);
    expect(level, res.out.slice(-500)).toBeLessThanOrEqual(5);
  });

  it('grants exactly the probes\' privileges, each with the probe that needs it', () => {
    const text = renderSystemdUnit(DEFAULT_UNIT_OPTIONS);
    expect(text).toMatch(/^DynamicUser=yes$/m);
    expect(text).toMatch(/^StateDirectory=stationwatch$/m);
    expect(text).toMatch(/^ProtectSystem=strict$/m);
    expect(text).toMatch(/^ProtectHome=read-only$/m);
    expect(text).toMatch(/^NoNewPrivileges=yes$/m);
    expect(text).toMatch(/^Restart=on-failure$/m);
    expect(text).toMatch(/^CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN$/m);
    expect(text).toMatch(/^AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN$/m);
    expect(text).toMatch(/^#\s+CAP_NET_RAW:\s+network probe/m);
    expect(text).toMatch(/^#\s+CAP_NET_ADMIN:\s+firewall probe/m);
    for (const g of DEFAULT_UNIT_OPTIONS.groups) expect(text).toMatch(new RegExp(`^#\\s+group ${g}: [\\w/]+ probes?:`, 'm'));
    expect(text).toMatch(/^SupplementaryGroups=systemd-journal adm lp$/m);
  });

  it('names only groups that exist, since a missing one would keep the unit from starting', () => {
    expect(Object.keys(PROBE_GROUPS)).toContain('scanner');
    expect(renderSystemdUnit({ ...DEFAULT_UNIT_OPTIONS, groups: [...DEFAULT_UNIT_OPTIONS.groups, 'scanner'] })).toMatch(/^SupplementaryGroups=systemd-journal adm lp scanner$/m);
    const text = renderSystemdUnit({ ...DEFAULT_UNIT_OPTIONS, groups: ['adm'] });
    expect(text).toMatch(/^SupplementaryGroups=adm$/m);
    expect(renderSystemdUnit({ ...DEFAULT_UNIT_OPTIONS, groups: [] })).not.toMatch(/^SupplementaryGroups=/m);
  });

  it('the plain unit shipped for packagers is the generator\'s output with the defaults', async () => {
    const shipped = await readFile(new URL('../../agent/service/stationwatch-agent.service', import.meta.url), 'utf8');
    expect(shipped, 'agent/service/stationwatch-agent.service is stale: write renderSystemdUnit(DEFAULT_UNIT_OPTIONS) to it').toBe(renderSystemdUnit(DEFAULT_UNIT_OPTIONS));
  });

  it('quotes words of the command line the way systemd reads them', () => {
    expect(unitWord('/usr/bin/node')).toBe('/usr/bin/node');
    expect(unitWord('/opt/my app/cli.js')).toBe('"/opt/my app/cli.js"');
    expect(unitWord('50%')).toBe('50%%');
    expect(unitWord('$HOME')).toBe('"$$HOME"');
    expect(unitWord('%d/agent.yaml', true)).toBe('%d/agent.yaml');
    expect(unitWord('%d/agent.yaml', false)).toBe('%%d/agent.yaml');
  });
});
