// The evaluation worker lowers its own thread's priority (collector/status/thread-priority.ts): on
// Linux only that thread's nice value changes, not the process' other threads (the main thread that
// answers requests). Tried here on the test's own thread, which ends with the test process.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lowerThisThreadPriority, setThisThreadRealtime, threadScheduling } from '../../collector/thread-priority.js';

const niceOf = (statPath: string) => Number(readFileSync(statPath, 'utf8').split(') ')[1]!.split(' ')[16]);

describe('thread priority', () => {
  it('lowers the calling thread only', () => {
    if (process.platform !== 'linux') throw new Error('this test reads /proc: run it on Linux');
    const self = readFileSync('/proc/thread-self/stat', 'utf8').split(' ')[0]!;
    const others = readdirSync('/proc/self/task').filter((t) => t !== self);
    expect(others.length).toBeGreaterThan(0);
    const before = new Map(others.map((t) => [t, niceOf(`/proc/self/task/${t}/stat`)]));
    expect(lowerThisThreadPriority(10)).toBe(true);
    expect(niceOf('/proc/thread-self/stat')).toBeGreaterThanOrEqual(10);
    for (const t of others) expect(niceOf(`/proc/self/task/${t}/stat`)).toBe(before.get(t));
  });

  it('says why when the real-time policy cannot be set, and changes nothing', async () => {
    if (process.platform !== 'linux') throw new Error('this test reads /proc: run it on Linux');
    const before = threadScheduling();
    expect(await setThisThreadRealtime(1, '/nonexistent/chrt')).toBe('/nonexistent/chrt (util-linux) is not installed');
    expect(threadScheduling()).toEqual(before);
    expect(before.policy).toBe('other');
  });
});
