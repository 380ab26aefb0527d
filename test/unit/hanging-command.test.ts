// An external command that hangs and ignores SIGTERM is killed at its timeout, and a hanging
// command of one probe does not hold up another's.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../agent/peripherals/run-command.js';
import { commandRunner } from '../../agent/probes/posture-command.js';
import { alive } from '../helpers/alive.js';


describe('hanging external commands', () => {
  it('a command that ignores SIGTERM is killed at its timeout, and nothing else waits for it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sw-hang-'));
    try {
      const pidFile = join(dir, 'pid');
      const t0 = Date.now();
      const hung = runCommand('sh', ['-c', `echo $$ > ${pidFile}; trap '' TERM; exec sleep 30`], AbortSignal.timeout(300));
      const quick = commandRunner([], 5000)('sh', ['-c', 'echo fine'], new AbortController().signal);
      expect((await quick).stdout.toString().trim()).toBe('fine');
      await expect(hung).rejects.toThrow(/timed out/);
      expect(Date.now() - t0).toBeLessThan(5000);
      const pid = Number(await readFile(pidFile, 'utf8'));
      for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
      expect(alive(pid)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
