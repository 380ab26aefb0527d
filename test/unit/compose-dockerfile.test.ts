// The Dockerfile's steps, run natively (there is no container engine here), so the image recipe
// cannot rot unnoticed: each stage gets a temporary directory standing for its filesystem, COPY copies
// into it (from the repository, or from an earlier stage), RUN runs in its WORKDIR, and CMD starts the
// collector with the configuration docker-compose.yml mounts, which must then answer /healthz.
// Where native execution must differ, it says so here:
//  - `npm ci` is replaced by a copy of the repository's node_modules (installed from the same
//    lockfile by `npm ci`): the test must not fetch from the registry. npm runs with offline=true.
//  - RUN steps that only install OS packages (apt-get: the image's compiler toolchain) are skipped.
//  - Absolute container paths (the mounted configuration, stateDir) are prefixed by the stage's
//    directory, compose service names are mapped to unused loopback ports, and the collector listens
//    on 127.0.0.1 at a free port instead of 0.0.0.0:9847.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, waitFor } from '../integration/fixtures/processes.js';
import { loadCompose, mapServices, repoRoot, stageService } from '../helpers/compose-stage.js';

interface Stage {
  name?: string;
  root: string;
  workdir: string;
  env: Record<string, string>;
}

const tmp = mkdtempSync(join(tmpdir(), 'stationwatch-dockerfile-'));
let collector: ChildProcess | undefined;
let output = '';
afterAll(async () => {
  if (collector && collector.exitCode === null) {
    const exited = new Promise((r) => collector!.once('exit', r));
    collector.kill('SIGTERM');
    const timer = setTimeout(() => collector?.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
  // Two copies of node_modules: removing them takes a while on slow disks.
  rmSync(tmp, { recursive: true, force: true });
}, 120_000);

/** Instructions with their arguments; comments and blank lines dropped. */
function instructions(text: string): [string, string][] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'))
    .map((l) => {
      const [op, ...rest] = l.trim().split(/\s+/);
      return [op!.toUpperCase(), rest.join(' ')];
    });
}

const inStage = (stage: Stage, path: string) => join(stage.root, path.startsWith('/') ? path : join(stage.workdir, path));

function copy(stages: Stage[], stage: Stage, args: string): void {
  const words = args.split(/\s+/);
  const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
  const paths = words.filter((w) => !w.startsWith('--'));
  const dest = paths.pop()!;
  const source = from ? stages.find((s) => s.name === from) : undefined;
  if (from && !source) throw new Error(`COPY --from=${from}: no such stage`);
  for (const p of paths) {
    const src = source ? inStage(source, p) : join(repoRoot, p);
    if (!existsSync(src)) throw new Error(`COPY ${p}: ${src} does not exist`);
    const target = dest.endsWith('/') || paths.length > 1 ? join(inStage(stage, dest), basename(p)) : inStage(stage, dest);
    mkdirSync(join(target, '..'), { recursive: true });
    // The runtime stage may share files with the build stage's copy; never with the repository.
    if (source) execFileSync('cp', ['-al', src, target]);
    else cpSync(src, target, { recursive: true });
  }
}

function runStep(stage: Stage, command: string): void {
  if (/^apt-get\b/.test(command)) return;
  const steps = command.split('&&').map((s) => s.trim());
  const rest: string[] = [];
  for (const step of steps) {
    if (/^npm ci\b/.test(step)) execFileSync('cp', ['-a', join(repoRoot, 'node_modules'), inStage(stage, 'node_modules')]);
    else rest.push(step);
  }
  if (rest.length === 0) return;
  const r = spawnSync('sh', ['-c', rest.join(' && ')], { cwd: inStage(stage, '.'), encoding: 'utf8', timeout: 150_000, env: { ...process.env, ...stage.env, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false' } });
  if (r.status !== 0) throw new Error(`RUN ${command} failed (${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
}

describe('Dockerfile, built and started natively', () => {
  it('builds in a clean directory and the final stage starts the collector with the compose configuration', async () => {
    const stages: Stage[] = [];
    let cmd: string[] = [];
    for (const [op, args] of instructions(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'))) {
      const stage = stages.at(-1)!;
      if (op === 'FROM') {
        expect(args).toMatch(/^node:24\b/);
        const root = join(tmp, `stage-${stages.length}`);
        mkdirSync(root);
        stages.push({ name: /\bAS\s+(\S+)/i.exec(args)?.[1], root, workdir: '/', env: {} });
      } else if (op === 'WORKDIR') {
        stage.workdir = args;
        mkdirSync(inStage(stage, '.'), { recursive: true });
      } else if (op === 'COPY') copy(stages, stage, args);
      else if (op === 'RUN') runStep(stage, args);
      else if (op === 'ENV') {
        const [k, v] = args.split('=') as [string, string];
        stage.env[k] = v;
      } else if (op === 'CMD') cmd = JSON.parse(args) as string[];
      else expect(['USER', 'EXPOSE'], `unexpected instruction ${op}`).toContain(op);
    }
    const final = stages.at(-1)!;
    expect(cmd.slice(0, 2)).toEqual(['node', 'dist/cli/stationwatch.js']);
    expect(existsSync(inStage(final, cmd[1]!)), 'the build produced the command').toBe(true);
    expect(existsSync(inStage(final, 'node_modules/fastify')), 'runtime dependencies are there').toBe(true);
    expect(existsSync(inStage(final, 'node_modules/vitest')), 'npm prune --omit=dev removed the dev dependencies').toBe(false);

    // Mount what compose mounts, then map container paths and service names.
    const compose = loadCompose();
    stageService(compose, 'collector', final.root);
    const configPath = join(final.root, '/etc/stationwatch/collector.yaml');
    const loopback = Object.fromEntries(await Promise.all(Object.keys(compose.services).map(async (s) => [s, `127.0.0.1:${await freePort()}`] as const)));
    const config = mapServices(readFileSync(configPath, 'utf8'), loopback).replace(/^stateDir: (\/\S+)$/m, (_, dir: string) => `stateDir: ${join(final.root, dir)}`);
    writeFileSync(configPath, config);
    const port = await freePort();
    const args = cmd.slice(1).map((a) => (a.startsWith('/') ? join(final.root, a) : a));
    const env = { ...process.env, ...final.env, ...compose.services.collector!.environment, STATIONWATCH_LISTEN_HOST: '127.0.0.1', STATIONWATCH_LISTEN_PORT: String(port) };
    // WORKDIR is the command's working directory, as in the container.
    collector = spawn(process.execPath, args, { cwd: inStage(final, '.'), env, stdio: ['ignore', 'pipe', 'pipe'] });
    collector.stdout!.on('data', (b: Buffer) => (output += b.toString()));
    collector.stderr!.on('data', (b: Buffer) => (output += b.toString()));
    const base = `http://127.0.0.1:${port}`;
    await waitFor('the collector built from the Dockerfile to answer /healthz', async () => ((await fetch(`${base}/healthz`)).ok ? true : undefined), 20_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${output}`);
    });
    const sd = (await (await fetch(`${base}/sd`)).json()) as { targets: string[]; labels: Record<string, string> }[];
    expect(sd[0]).toMatchObject({ targets: ['collector:9847'], labels: { device: 'counter-pc-01' } });
    expect((await fetch(`${base}/docs/runbooks/resources.md`)).status, 'the runbooks ship in the image').toBe(200);
  }, 240_000);
});
