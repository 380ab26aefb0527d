// The files the status page loads besides itself, served by the collector (no CDN: a branch may have
// no internet): uPlot (from node_modules) and our own browser modules (web/, compiled to dist/web/).
// Read once into memory; their URLs carry a hash of every file (/static/<hash>/<file>), so browsers
// may cache them for a year and a new version is fetched after an upgrade.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from '../../common/package-root.js';

export interface StaticFile {
  body: Buffer;
  type: string;
}

const js = 'text/javascript; charset=utf-8';
const css = 'text/css; charset=utf-8';

function sources(): Record<string, { path: string; type: string }> {
  const require = createRequire(import.meta.url);
  const web = join(packageRoot(), 'dist', 'web');
  return {
    'uplot.min.js': { path: require.resolve('uplot/dist/uPlot.iife.min.js'), type: js },
    'uplot.min.css': { path: require.resolve('uplot/dist/uPlot.min.css'), type: css },
    'history-page.js': { path: join(web, 'history-page.js'), type: js },
    'format.js': { path: join(web, 'format.js'), type: js },
  };
}

export class StaticAssets {
  readonly files = new Map<string, StaticFile>();
  /** Files that could not be read (a collector run from the sources without `npm run build`). */
  readonly missing: string[] = [];
  readonly hash: string;

  constructor() {
    const h = createHash('sha256');
    for (const [name, { path, type }] of Object.entries(sources())) {
      try {
        const body = readFileSync(path);
        this.files.set(name, { body, type });
        h.update(name).update(body);
      } catch {
        this.missing.push(`${name} (${path})`);
      }
    }
    this.hash = h.digest('hex').slice(0, 16);
  }

  url(name: string): string {
    return `/static/${this.hash}/${name}`;
  }
}

let shared: StaticAssets | undefined;

/** One copy per process: the files do not change while the collector runs. */
export function staticAssets(): StaticAssets {
  return (shared ??= new StaticAssets());
}
