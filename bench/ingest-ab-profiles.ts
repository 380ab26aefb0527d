// Compares the main-thread CPU profiles written by `ingest-ab.js --profile DIR`: self time per
// function (and per module), in µs per report taken, median over each build's runs, biggest
// differences first. Only the load part of each profile counts (from the run's loadFromMs).
// Usage: node dist/bench/ingest-ab-profiles.js DIR RUNS.jsonl [top]
// RUNS.jsonl: the JSON lines ingest-ab.js printed (build, round, total, loadFromMs).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Run {
  build: string;
  round: number;
  total: number;
  loadFromMs: number;
}

const [dir, runsFile, topArg] = process.argv.slice(2);
if (!dir || !runsFile) throw new Error('usage: ingest-ab-profiles.js DIR RUNS.jsonl [top]');
const top = Number(topArg ?? 40);
const runs = readFileSync(runsFile, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Run);

/** A frame's module: the path after node_modules/ or the repository's dist/, else the url itself. */
function moduleOf(url: string): string {
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 13).split('/').slice(0, url.slice(nm + 13).startsWith('@') ? 2 : 1).join('/');
  const d = url.indexOf('/dist/');
  if (d >= 0) return url.slice(d + 6);
  return url || '(native)';
}

/** Self µs per function key and per module, over the load part of the main thread's profile. */
function selfTimes(run: Run): { byFn: Map<string, number>; byModule: Map<string, number> } {
  const d = join(dir!, `${run.build}-${run.round}`);
  // The main thread's profile: thread id 0 in the name (CPU.<date>.<time>.<pid>.<tid>.<seq>.cpuprofile).
  const file = readdirSync(d).find((f) => f.endsWith('.cpuprofile') && f.split('.')[4] === '0');
  if (!file) throw new Error(`no main-thread profile in ${d}`);
  const p = JSON.parse(readFileSync(join(d, file), 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const byFn = new Map<string, number>();
  const byModule = new Map<string, number>();
  let atMs = 0;
  for (let i = 0; i < p.samples.length; i++) {
    atMs += (p.timeDeltas[i] ?? 0) / 1000;
    if (atMs < run.loadFromMs) continue;
    const f = byId.get(p.samples[i]!)!.callFrame;
    if (f.functionName === '(idle)') continue;
    const us = p.timeDeltas[i + 1] ?? 0;
    const mod = moduleOf(f.url);
    const key = `${f.functionName || '(anonymous)'} ${mod}:${f.lineNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + us / run.total);
    byModule.set(mod, (byModule.get(mod) ?? 0) + us / run.total);
  }
  return { byFn, byModule };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const builds = [...new Set(runs.map((r) => r.build))];
const per = new Map(builds.map((b) => [b, runs.filter((r) => r.build === b).map(selfTimes)]));

function table(title: string, pick: (t: ReturnType<typeof selfTimes>) => Map<string, number>): void {
  const keys = new Set<string>();
  for (const ts of per.values()) for (const t of ts) for (const k of pick(t).keys()) keys.add(k);
  const rows = [...keys].map((k) => ({ k, v: builds.map((b) => median(per.get(b)!.map((t) => pick(t).get(k) ?? 0))) }));
  const totals = builds.map((b) => median(per.get(b)!.map((t) => [...pick(t).values()].reduce((a, x) => a + x, 0))));
  rows.sort((a, b) => Math.abs(b.v[b.v.length - 1]! - b.v[0]!) - Math.abs(a.v[a.v.length - 1]! - a.v[0]!));
  console.log(`\n${title} (µs per report, median of ${builds.map((b) => `${per.get(b)!.length} ${b}`).join(' / ')} runs; total ${totals.map((t) => t.toFixed(0)).join(' / ')})`);
  console.log(`| ${builds.join(' | ')} | difference | ${title.startsWith('module') ? 'module' : 'function'} |`);
  for (const r of rows.slice(0, top)) console.log(`| ${r.v.map((x) => x.toFixed(1)).join(' | ')} | ${(r.v[r.v.length - 1]! - r.v[0]!).toFixed(1)} | ${r.k} |`);
}
table('module self time', (t) => t.byModule);
table('function self time', (t) => t.byFn);
