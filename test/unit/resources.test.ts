import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger.js';
import { systemClock } from '../../agent/clock.js';
import type { ProbeSetup, Reading } from '../../agent/probes/probe.js';
import { createResources, resourcesProbe, type ResourcesIo } from '../../agent/probes/resources.js';
import {
  cpuTimesFromOs, cpuUtilisation, fsFigures, memoryFromMeminfo, parseCpuStat, parseLoadavg, parseMeminfo, parseMounts, selectFilesystems,
} from '../../agent/probes/resources-parse.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const ctx = { signal: new AbortController().signal };

function setup(over: Partial<ProbeSetup>): ProbeSetup {
  return { log: silentLogger, clock: systemClock(), platform: 'linux', stateDir: '/nonexistent', procRoot: '/proc', sysRoot: '/sys', settings: {}, collectorUrl: 'http://127.0.0.1:9847', ...over };
}

/** name{labels} → value, or name → "unavailable: reason". */
function table(readings: Reading[]): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const r of readings) {
    const key = r.kind === 'sample' && r.labels ? `${r.metric.name}{${Object.values(r.labels).join(',')}}` : r.metric.name;
    out[key] = r.kind === 'sample' ? r.value : `unavailable: ${r.reason}`;
  }
  return out;
}

const STAT_1 = 'cpu  1000 50 500 8000 200 10 40 100 30 0\ncpu0 500 25 250 4000 100 5 20 50 15 0\nctxt 1\n';
const STAT_2 = 'cpu  1600 50 700 8900 300 10 40 100 230 0\ncpu0 800 25 350 4450 150 5 20 50 115 0\nctxt 2\n';

describe('resources parsers', () => {
  it('reads meminfo in bytes and leaves cache out of used memory', () => {
    const info = parseMeminfo('MemTotal:        8000000 kB\nMemFree:  1000000 kB\nMemAvailable:    5000000 kB\nCached: 3500000 kB\nSwapTotal: 1000 kB\nSwapFree: 250 kB\nHugePages_Total:       4\n');
    expect(info.get('HugePages_Total')).toBe(4);
    expect(memoryFromMeminfo(info)).toEqual({ total: 8_192_000_000, used: 3_072_000_000, swapTotal: 1_024_000, swapUsed: 768_000 });
  });

  it('estimates available memory on kernels without MemAvailable', () => {
    const info = parseMeminfo('MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 200 kB\nSReclaimable: 50 kB\n');
    expect(memoryFromMeminfo(info)).toEqual({ total: 1_024_000, used: 614_400, swapTotal: 0, swapUsed: 0 });
    expect(() => memoryFromMeminfo(parseMeminfo('MemFree: 1 kB\n'))).toThrow(/MemTotal/);
  });

  it('counts iowait as idle, steal as busy and guest time once', () => {
    expect(parseCpuStat(STAT_1)).toEqual({ busy: 1700, total: 9900 });
    expect(cpuUtilisation(parseCpuStat(STAT_1), parseCpuStat(STAT_2))).toBe(800 / 1800);
    expect(cpuUtilisation(parseCpuStat(STAT_2), parseCpuStat(STAT_1))).toBeUndefined();
    expect(cpuUtilisation(parseCpuStat(STAT_1), parseCpuStat(STAT_1))).toBeUndefined();
    expect(() => parseCpuStat('intr 1 2 3\n')).toThrow(/aggregate cpu/);
  });

  it('sums os.cpus() times', () => {
    const t = { user: 300, nice: 0, sys: 100, idle: 600, irq: 0 };
    expect(cpuTimesFromOs([{ times: t }, { times: { ...t, idle: 500, irq: 100 } }])).toEqual({ busy: 900, total: 2000 });
  });

  it('reads the 1-minute load', () => {
    expect(parseLoadavg('0.21 0.37 0.39 1/719 19737\n')).toBe(0.21);
    expect(() => parseLoadavg('')).toThrow(/loadavg/);
  });

  it('unescapes mount paths and keeps one real filesystem per device', () => {
    const mounts = parseMounts(
      [
        '/dev/sdb1 /media/clerk/Backup\\040Disk ntfs3 rw 0 0',
        '/dev/sdc1 /mnt/tab\\011and\\134slash exfat rw 0 0',
        '/dev/sda2 /var/lib/docker btrfs rw 0 0',
        '/dev/sda2 / btrfs rw 0 0',
        '/dev/sda2 /home btrfs rw,subvol=/@home 0 0',
        'tmpfs /tmp tmpfs rw 0 0',
        '/dev/loop3 /snap/firefox/1 squashfs ro 0 0',
        '',
      ].join('\n'),
    );
    expect(mounts[0]).toEqual({ device: '/dev/sdb1', mountpoint: '/media/clerk/Backup Disk', fstype: 'ntfs3' });
    expect(mounts[1]!.mountpoint).toBe('/mnt/tab\tand\\slash');
    expect(selectFilesystems(mounts).map((x) => x.mountpoint)).toEqual(['/media/clerk/Backup Disk', '/mnt/tab\tand\\slash', '/']);
  });

  it('measures utilisation as df does, with root-reserved blocks left out', () => {
    expect(fsFigures({ bsize: 4096, blocks: 1000, bfree: 100, bavail: 50 })).toEqual({ size: 4_096_000, avail: 204_800, utilisation: 900 / 950 });
    expect(fsFigures({ bsize: 4096, blocks: 0, bfree: 0, bavail: 0 })).toBeUndefined();
  });
});

describe('resources probe on a fixture tree', () => {
  const sizes: Record<string, { bsize: number; blocks: number; bfree: number; bavail: number }> = {
    '/': { bsize: 4096, blocks: 1_000_000, bfree: 300_000, bavail: 250_000 },
    '/boot/efi': { bsize: 4096, blocks: 131_072, bfree: 122_880, bavail: 122_880 },
  };
  const io: ResourcesIo = {
    statfs: async (p) => sizes[p] ?? Promise.reject(Object.assign(new Error(`EACCES: ${p}`), { code: 'EACCES' })),
    cpus: () => { throw new Error('not used on Linux'); },
    loadavg: () => { throw new Error('not used on Linux'); },
    mem: () => Promise.reject(new Error('not used on Linux')),
    fsSize: () => Promise.reject(new Error('not used on Linux')),
  };
  let tmp: string | undefined;
  afterEach(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
    tmp = undefined;
  });

  it('reports memory, swap, load and local filesystems; CPU waits for a second reading', async () => {
    const probe = createResources(setup({ procRoot: join(fixtures, 'proc-basic') }), io);
    expect(table(await probe.collect(ctx))).toEqual({
      stationwatch_cpu_utilisation_ratio: 'unavailable: first reading since the agent started: utilisation is measured between two collects',
      stationwatch_memory_total_bytes: 16_694_702_080,
      stationwatch_memory_used_bytes: 6_646_865_920,
      stationwatch_memory_utilisation_ratio: 6_646_865_920 / 16_694_702_080,
      stationwatch_swap_total_bytes: 2_147_479_552,
      stationwatch_swap_used_bytes: 536_870_912,
      stationwatch_load1: 0.52,
      // "/media/clerk/Backup Disk" is selected too, but statfs refuses it, so it is left out.
      'stationwatch_filesystem_size_bytes{/,ext4}': 4_096_000_000,
      'stationwatch_filesystem_avail_bytes{/,ext4}': 1_024_000_000,
      'stationwatch_filesystem_utilisation_ratio{/,ext4}': 700_000 / 950_000,
      'stationwatch_filesystem_size_bytes{/boot/efi,vfat}': 536_870_912,
      'stationwatch_filesystem_avail_bytes{/boot/efi,vfat}': 503_316_480,
      'stationwatch_filesystem_utilisation_ratio{/boot/efi,vfat}': 0.0625,
    });
  });

  it('reports CPU utilisation over the interval between collects', async () => {
    tmp = await mkdtemp(join(tmpdir(), 'sw-proc-'));
    await cp(join(fixtures, 'proc-basic'), tmp, { recursive: true });
    await writeFile(join(tmp, 'stat'), STAT_1);
    const probe = createResources(setup({ procRoot: tmp }), io);
    await probe.collect(ctx);
    await writeFile(join(tmp, 'stat'), STAT_2);
    expect(table(await probe.collect(ctx)).stationwatch_cpu_utilisation_ratio).toBe(800 / 1800);
    expect(table(await probe.collect(ctx)).stationwatch_cpu_utilisation_ratio).toBe('unavailable: no CPU time elapsed since the previous collect');
  });

  it('says so when no filesystem can be measured, and fails loudly without procfs', async () => {
    const blind = createResources(setup({ procRoot: join(fixtures, 'proc-basic') }), { ...io, statfs: () => Promise.reject(new Error('EACCES')) });
    expect(table(await blind.collect(ctx)).stationwatch_filesystem_size_bytes).toBe('unavailable: no local disk filesystem could be measured');
    await expect(createResources(setup({ procRoot: join(fixtures, 'missing') }), io).collect(ctx)).rejects.toThrow(/read .*missing\/(stat|meminfo|loadavg|mounts)$/);
  });
});

describe('resources probe elsewhere', () => {
  const times = (busy: number, idle: number) => [{ model: 'x', speed: 1, times: { user: busy, nice: 0, sys: 0, idle, irq: 0 } }];
  const fs = [
    { fs: 'C:', type: 'NTFS', mount: 'C:', size: 500e9, used: 400e9, available: 100e9 },
    { fs: 'Z:', type: 'SMB', mount: 'Z:', size: 1e12, used: 1e11, available: 9e11 },
  ];
  function io(cpuTimes: ReturnType<typeof times>[]): ResourcesIo {
    return {
      statfs: () => Promise.reject(new Error('not used')),
      cpus: () => cpuTimes.shift()!,
      loadavg: () => [0, 0, 0],
      mem: async () => ({ total: 16e9, active: 4e9, swaptotal: 2e9, swapused: 1e9 }),
      fsSize: async () => fs,
    };
  }

  it('on Windows starts no process: memory from the OS, the system drive by statfs, swap and load unavailable', async () => {
    const statfsCalls: string[] = [];
    const win: ResourcesIo = {
      ...io([times(100, 900), times(400, 1600)]),
      mem: () => Promise.reject(new Error('systeminformation must not be asked on Windows')),
      fsSize: () => Promise.reject(new Error('systeminformation must not be asked on Windows')),
      osMemory: () => ({ total: 16e9, available: 12e9 }),
      systemDrive: () => 'C:\\',
      statfs: async (p) => (statfsCalls.push(p), { bsize: 4096, blocks: 1000, bfree: 250, bavail: 250 }),
    };
    const probe = createResources(setup({ platform: 'win32' }), win);
    await probe.collect(ctx);
    expect(table(await probe.collect(ctx))).toEqual({
      stationwatch_cpu_utilisation_ratio: 300 / 1000,
      stationwatch_memory_total_bytes: 16e9,
      stationwatch_memory_used_bytes: 4e9,
      stationwatch_memory_utilisation_ratio: 0.25,
      stationwatch_swap_total_bytes: expect.stringMatching(/^unavailable: the page file/),
      stationwatch_swap_used_bytes: expect.stringMatching(/^unavailable: the page file/),
      stationwatch_load1: 'unavailable: this OS has no load average',
      'stationwatch_filesystem_size_bytes{C:\\,ntfs}': 4096 * 1000,
      'stationwatch_filesystem_avail_bytes{C:\\,ntfs}': 4096 * 250,
      'stationwatch_filesystem_utilisation_ratio{C:\\,ntfs}': 0.75,
    });
    expect(statfsCalls).toEqual(['C:\\', 'C:\\']);
    // An unreadable system drive is said, never a zero.
    const blind = createResources(setup({ platform: 'win32' }), { ...win, cpus: () => times(1, 1), statfs: () => Promise.reject(new Error('EIO')) });
    expect(table(await blind.collect(ctx)).stationwatch_filesystem_size_bytes).toBe('unavailable: no local disk filesystem could be measured');
  });

  it('uses systeminformation on macOS', async () => {
    const probe = createResources(setup({ platform: 'darwin' }), io([times(100, 900), times(400, 1600)]));
    await probe.collect(ctx);
    expect(table(await probe.collect(ctx))).toMatchObject({
      stationwatch_cpu_utilisation_ratio: 300 / 1000,
      stationwatch_memory_used_bytes: 4e9,
      stationwatch_swap_total_bytes: 2e9,
      stationwatch_load1: 0,
    });
  });
});

describe('resources probe on this machine', () => {
  it('reports values in range', async () => {
    const probe = resourcesProbe.create(setup({ platform: process.platform }));
    await probe.collect(ctx);
    const end = Date.now() + 100;
    while (Date.now() < end); // keep a core busy so the interval has CPU time in it
    const t = table(await probe.collect(ctx));
    const total = t.stationwatch_memory_total_bytes as number;
    expect(total).toBeGreaterThan(64 * 2 ** 20);
    expect(t.stationwatch_memory_used_bytes).toBeGreaterThan(0);
    expect(t.stationwatch_memory_used_bytes).toBeLessThanOrEqual(total);
    expect(t.stationwatch_cpu_utilisation_ratio).toBeGreaterThan(0);
    expect(t.stationwatch_cpu_utilisation_ratio).toBeLessThanOrEqual(1);
    const ratios = Object.entries(t).filter(([k]) => k.startsWith('stationwatch_filesystem_utilisation_ratio{'));
    expect(ratios.length).toBeGreaterThan(0);
    for (const [, v] of ratios) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
  });
});
