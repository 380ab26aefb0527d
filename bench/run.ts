// `npm run bench`: runs the benchmarks in order of value and writes BENCHMARKS.md (tables with
// medians and ratios, the machine, the command for each figure); prints the headline figures.
//   --smoke        a few seconds per benchmark (the test suite runs this; numbers mean nothing)
//   --only a,b     run only these (agent, ingest, scrape, backup, detection, scaleout, statuseval, history, sharedstore)
//   --out FILE     write this run's document here instead (a smoke run: the temp dir by default)
//   --assemble     only rebuild BENCHMARKS.md from bench/runs/*.md (no benchmark runs)
// A real run without --out keeps its document in bench/runs/ and rebuilds BENCHMARKS.md from every run
// kept there (bench/lib/assemble.ts): the newest run of each section wins and states when it ran.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { agentFootprint } from './agent-footprint.js';
import { collectorIngest } from './collector-ingest.js';
import { scrapeCost } from './scrape-cost.js';
import { backupVerify } from './backup-verify.js';
import { detectionLatency } from './detection-latency.js';
import { scaleOut } from './scale-out.js';
import { statusEvaluation } from './status-evaluation.js';
import { historyBench } from './history.js';
import { assemble, noteFile } from './lib/assemble.js';
import { sharedStore } from './shared-store.js';
import { describeMachine } from './lib/machine.js';
import { repoRoot } from './lib/processes.js';
import { runDocument, type Section } from './lib/report.js';
import type { BenchOptions } from './options.js';

const benchmarks: Record<string, (opts: BenchOptions) => Promise<Section>> = {
  agent: agentFootprint,
  ingest: collectorIngest,
  scrape: scrapeCost,
  backup: backupVerify,
  detection: detectionLatency,
  scaleout: scaleOut,
  statuseval: statusEvaluation,
  history: historyBench,
  sharedstore: sharedStore,
};

const { values } = parseArgs({
  options: { smoke: { type: 'boolean', default: false }, only: { type: 'string' }, out: { type: 'string' }, assemble: { type: 'boolean', default: false } },
});
const runsDir = join(repoRoot, 'bench', 'runs');
// Section order in BENCHMARKS.md: the order benchmarks run in.
const sectionOrder = ['Agent footprint', 'Collector ingest', 'Scrape cost', 'Backup verification', 'Detection latency', 'Scale-out exercise', 'Status evaluation under load', 'History (issue 19)', 'Shared store (issue 21)'];

async function assembleBenchmarks(): Promise<string> {
  const files = (await readdir(runsDir)).filter((f) => f.endsWith('.md')).sort();
  const runs = await Promise.all(files.map(async (f) => ({ source: `bench/runs/${f}`, text: await readFile(join(runsDir, f), 'utf8') })));
  const notesDir = join(repoRoot, 'bench', 'notes');
  const notes = new Map<string, string>();
  for (const title of [...sectionOrder, ...runs.flatMap((r) => [...r.text.matchAll(/^## (.+)$/gm)].map((m) => m[1]!.trim()))]) {
    const text = await readFile(join(notesDir, noteFile(title)), 'utf8').catch(() => undefined);
    if (text) notes.set(title, text);
  }
  const target = join(repoRoot, 'BENCHMARKS.md');
  await writeFile(target, assemble(runs, sectionOrder, notes));
  return target;
}

if (values.assemble) {
  console.log(`wrote ${await assembleBenchmarks()}`);
  process.exit(0);
}
const names = values.only ? values.only.split(',').map((s) => s.trim()) : Object.keys(benchmarks);
for (const n of names) if (!benchmarks[n]) throw new Error(`unknown benchmark "${n}" (known: ${Object.keys(benchmarks).join(', ')})`);
const started = new Date();
// A smoke run never overwrites the real figures.
const keep = !values.out && !values.smoke;
const out = values.out ?? (values.smoke ? join(tmpdir(), 'BENCHMARKS.smoke.md') : join(runsDir, `${started.toISOString().slice(0, 16).replace(':', '')}-${names.join('-')}.md`));
const machine = describeMachine();
const log = (m: string) => console.log(`[bench ${((Date.now() - started.getTime()) / 1000).toFixed(0)} s] ${m}`);
const opts: BenchOptions = { smoke: values.smoke, log, previous: {} };

const sections: Section[] = [];
const failures: string[] = [];
for (const name of names) {
  log(`${name}: start`);
  try {
    const s = await benchmarks[name]!(opts);
    sections.push(s);
    opts.previous[name] = s.data;
    for (const h of s.headlines) log(`${name}: ${h.what}: ${h.value}${h.target ? ` (target ${h.target}: ${h.met ? 'met' : 'NOT met'})` : ''}`);
  } catch (e) {
    failures.push(`${name}: ${(e as Error).stack ?? String(e)}`);
    log(`${name}: FAILED: ${(e as Error).message}`);
  }
}

const doc = runDocument({
  command: `npm run bench${values.smoke ? ' -- --smoke' : values.only ? ` -- --only ${names.join(',')}` : ''}`,
  started,
  minutes: (Date.now() - started.getTime()) / 60000,
  smoke: values.smoke,
  machine,
  sections,
  failures,
});
// A run with failures is written for reading but not kept or assembled: its sections are missing.
const written = keep && failures.length > 0 ? join(tmpdir(), basename(out)) : out;
if (keep) await mkdir(runsDir, { recursive: true });
await writeFile(written, doc);
log(`wrote ${written}`);
if (keep && failures.length === 0) log(`wrote ${await assembleBenchmarks()}`);
process.exit(failures.length > 0 ? 1 : 0);
