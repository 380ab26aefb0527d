// `npm run package [-- linux-x64 win-x64]`: writes build/packages/<target>/ (see packaging/README.md).
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPackages } from './build.js';
import { BASE_BINARIES, type Target } from './npm-artifacts.js';

const repoDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const known = Object.keys(BASE_BINARIES) as Target[];
const asked = process.argv.slice(2);
const unknown = asked.filter((t) => !known.includes(t as Target));
if (unknown.length > 0) {
  console.error(`unknown target ${unknown.join(', ')}; known: ${known.join(', ')}`);
  process.exit(2);
}
const t0 = performance.now();
buildPackages({
  repoDir,
  outDir: join(repoDir, 'build/packages'),
  cacheDir: join(repoDir, 'node_modules/.cache/stationwatch-packaging'),
  targets: asked.length > 0 ? (asked as Target[]) : known,
  log: (line) => console.log(line),
}).then(
  (built) => {
    for (const b of built) console.log(`${b.target}: ${b.executable}`);
    console.log(`done in ${Math.round((performance.now() - t0) / 1000)} s`);
  },
  (err: unknown) => {
    console.error('npm run package:', err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);
