// Where a process' CPU went, from a V8 CPU profile (node --cpu-prof): each sample is put in the
// bucket of the deepest frame on its stack that belongs to one (e.g. a JSON.stringify called from the
// device-state store counts as "durable device state"); garbage collection apart; idle left out.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

export interface Bucket {
  label: string;
  matches(url: string, functionName: string): boolean;
}

/**
 * Milliseconds of CPU per bucket label (plus "garbage collection" and "other"), from the first
 * .cpuprofile in `dir`, leaving out the first `skipMs` (start-up: loading modules is not the work).
 */
export function cpuByBucket(dir: string, buckets: readonly Bucket[], skipMs = 0): Map<string, number> {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no CPU profile was written to ${dir}`);
  const p = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const bucketOf = new Map<number, string>();
  const classify = (id: number): string => {
    const known = bucketOf.get(id);
    if (known) return known;
    const { functionName, url } = byId.get(id)!.callFrame;
    let label: string;
    if (functionName === '(idle)') label = '(idle)';
    else if (functionName === '(garbage collector)') label = 'garbage collection';
    else label = buckets.find((b) => b.matches(url, functionName))?.label ?? (parent.has(id) ? classify(parent.get(id)!) : 'other (HTTP, fastify, Node.js)');
    bucketOf.set(id, label);
    return label;
  };
  const out = new Map<string, number>();
  let atMs = 0;
  for (let i = 0; i < p.samples.length; i++) {
    atMs += (p.timeDeltas[i] ?? 0) / 1000;
    if (atMs < skipMs) continue;
    const label = classify(p.samples[i]!);
    if (label === '(idle)') continue;
    out.set(label, (out.get(label) ?? 0) + (p.timeDeltas[i + 1] ?? 0) / 1000);
  }
  return out;
}
