// External commands run through agent/exec/run-command.ts: a command that hangs (and ignores
// SIGTERM) is killed with its whole process group at its deadline, the deadline fires even after
// forced garbage collections (an AbortSignal.any/AbortSignal.timeout limit stopped firing on Node 20
// once GC ran), a hanging command of one probe does not hold up another's, and the agent stopping
// kills every child still running.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand, CommandTimedOut } from '../../agent/exec/run-command.js';
import { killAllChildren, liveChildren } from '../../agent/exec/children.js';
import { commandRunner } from '../../agent/probes/posture-command.js';
import { alive } from '../helpers/alive.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sw-hang-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function gone(pids: number[], ms = 3000): Promise<boolean> {
  const until = Date.now() + ms;
  while (pids.some(alive) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  return !pids.some(alive);
}

/** A shell that records its own pid and its background sleep's pid, then waits; TERM ignored when asked. */
function hangingShell(tag: string, ignoreTerm: boolean, seconds = 30): [string, string[]] {
  const trap = ignoreTerm ? "trap '' TERM; " : '';
  return ['sh', ['-c', `${trap}echo $$ > ${join(dir, `${tag}.sh`)}; sleep ${seconds} & echo $! > ${join(dir, `${tag}.sleep`)}; wait`]];
}
const pidsOf = async (tag: string) => [Number(await readFile(join(dir, `${tag}.sh`), 'utf8')), Number(await readFile(join(dir, `${tag}.sleep`), 'utf8'))];

describe('hanging external commands', () => {
  it('a command that ignores SIGTERM is killed with its process group at its deadline, and nothing else waits for it', async () => {
    const t0 = Date.now();
    const [cmd, args] = hangingShell('term', true);
    const hung = runCommand(cmd, args, { timeoutMs: 500 });
    const quick = commandRunner([], 5000)('sh', ['-c', 'echo fine'], new AbortController().signal);
    expect((await quick).stdout.toString().trim()).toBe('fine');
    await expect(hung).rejects.toBeInstanceOf(CommandTimedOut);
    expect(Date.now() - t0).toBeLessThan(3000);
    // The shell ignored SIGTERM (its sleep did not): SIGKILL after the grace ends what is left.
    expect(await gone(await pidsOf('term'))).toBe(true);
  });

  it("the caller's signal kills the command and its children at once", async () => {
    const controller = new AbortController();
    const [cmd, args] = hangingShell('abort', false);
    const run = runCommand(cmd, args, { timeoutMs: 60_000, signal: controller.signal });
    await new Promise((r) => setTimeout(r, 300));
    controller.abort(new Error('the probe timed out'));
    await expect(run).rejects.toThrow('sh was stopped: the probe timed out');
    expect(await gone(await pidsOf('abort'))).toBe(true);
  });

  it('the agent stopping kills every child still running', async () => {
    const [cmd, args] = hangingShell('stop', true);
    const run = runCommand(cmd, args, { timeoutMs: 60_000 }).catch(() => 'ended');
    await new Promise((r) => setTimeout(r, 300));
    expect(liveChildren()).toBeGreaterThanOrEqual(1);
    killAllChildren();
    expect(await gone(await pidsOf('stop'))).toBe(true);
    expect(await run).toBe('ended');
    expect(liveChildren()).toBe(0);
  });

  it('the deadline fires after forced garbage collections (a 1.5 s limit on sleep 6 ends in time, its process group gone)', async () => {
    // The real module, bundled, in a node with --expose-gc that collects garbage every 20 ms while
    // the command runs. On Node 20 AbortSignal.any([s, AbortSignal.timeout(ms)]) lost its timeout here.
    const bundle = join(dir, 'run-command.mjs');
    await build({ entryPoints: [join(root, 'agent/exec/run-command.ts')], bundle: true, platform: 'node', format: 'esm', outfile: bundle, logLevel: 'silent' });
    const script = `
      import { runCommand } from ${JSON.stringify(bundle)};
      const t0 = Date.now();
      const collecting = setInterval(() => { for (let i = 0; i < 200; i++) new Array(1000).fill(i); globalThis.gc(); }, 20);
      const outcome = await runCommand('sh', ['-c', 'echo $$ > ${join(dir, 'gc.sh')}; sleep 6 & echo $! > ${join(dir, 'gc.sleep')}; wait'], { timeoutMs: 1500 })
        .then(() => 'finished', (e) => e.constructor.name + ': ' + e.message);
      clearInterval(collecting);
      console.log(JSON.stringify({ ms: Date.now() - t0, outcome }));
      process.exit(0);
    `;
    const res = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(res.stderr).toBe('');
    const { ms, outcome } = JSON.parse(res.stdout) as { ms: number; outcome: string };
    expect(outcome).toBe('CommandTimedOut: sh timed out after 1.5 s and was killed');
    expect(ms).toBeGreaterThanOrEqual(1400);
    expect(ms).toBeLessThan(4000);
    expect(await gone(await pidsOf('gc'))).toBe(true);
  });
});
