// Pure parsers for the resources probe: procfs text in, numbers out. Kept apart from file reading so
// each one is tested on a literal string (node_exporter's habit).

/** `/proc/meminfo` as bytes per key. Lines without a number are ignored. */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([^:\s]+):\s+(\d+)(?:\s+kB)?\s*$/.exec(line);
    if (!match) continue;
    const value = Number(match[2]);
    // The kernel writes "kB" but means KiB; counts such as HugePages_Total carry no unit.
    out.set(match[1]!, line.trimEnd().endsWith('kB') ? value * 1024 : value);
  }
  return out;
}

export interface MemoryFigures {
  total: number;
  /** Memory programs hold: total minus what the kernel could hand out without swapping. */
  used: number;
  swapTotal: number;
  swapUsed: number;
}

export function memoryFromMeminfo(info: Map<string, number>): MemoryFigures {
  const total = info.get('MemTotal');
  if (total === undefined || total <= 0) throw new Error('meminfo has no MemTotal');
  // MemAvailable exists since Linux 3.14; before it, free + buffers + page cache + reclaimable slab is
  // the estimate the kernel itself later adopted.
  const available =
    info.get('MemAvailable') ??
    (info.get('MemFree') ?? 0) + (info.get('Buffers') ?? 0) + (info.get('Cached') ?? 0) + (info.get('SReclaimable') ?? 0);
  const swapTotal = info.get('SwapTotal') ?? 0;
  const swapFree = info.get('SwapFree') ?? 0;
  return {
    total,
    used: Math.max(0, total - Math.min(available, total)),
    swapTotal,
    swapUsed: Math.max(0, swapTotal - swapFree),
  };
}

/** Cumulative CPU time in clock ticks, all cores together. */
export interface CpuTimes {
  busy: number;
  total: number;
}

/**
 * The aggregate `cpu` line of `/proc/stat`. Like psutil: iowait counts as idle (the CPU was free to
 * run something else), steal counts as busy (the VM wanted the CPU and did not get it), and guest time
 * is left out of the total because the kernel already includes it in user and nice.
 */
export function parseCpuStat(text: string): CpuTimes {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('/proc/stat has no aggregate cpu line');
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  if (f.length < 4 || f.some((n) => !Number.isFinite(n))) throw new Error(`unexpected /proc/stat cpu line: ${line}`);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
  const total = user + nice + system + idle + iowait + irq + softirq + steal;
  return { busy: total - idle - iowait, total };
}

/** The same totals from `os.cpus()`, for platforms without procfs. */
export function cpuTimesFromOs(cpus: readonly { times: { user: number; nice: number; sys: number; idle: number; irq: number } }[]): CpuTimes {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus) {
    const b = times.user + times.nice + times.sys + times.irq;
    busy += b;
    total += b + times.idle;
  }
  return { busy, total };
}

/** Busy share between two readings, or undefined when no time passed or the counters went back. */
export function cpuUtilisation(prev: CpuTimes, cur: CpuTimes): number | undefined {
  const dTotal = cur.total - prev.total;
  const dBusy = cur.busy - prev.busy;
  if (dTotal <= 0 || dBusy < 0) return undefined;
  return Math.min(1, dBusy / dTotal);
}

/** First field of `/proc/loadavg`, e.g. "0.21 0.37 0.39 1/719 19737". */
export function parseLoadavg(text: string): number {
  const field = text.trim().split(/\s+/)[0] ?? '';
  // Number('') is 0, so an empty file must be caught before conversion.
  const load1 = /^\d+(\.\d+)?$/.test(field) ? Number(field) : NaN;
  if (!Number.isFinite(load1)) throw new Error(`unexpected loadavg: ${text.trim()}`);
  return load1;
}

export interface Mount {
  device: string;
  mountpoint: string;
  fstype: string;
}

/** getmntent's escapes: space, tab, newline and backslash are written as 3-digit octal. */
function unescapeMountField(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** `/proc/mounts` (fstab format): device, mountpoint, type, options, dump, pass. */
export function parseMounts(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    const [device, mountpoint, fstype] = line.trim().split(/\s+/);
    if (!device || !mountpoint || !fstype) continue;
    mounts.push({ device: unescapeMountField(device), mountpoint: unescapeMountField(mountpoint), fstype });
  }
  return mounts;
}

/**
 * Filesystems that hold a user's data on a local disk. An allow-list rather than a deny-list: pseudo
 * filesystems keep appearing (proc, cgroup2, tracefs...), tmpfs is memory (already measured), overlay
 * and bind mounts repeat a disk already listed, squashfs (snaps) is always 100% full by design, and
 * network filesystems can block statfs for minutes when the server is gone.
 */
export const LOCAL_FSTYPES: ReadonlySet<string> = new Set([
  'ext2', 'ext3', 'ext4', 'xfs', 'btrfs', 'zfs', 'f2fs', 'jfs', 'reiserfs', 'bcachefs',
  'vfat', 'exfat', 'ntfs', 'ntfs3', 'fuseblk', 'hfsplus',
  // as systeminformation names them on macOS and Windows
  'apfs', 'hfs', 'fat32', 'refs',
]);

/**
 * Real local filesystems, one per device. A device mounted twice (bind mounts, btrfs subvolumes, a
 * container runtime's view of the root disk) has one size; the shortest mountpoint names it, so `/`
 * wins over `/var/lib/docker/...`.
 */
export function selectFilesystems(mounts: readonly Mount[], fstypes: ReadonlySet<string> = LOCAL_FSTYPES): Mount[] {
  const byDevice = new Map<string, Mount>();
  for (const mount of mounts) {
    if (!fstypes.has(mount.fstype.toLowerCase())) continue;
    const seen = byDevice.get(mount.device);
    if (!seen || mount.mountpoint.length < seen.mountpoint.length) byDevice.set(mount.device, mount);
  }
  return [...byDevice.values()];
}

export interface FsFigures {
  size: number;
  avail: number;
  /** Used over what unprivileged users can fill, as `df` shows it: 1 means users cannot write. */
  utilisation: number;
}

/** From statfs block counts. Root-reserved blocks count neither as used nor as available. */
export function fsFigures(s: { bsize: number; blocks: number; bfree: number; bavail: number }): FsFigures | undefined {
  const used = (s.blocks - s.bfree) * s.bsize;
  const avail = s.bavail * s.bsize;
  // Zero blocks is a pseudo filesystem that slipped through; nothing usable leaves no ratio to report.
  if (s.blocks <= 0 || s.bsize <= 0 || used + avail <= 0) return undefined;
  return { size: s.blocks * s.bsize, avail, utilisation: used / (used + avail) };
}
