// The installed package's root (where docs/ lives), found from this file's location so it works both
// from the sources (tests) and from dist/ (the built command).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the stationwatch package root');
    dir = up;
  }
  return (cached = dir);
}
