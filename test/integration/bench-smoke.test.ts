// `npm run bench` in its smoke mode (a few seconds per benchmark), so the benchmarks cannot rot: it
// must complete and write well-formed tables for every benchmark. Timings are never asserted here —
// they are noisy on a shared machine and belong in BENCHMARKS.md. Real peers run (node_exporter,
// Pushgateway, Prometheus, cupsd, a network namespace), so this needs root as CI has.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './fixtures/processes.js';
import { suiteTimer } from './fixtures/prometheus.js';

const runner = join(repoRoot, 'dist', 'bench', 'run.js');
const sections = ['Agent footprint', 'Collector ingest', 'Scrape cost', 'Backup verification', 'Detection latency', 'Scale-out exercise', 'Status evaluation under load', 'History (issue 19)', 'Shared store (issue 21)'];

/** Every markdown table in the text: header cells and rows of cells. */
function tables(md: string): Array<{ header: string[]; rows: string[][] }> {
  const cells = (line: string) => line.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim());
  const out: Array<{ header: string[]; rows: string[][] }> = [];
  const lines = md.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.startsWith('|') || !/^\|(---\|)+$/.test(lines[i + 1] ?? '')) continue;
    const t = { header: cells(lines[i]!), rows: [] as string[][] };
    for (i += 2; i < lines.length && lines[i]!.startsWith('|'); i++) t.rows.push(cells(lines[i]!));
    out.push(t);
  }
  return out;
}

describe('benchmarks (smoke mode)', () => {
  let dir: string | undefined;
  const done = suiteTimer('bench-smoke');
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    done();
  });

  it('runs every benchmark and writes BENCHMARKS.md with well-formed tables', async () => {
    if (!existsSync(runner)) throw new Error(`${runner} is missing: run "npm run build" first (npm test does)`);
    dir = await mkdtemp(join(tmpdir(), 'sw-bench-smoke-'));
    const out = join(dir, 'BENCHMARKS.md');
    const child = spawn(process.execPath, [runner, '--smoke', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (b: Buffer) => (log += b));
    child.stderr.on('data', (b: Buffer) => (log += b));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`npm run bench -- --smoke exited with ${code}:\n${log.slice(-6000)}`);
    // Per-section wall time, so the slowest smoke section is known when the suite must get faster.
    const starts = [...log.matchAll(/^\[bench (\d+) s\] (\w+): start$/gm)].map((m) => ({ name: m[2]!, at: Number(m[1]) }));
    const end = Number(/^\[bench (\d+) s\] wrote /m.exec(log)?.[1] ?? NaN);
    console.log(starts.map((s, i) => `[timing] bench-smoke ${s.name}: ${(starts[i + 1]?.at ?? end) - s.at} s`).join('\n'));

    const md = await readFile(out, 'utf8');
    expect(md).not.toContain('Benchmarks that failed');
    for (const s of sections) expect(md).toContain(`## ${s}\n`);
    const all = tables(md);
    expect(all.length).toBeGreaterThanOrEqual(sections.length * 2);
    for (const t of all) {
      expect(t.rows.length).toBeGreaterThan(0);
      for (const row of t.rows) expect(row).toHaveLength(t.header.length);
    }
    // Each section says how to reproduce it, and the headline tables carry figures, not blanks.
    expect(md.match(/^Reproduce: `npm run bench -- --only \w+/gm)).toHaveLength(sections.length);
    for (const t of all.filter((x) => x.header[0] === 'figure' && x.header[1] === 'measured')) for (const row of t.rows) expect(row[1]).not.toBe('');
  }, 900_000);
});
