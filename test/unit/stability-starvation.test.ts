// The freeze detector's CPU evidence (stability-logic.ts, stability-cpu.ts): a late heartbeat is the
// agent's own starvation — it was busy itself, or the machine's CPUs were saturated — not a 死机
// freeze; a gap the kernel did not even count (a paused VM) or an idle machine is still a freeze.
import { describe, expect, it } from 'vitest';
import { classifyGap, DEFAULT_LIMITS, type Tick } from '../../agent/probes/stability-logic.js';
import { parseProcStat } from '../../agent/probes/stability-cpu.js';

const GAP = 30_000; // a heartbeat 30 s late: far past the 10 s hang threshold
const cpu = (processMs: number, systemBusyMs: number, systemTotalMs: number) => ({ processMs, systemBusyMs, systemTotalMs, cpus: 2 });
const before: Tick = { wallMs: 0, monoMs: 0, cpu: cpu(0, 0, 0) };
const after = (c: ReturnType<typeof cpu>): Tick => ({ wallMs: GAP + 1000, monoMs: GAP + 1000, cpu: c });

describe('freeze or starvation', () => {
  it('the agent busy itself for most of the gap: starved, not frozen', () => {
    const v = classifyGap(before, after(cpu(20_000, 40_000, 2 * GAP)), 1000, DEFAULT_LIMITS);
    expect(v).toMatchObject({ hang: false, starved: 'agent-busy' });
  });

  it('the machine saturated (a burst of PowerShell starts): starved, not frozen', () => {
    const v = classifyGap(before, after(cpu(500, 0.95 * 2 * GAP, 2 * GAP)), 1000, DEFAULT_LIMITS);
    expect(v).toMatchObject({ hang: false, starved: 'machine-busy' });
  });

  it('the kernel did not count the time (nothing ran: a paused VM): a freeze, whatever the shares say', () => {
    const v = classifyGap(before, after(cpu(20_000, 1000, 1000)), 1000, DEFAULT_LIMITS);
    expect(v.hang).toBe(true);
    expect(v.starved).toBeUndefined();
  });

  it('an idle machine whose agent was not scheduled: a freeze', () => {
    const v = classifyGap(before, after(cpu(100, 0.1 * 2 * GAP, 2 * GAP)), 1000, DEFAULT_LIMITS);
    expect(v).toMatchObject({ hang: true });
  });

  it('without CPU readings the verdict is the clocks\' alone', () => {
    const v = classifyGap({ wallMs: 0, monoMs: 0 }, { wallMs: GAP + 1000, monoMs: GAP + 1000 }, 1000, DEFAULT_LIMITS);
    expect(v.hang).toBe(true);
  });

  it('reads /proc/stat: idle and iowait are idle, every CPU counted (literal input)', () => {
    const stat = 'cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 50 0 25 400 25 0 0 0 0 0\ncpu1 50 0 25 400 25 0 0 0 0 0\nintr 1\n';
    expect(parseProcStat(stat)).toEqual({ systemBusyMs: 1500, systemTotalMs: 10_000, cpus: 2 });
    expect(parseProcStat('intr 1\n')).toBeUndefined();
  });
});
