// CPU and memory of a process from /proc (Linux): no extra tools, so the same numbers come out for
// our agent, node_exporter, Pushgateway and Prometheus. CPU is utime+stime (own) and cutime+cstime
// (children that were waited for: the agent's ping processes); memory is VmRSS now and VmHWM, the
// peak since start or since the last resetPeak().
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux architecture we run on

export interface CpuTimes {
  /** Seconds of CPU the process itself used (user + system). */
  own: number;
  /** Seconds of CPU its reaped children used (user + system). */
  children: number;
}

export function cpuSeconds(pid: number): CpuTimes {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`process ${pid} exited before it was measured (its output is in the failure above it, if any)`);
    throw e;
  }
  // The command name (field 2) may contain spaces and parentheses: fields count from its last ")".
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const n = (i: number) => Number(f[i - 3]);
  return { own: (n(14) + n(15)) / TICKS_PER_SECOND, children: (n(16) + n(17)) / TICKS_PER_SECOND };
}

function statusKiB(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`/proc/${pid}/status has no ${field}`);
  return Number(m[1]);
}

export const rssMiB = (pid: number): number => statusKiB(pid, 'VmRSS') / 1024;
export const peakRssMiB = (pid: number): number => statusKiB(pid, 'VmHWM') / 1024;

/** Resets VmHWM to the current RSS (Linux ≥ 4.0: "5" into clear_refs), so a phase's own peak can be read. */
export function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

export interface Sampler {
  /** RSS samples (MiB) taken so far. */
  rss: number[];
  stop(): void;
}

/** Samples RSS every `everyMs` until stopped (the steady RSS is the median of these). */
export function sampleRss(pid: number, everyMs: number): Sampler {
  const rss: number[] = [];
  const take = () => {
    try {
      rss.push(rssMiB(pid));
    } catch {
      // the process has exited; the caller notices on its own
    }
  };
  take();
  const timer = setInterval(take, everyMs);
  return { rss, stop: () => clearInterval(timer) };
}

/**
 * CPU seconds of each live descendant of `pid` (children, their children …), by pid. A child the
 * process has not waited for yet — the agent's long-running `ping` — is in neither its own nor its
 * `children` figure, so a fair account adds these (cpuInWindow).
 */
export function liveDescendantsCpu(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  const visit = (p: number) => {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      return; // exited meanwhile
    }
    for (const t of tasks) {
      let children: string;
      try {
        children = readFileSync(`/proc/${p}/task/${t}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const c of children.trim().split(/\s+/).filter(Boolean).map(Number)) {
        try {
          out.set(c, cpuSeconds(c).own);
        } catch {
          continue;
        }
        visit(c);
      }
    }
  };
  visit(pid);
  return out;
}

/**
 * CPU the live descendants used between two liveDescendantsCpu snapshots. One that was alive at the
 * start and has since been reaped is already in the parent's `children` figure with its whole life:
 * its CPU before the start is taken off again.
 */
export function descendantsCpuBetween(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number {
  let cpu = 0;
  for (const [p, s] of after) cpu += s - (before.get(p) ?? 0);
  for (const [p, s] of before) if (!after.has(p)) cpu -= s;
  return cpu;
}

export interface TreeStats {
  processes: number;
  /** CPU seconds of every member (own, and its reaped children's: a PostgreSQL backend that ended is in the postmaster's). */
  cpu: number;
  /** Proportional set size summed (shared pages split among the processes that map them: shared_buffers counted once). */
  pssMiB: number;
}

/**
 * CPU and memory of a process and all its descendants, from /proc. By parentage, not by process
 * group: PostgreSQL's backends each call setsid(), so they leave the postmaster's group.
 */
export function processTreeStats(root: number): TreeStats {
  const parent = new Map<number, number>();
  const fields = new Map<number, string[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(entry), Number(f[1])); // field 4: the parent
      fields.set(Number(entry), f);
    } catch {
      // exited meanwhile
    }
  }
  const inTree = (pid: number): boolean => {
    for (let p: number | undefined = pid, depth = 0; p !== undefined && p > 1 && depth < 64; p = parent.get(p), depth++) if (p === root) return true;
    return false;
  };
  const out: TreeStats = { processes: 0, cpu: 0, pssMiB: 0 };
  for (const [pid, f] of fields) {
    if (!inTree(pid)) continue;
    const n = (i: number) => Number(f[i - 3]);
    out.processes++;
    out.cpu += (n(14) + n(15) + n(16) + n(17)) / TICKS_PER_SECOND;
    try {
      const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      if (m) out.pssMiB += Number(m[1]) / 1024;
    } catch {
      // exited meanwhile
    }
  }
  return out;
}
