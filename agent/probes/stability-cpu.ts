// CPU time read with every stability heartbeat, so that a late heartbeat can be told apart:
// - the agent was busy itself (its own CPU time grew by most of the gap: a long synchronous task, a
//   burst of process starts on Windows, where spawning is synchronous) — not a freeze;
// - the machine was saturated (its CPUs were ≥ 90 % busy during the gap: e.g. a burst of PowerShell
//   starts) — the agent was starved, the machine was working: not a freeze;
// - the machine froze: nobody got CPU time, or the kernel did not even count the time (a paused VM).
// Linux: the first line of /proc/stat, read synchronously (procfs answers from memory, as clock.ts
// does for /proc/uptime; stability.linux.ts); elsewhere os.cpus(). The process' own CPU time from
// process.cpuUsage().
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

export interface CpuReading {
  /** This process' user + system CPU time, ms. */
  processMs: number;
  /** Every CPU's non-idle time summed, ms. */
  systemBusyMs: number;
  /** Every CPU's time summed (busy + idle), ms: grows by elapsed × CPUs while the kernel counts. */
  systemTotalMs: number;
  cpus: number;
}

/** /proc/stat counts in USER_HZ, 100 per second on every Linux architecture the agent runs on. */
const USER_HZ_MS = 10;

export function parseProcStat(text: string): Pick<CpuReading, 'systemBusyMs' | 'systemTotalMs' | 'cpus'> | undefined {
  const lines = text.split('\n');
  const first = lines[0] ?? '';
  if (!first.startsWith('cpu ')) return undefined;
  const f = first.trim().split(/\s+/).slice(1).map(Number);
  if (f.length < 4 || f.some((n) => !Number.isFinite(n))) return undefined;
  // user nice system idle iowait irq softirq steal (guest is already inside user): idle + iowait is idle.
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  const n = lines.filter((l) => /^cpu\d+ /.test(l)).length;
  return { systemBusyMs: (total - idle) * USER_HZ_MS, systemTotalMs: total * USER_HZ_MS, cpus: Math.max(1, n) };
}

/** Linux: the first line of /proc/stat (read synchronously: procfs answers from memory). */
export function procStatCpuReader(procRoot: string): () => CpuReading | undefined {
  return () => {
    try {
      const sys = parseProcStat(readFileSync(`${procRoot}/stat`, 'utf8'));
      return sys ? { processMs: processMs(), ...sys } : undefined;
    } catch {
      return undefined;
    }
  };
}

/** Elsewhere: os.cpus()' per-CPU times. */
export function osCpuReader(): () => CpuReading | undefined {
  return () => {
    const list = cpus();
    if (list.length === 0) return undefined;
    let busy = 0;
    let total = 0;
    for (const c of list) {
      const t = c.times;
      const all = t.user + t.nice + t.sys + t.idle + t.irq;
      total += all;
      busy += all - t.idle;
    }
    return { processMs: processMs(), systemBusyMs: busy, systemTotalMs: total, cpus: list.length };
  };
}

function processMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
