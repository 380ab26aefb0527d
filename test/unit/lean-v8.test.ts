// The agent's V8 flags are in force from the start: on Node.js 24 setting them at run time no longer
// takes effect (agent/lean-v8.ts), so a POSIX agent re-executes itself with them.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { AGENT_V8_FLAGS, hasAgentV8Flags, relaunchArgv, relaunchWithAgentV8Flags, type RelaunchHost } from '../../agent/lean-v8.js';

const execFileP = promisify(execFile);
const leanV8 = join(import.meta.dirname, '../../agent/lean-v8.ts');

function host(over: Partial<RelaunchHost> = {}): RelaunchHost & { calls: [string, string[]][] } {
  const calls: [string, string[]][] = [];
  return { platform: 'linux', execPath: process.execPath, execArgv: ['--enable-source-maps'], argv: [process.execPath, '/opt/sw/stationwatch.js', 'agent', '--config', 'a b.yaml'], isSea: false, execve: (f, a) => void calls.push([f, a]), calls, ...over };
}

describe('agent V8 flags', () => {
  it('re-executes the same program with the flags first, keeping its Node.js options and arguments', () => {
    const h = host();
    relaunchWithAgentV8Flags(h);
    expect(h.calls).toEqual([[process.execPath, [process.execPath, ...AGENT_V8_FLAGS, '--enable-source-maps', '/opt/sw/stationwatch.js', 'agent', '--config', 'a b.yaml']]]);
    expect(relaunchArgv('/n', [], ['/n', 's.js'])).toEqual(['/n', '--lite-mode', 's.js']);
  });

  it('does nothing once the flags are there, in the executable (its SEA configuration sets them), on Windows, without execve, or without a runnable binary', () => {
    for (const h of [host({ execArgv: ['--lite-mode'] }), host({ isSea: true }), host({ platform: 'win32' }), host({ execPath: '/nonexistent/node' })]) {
      relaunchWithAgentV8Flags(h);
      expect(h.calls).toEqual([]);
    }
    const { execve: _, ...withoutExecve } = host();
    expect(() => relaunchWithAgentV8Flags(withoutExecve)).not.toThrow();
    expect(hasAgentV8Flags(['--x', '--lite-mode'])).toBe(true);
    expect(hasAgentV8Flags([])).toBe(false);
  });

  it('a real process ends up with lite mode in force, under the same pid', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sw-lean-v8-'));
    try {
      const script = join(dir, 'main.mjs');
      // What cli/lean-v8-early.ts does, then a report of the V8 that actually runs: lite mode implies
      // --jitless, which removes WebAssembly — proof the flag took effect, not just that it was passed.
      await writeFile(
        script,
        // The .ts is loaded only before the relaunch: Node's type stripping needs WebAssembly too.
        `if (!process.execArgv.includes('--lite-mode')) {
  const { relaunchWithAgentV8Flags } = await import(${JSON.stringify(leanV8)});
  relaunchWithAgentV8Flags({ platform: process.platform, execPath: process.execPath, execArgv: process.execArgv, argv: process.argv, isSea: false, execve: (f, a) => process.execve(f, a, process.env) });
}
console.log(JSON.stringify({ pid: process.pid, execArgv: process.execArgv, argv: process.argv.slice(2), wasm: typeof WebAssembly }));
`,
      );
      const child = execFile(process.execPath, [script, 'agent', '--config', 'x y.yaml'], { timeout: 20_000 });
      const out = await new Promise<string>((resolve, reject) => {
        let text = '';
        child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
        child.on('error', reject);
        child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`exit ${code}: ${text}`))));
      });
      const seen = JSON.parse(out.trim()) as { pid: number; execArgv: string[]; argv: string[]; wasm: string };
      expect(seen).toEqual({ pid: child.pid, execArgv: expect.arrayContaining([...AGENT_V8_FLAGS]) as unknown as string[], argv: ['agent', '--config', 'x y.yaml'], wasm: 'undefined' });
      // Without the relaunch the same runtime keeps WebAssembly: the difference is the flag's.
      expect((await execFileP(process.execPath, ['-p', 'typeof WebAssembly'], { timeout: 20_000 })).stdout.trim()).toBe('object');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
