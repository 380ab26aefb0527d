// Where a worker thread's script is. Built (dist/), it is the compiled .js file given. Run from the
// TypeScript sources (vitest, tsx), a worker cannot load .ts files whose imports name .js siblings,
// so the entry is bundled once per process with esbuild (a dev dependency, as for packaging) into
// the temp directory. The built collector never needs it. Used by the ingest workers and the status
// evaluation's worker.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bundled = new Map<string, Promise<string>>();

/** `js`: the compiled script's URL, next to the module asking. */
export async function workerScript(js: URL): Promise<string | URL> {
  if (!import.meta.url.endsWith('.ts')) return js;
  const entry = fileURLToPath(js).replace(/\.js$/, '.ts');
  let b = bundled.get(entry);
  if (!b) {
    b = (async () => {
      let esbuild: typeof import('esbuild');
      try {
        esbuild = await import('esbuild');
      } catch (err) {
        throw new Error(`running the collector from its TypeScript sources needs esbuild to bundle its worker (npm install): ${(err as Error).message}`);
      }
      const out = join(mkdtempSync(join(tmpdir(), 'sw-worker-')), basename(entry).replace(/\.ts$/, '.mjs'));
      await esbuild.build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: out, logLevel: 'silent' });
      return out;
    })();
    bundled.set(entry, b);
    b.catch(() => bundled.delete(entry));
  }
  return b;
}
