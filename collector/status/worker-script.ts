// Where the evaluation worker's script is. Built (dist/), it is the compiled evaluation-worker.js
// next to this file. Run from the TypeScript sources (vitest, tsx), a worker cannot load .ts files
// whose imports name .js siblings, so the entry is bundled once per process with esbuild (a dev
// dependency, as for packaging) into the temp directory. The built collector never needs it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

let bundled: string | undefined;

export async function evaluationWorkerScript(): Promise<string | URL> {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new URL('./evaluation-worker.js', here);
  if (bundled) return bundled;
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch (err) {
    throw new Error(`running the collector from its TypeScript sources needs esbuild to bundle the evaluation worker (npm install): ${(err as Error).message}`);
  }
  const out = join(mkdtempSync(join(tmpdir(), 'sw-eval-worker-')), 'evaluation-worker.mjs');
  await esbuild.build({ entryPoints: [fileURLToPath(new URL('./evaluation-worker.ts', here))], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: out, logLevel: 'silent' });
  bundled = out;
  return out;
}
