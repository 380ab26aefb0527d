// The stationwatch command as users run it: configuration checks and refusals with clear messages.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, repoRoot } from './fixtures/processes.js';
import { suiteTimer } from './fixtures/prometheus.js';

function run(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cliPath, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr });
    });
  });
}

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
    expect(r.out).toContain('usage:');
  });
});
