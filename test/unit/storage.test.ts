// The storage probe: smartctl JSON from real disks (public samples) and from this VM (recorded), then
// the real smartctl on this machine, whose virtual disk has no SMART: "unavailable", never "healthy".
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger.js';
import type { CommandRunner } from '../../agent/probes/posture-command.js';
import type { ProbeSetup, Reading } from '../../agent/probes/probe.js';
import { parseSmartDisk, parseSmartScan } from '../../agent/probes/storage-parse.js';
import { createStorage } from '../../agent/probes/storage.js';

const dir = fileURLToPath(new URL('../fixtures/smartctl/', import.meta.url));
const fixture = (name: string) => readFileSync(`${dir}${name}`, 'utf8');
const ctx = { signal: new AbortController().signal };

function setup(over: Partial<ProbeSetup> = {}): ProbeSetup {
  const clock = { wallMs: () => 1_700_000_000_000, monoMs: () => 0, bootMs: async () => undefined };
  return { log: silentLogger, clock, platform: 'linux', stateDir: '/nonexistent', procRoot: '/proc', sysRoot: '/sys', settings: {}, collectorUrl: 'http://127.0.0.1:9847', ...over };
}

function table(readings: Reading[]): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const r of readings) {
    const key = r.kind === 'sample' && r.labels ? `${r.metric.name}{${Object.values(r.labels).join(',')}}` : r.metric.name;
    out[key] = r.kind === 'sample' ? r.value : `unavailable: ${r.reason}`;
  }
  return out;
}

/** smartctl as recorded: --scan answers with `scan`, each disk with its fixture. */
function recordedSmartctl(scan: string, disks: Record<string, string>): CommandRunner {
  return async (_command, args) => {
    const text = args.includes('--scan') ? fixture(scan) : fixture(disks[args[args.length - 1]!]!);
    return { stdout: Buffer.from(text), stderr: Buffer.alloc(0), code: JSON.parse(text).smartctl.exit_status };
  };
}

describe('smartctl JSON', () => {
  it('lists no disks on a VM and the scanned disks on a workstation', () => {
    expect(parseSmartScan(fixture('vm-scan.json'))).toEqual([]);
    expect(parseSmartScan(fixture('scan-workstation.json'))).toEqual([
      { name: '/dev/sda', type: 'sat' },
      { name: '/dev/nvme0', type: 'nvme' },
    ]);
  });

  it('reads a failing disk: verdict, reallocated and pending sectors, though the exit status is non-zero', () => {
    expect(parseSmartDisk(fixture('ata-wd3200bevt-failing.json'), 'x')).toEqual({ kind: 'health', disk: '/dev/sdb', healthy: false, reallocated: 535, pending: 1 });
  });

  it('reads a healthy HDD without inventing a wear value for spinning disks', () => {
    expect(parseSmartDisk(fixture('ata-samsung-hd204ui-healthy.json'), 'x')).toEqual({ kind: 'health', disk: '/dev/sdb', healthy: true, reallocated: 0, pending: 0 });
  });

  it('reads SSD wear by attribute name: Wear_Leveling_Count 91 is 9 % used, Samsung\'s attribute 202 is ignored', () => {
    const ssd = parseSmartDisk(fixture('ata-samsung-mz7wd240-ssd-wear.json'), 'x');
    expect(ssd).toMatchObject({ kind: 'health', disk: '/dev/sda', healthy: true, reallocated: 0 });
    expect(ssd.kind === 'health' && ssd.wear).toBeCloseTo(0.09, 10);
    expect(ssd.kind === 'health' && ssd.pending).toBeUndefined();
  });

  it('reads NVMe percentage used; NVMe has no reallocated or pending sector counts', () => {
    expect(parseSmartDisk(fixture('nvme-toshiba-kxg6-healthy.json'), 'x')).toEqual({ kind: 'health', disk: '/dev/nvme0', healthy: true, wear: 0.03 });
  });

  it('tells "no SMART here" from "not allowed"', () => {
    expect(parseSmartDisk(fixture('vm-vda.json'), '/dev/vda')).toMatchObject({ kind: 'skipped', why: 'no-smart' });
    expect(parseSmartDisk(fixture('vm-vda-sat-root.json'), '/dev/vda')).toMatchObject({ kind: 'skipped', why: 'no-smart' });
    expect(parseSmartDisk(fixture('denied-vda-sat.json'), '/dev/vda')).toMatchObject({ kind: 'skipped', why: 'denied', message: expect.stringContaining('Permission denied') });
  });

  it('refuses output that is not JSON', () => {
    expect(() => parseSmartDisk('smartctl 7.3 2022-02-28 r5338', 'x')).toThrow(/not JSON/);
  });
});

describe('storage probe', () => {
  it('reports each disk and leaves out what a disk type does not have', async () => {
    const run = recordedSmartctl('scan-workstation.json', { '/dev/sda': 'ata-wd3200bevt-failing.json', '/dev/nvme0': 'nvme-toshiba-kxg6-healthy.json' });
    expect(table(await createStorage(setup(), run).collect(ctx))).toEqual({
      'stationwatch_disk_smart_healthy{/dev/sdb}': 0,
      'stationwatch_disk_reallocated_sectors{/dev/sdb}': 535,
      'stationwatch_disk_pending_sectors{/dev/sdb}': 1,
      'stationwatch_disk_smart_healthy{/dev/nvme0}': 1,
      'stationwatch_disk_wear_ratio{/dev/nvme0}': 0.03,
    });
  });

  it('says it needs privileges when every disk refused to open', async () => {
    const run = recordedSmartctl('scan-workstation.json', { '/dev/sda': 'denied-vda-sat.json', '/dev/nvme0': 'denied-vda-sat.json' });
    const t = table(await createStorage(setup(), run).collect(ctx));
    expect(t['stationwatch_disk_smart_healthy']).toBe('unavailable: needs root (or the disk group) to read SMART data');
  });

  it('keeps a sleeping disk\'s last answer instead of waking it', async () => {
    let asleep = false;
    const awake = recordedSmartctl('scan-workstation.json', { '/dev/sda': 'ata-samsung-hd204ui-healthy.json', '/dev/nvme0': 'nvme-toshiba-kxg6-healthy.json' });
    const run: CommandRunner = async (command, args, signal) => {
      if (asleep && args.includes('/dev/sda')) {
        const text = JSON.stringify({ device: { name: '/dev/sdb' }, smartctl: { exit_status: 2, messages: [{ string: 'Device is in STANDBY mode, exit(2)' }] } });
        return { stdout: Buffer.from(text), stderr: Buffer.alloc(0), code: 2 };
      }
      return awake(command, args, signal);
    };
    const probe = createStorage(setup(), run);
    const first = table(await probe.collect(ctx));
    asleep = true;
    expect(table(await probe.collect(ctx))).toEqual(first);
    expect(first['stationwatch_disk_pending_sectors{/dev/sdb}']).toBe(0);
  });

  it('comes out unavailable on this VM, with the real smartctl', async () => {
    const scan = spawnSync('smartctl', ['--scan', '--json'], { encoding: 'utf8' });
    if (scan.error) throw new Error('smartctl is not installed: apt-get install smartmontools');
    const readings = await createStorage(setup()).collect(ctx);
    const disks = parseSmartScan(scan.stdout).map((d) => d.name);
    if (disks.length === 0) {
      // A VM: virtual disks are not even listed. Unknown, never "healthy".
      expect(readings.every((r) => r.kind === 'unavailable')).toBe(true);
      expect(table(readings)['stationwatch_disk_smart_healthy']).toMatch(/^unavailable: no disk answers SMART/);
    } else {
      // Real disks (not this VM): every value names a disk smartctl listed.
      for (const r of readings) if (r.kind === 'sample') expect(disks).toContain(r.labels?.disk);
    }
  });
});
