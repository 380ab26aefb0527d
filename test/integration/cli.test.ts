// The stationwatch command as users run it: configuration checks and refusals with clear messages,
// and --help on every subcommand its own help lists (npm CLI and the agent executable's entry point).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeFileName } from '../../collector/store/sqlite/db.js';
import { cliPath, freePort, repoRoot, start, waitFor } from './fixtures/processes.js';
import { suiteTimer } from './fixtures/prometheus.js';

/** The agent executable's entry point, run by node as the bundle inside the executable runs it. */
const agentExePath = join(repoRoot, 'dist/cli/agent-exe.js');

interface Ran {
  code: number;
  out: string;
  stdout: string;
  stderr: string;
}

function run(args: string[], script = cliPath): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr, stdout, stderr });
    });
  });
}

/** The subcommands a top-level help lists: the names in the first column of its "commands:" table. */
function listedCommands(help: string): string[] {
  const table = help.split(/^commands:$/m)[1]?.split(/\n\n/)[0] ?? '';
  return table
    .split('\n')
    .map((line) => /^ {2}([a-z][a-z-]*(?: [a-z][a-z-]*)*) {2,}\S/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

/** Runs fn over items, `width` at a time (each item is a node process; the machine has 2 cores). */
async function inBatches<T, R>(items: readonly T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += width) results.push(...(await Promise.all(items.slice(i, i + width).map(fn))));
  return results;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('stationwatch CLI', () => {
  let dir: string;
  const done = suiteTimer('cli');
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stationwatch-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    done();
  });

  it('accepts the example configurations', async () => {
    for (const f of ['docs/agent.example.yaml', 'docs/collector.example.yaml']) {
      const r = await run(['check-config', join(repoRoot, f)]);
      expect(r.out).toContain('valid');
      expect(r.code).toBe(0);
    }
  });

  it('lists every problem of a broken file with its path, and exits non-zero', async () => {
    const file = join(dir, 'agent.yaml');
    await writeFile(file, 'site: x\ncollector:\n  url: ftp://nowhere\nintervals: { fastSeconds: -1 }\nprobes: { thermals: {} }\n');
    const r = await run(['check-config', file]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(file);
    for (const p of ['/collector/url', '/collector/token', '/intervals/fastSeconds', '/probes/thermals']) expect(r.out).toContain(p);
  });

  it('refuses broken YAML and a missing file clearly', async () => {
    const file = join(dir, 'broken.yaml');
    await writeFile(file, 'listen:\n  port: [1,\n');
    expect((await run(['check-config', file])).out).toMatch(/YAML/);
    const missing = await run(['collector', '--config', join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(1);
    expect(missing.out).toContain('cannot read the file');
  });

  it('unknown commands print the usage', async () => {
    const r = await run(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('usage:');
  });

  // The list comes from the real help: a subcommand added to it without a working --help fails here.
  for (const [label, script] of [['stationwatch', cliPath], ['the agent executable', agentExePath]] as const) {
    it(`${label}: --help lists the subcommands, and each answers --help with its usage (stdout, exit 0)`, async () => {
      if (!existsSync(script)) throw new Error(`${script} is missing: run "npm run build" first (npm test does)`);
      const top = await run(['--help'], script);
      expect(top.code).toBe(0);
      expect(top.stdout).toMatch(/^usage: stationwatch COMMAND/m);
      const commands = listedCommands(top.stdout);
      // A few the help must list, so that a broken table cannot pass as an empty list.
      const expected = label === 'stationwatch' ? ['agent', 'agent install-service', 'collector', 'collector enrol-code', 'backup verify', 'loadgen'] : ['agent', 'agent install-service', 'agent enrol', 'backup verify'];
      expect(commands).toEqual(expect.arrayContaining(expected));
      expect(new Set(commands).size).toBe(commands.length);
      if (label === 'the agent executable') expect(top.stdout).toContain('(agent executable)');

      // Every command with --help; -h (the same option of the same mechanism) on the top and a nested one.
      const runs = [...commands.map((c) => [c, '--help'] as const), ['agent install-service', '-h'] as const];
      const results = await inBatches(runs, 4, ([c, flag]) => run([...c.split(' '), flag], script));
      expect((await run(['-h'], script)).stdout).toBe(top.stdout);
      runs.forEach(([c, flag], i) => {
        const r = results[i]!;
        expect({ command: `${c} ${flag}`, code: r.code, stderr: r.stderr }).toEqual({ command: `${c} ${flag}`, code: 0, stderr: '' });
        expect(r.stdout).toMatch(new RegExp(`^usage: stationwatch ${escape(c)}( |$)`, 'm'));
        expect(r.stdout).toMatch(/^ {2}-h, --help +show this help$/m);
      });

      // Groups (`backup`, `collector devices`): every leading part of a listed name.
      const groups = [...new Set(commands.flatMap((c) => c.split(' ').slice(0, -1).map((_, i, words) => words.slice(0, i + 1).join(' '))))].filter((g) => !commands.includes(g));
      for (const g of groups) {
        const r = await run([...g.split(' '), '--help'], script);
        expect({ group: g, code: r.code }).toEqual({ group: g, code: 0 });
        expect(r.stdout).toMatch(new RegExp(`^usage: stationwatch ${escape(g)} COMMAND`, 'm'));
      }
    }, 180_000);

    it(`${label}: an unknown option fails with the problem and the usage on stderr`, async () => {
      const commands = listedCommands((await run(['--help'], script)).stdout);
      expect(commands.length).toBeGreaterThan(3);
      const results = await inBatches(commands, 4, (c) => run([...c.split(' '), '--no-such-option'], script));
      commands.forEach((c, i) => {
        const r = results[i]!;
        expect({ command: c, code: r.code, stdout: r.stdout }).toEqual({ command: c, code: 2, stdout: '' });
        expect(r.stderr).toContain(`stationwatch ${c}: Unknown option '--no-such-option'`);
        expect(r.stderr).toMatch(new RegExp(`^usage: stationwatch ${escape(c)}( |$)`, 'm'));
      });
    }, 180_000);
  }

  it('a missing required option or a stray argument is a usage error (stderr, exit 2)', async () => {
    const missing = await run(['collector', 'enrol-code']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--site SITE is required');
    expect(missing.stderr).toMatch(/^usage: stationwatch collector enrol-code --site SITE/m);
    const stray = await run(['agent', 'frobnicate']);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain("Unexpected argument 'frobnicate'");
    expect((await run(['help', 'backup', 'verify'])).stdout).toMatch(/^usage: stationwatch backup verify PATH\.\.\./m);
  });

  it('loadgen --collector-config: the collector it describes keeps its state beside the file', async () => {
    const file = join(dir, 'lg.yaml');
    const wrote = await run(['loadgen', '--collector-config', file, '--agents', '3', '--port', String(await freePort())]);
    expect(wrote.code).toBe(0);
    const cfg = parse(await readFile(file, 'utf8')) as { stateDir: string; devices: unknown[]; listen: { port: number } };
    expect(cfg.stateDir).toBe(join(dir, 'lg-state'));
    expect(cfg.devices).toHaveLength(3);
    // The real collector on that file: its database lands there, not in the machine's state
    // directory (STATE_DIRECTORY stands in for /var/lib/…, which a root collector would use).
    const machine = await mkdtemp(join(tmpdir(), 'stationwatch-cli-machine-state-'));
    const collector = start(process.execPath, [cliPath, 'collector', '--config', file], { STATE_DIRECTORY: machine });
    try {
      await waitFor('the loadgen collector to listen', async () => ((await fetch(`http://127.0.0.1:${cfg.listen.port}/healthz`).catch(() => undefined))?.ok ? true : undefined)).catch((e: Error) => {
        throw new Error(`${e.message}\n${collector.output()}`);
      });
      expect(await readdir(cfg.stateDir)).toContain(storeFileName);
      expect(await readdir(machine)).toEqual([]);
    } finally {
      await collector.stop();
      await rm(machine, { recursive: true, force: true });
    }
  });
});
