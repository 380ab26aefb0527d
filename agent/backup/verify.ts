// One backup file → one verdict, for the agent's probe and `stationwatch backup verify` alike.
// What can be proven, strongest first: every byte matches a checksum (a manifest beside the file, or
// the archive's own CRCs), the archive's structure is readable (plain tar), or only its size. A file
// that is damaged is `corrupt`; one that cannot be a backup (empty, too small, unreadable, no
// manifest where one is required) is `failed`. Everything is read as a stream: memory stays bounded.
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { VerifyMode } from './job.js';
import { findManifestEntry, type ManifestEntry } from './manifest.js';
import { hashingTransform, politeRead, sha256File, type ReadBudget } from './polite-read.js';
import { archiveFormat, tarStages, type ArchiveSummary } from './verify-tar.js';
import { checkZip } from './verify-zip.js';

export type FileResult = 'ok' | 'failed' | 'corrupt';
export type Level = 'checksum' | 'structure' | 'size';

export interface Verdict {
  result: FileResult;
  /** How much an `ok` proves; absent for other results. */
  level?: Level;
  /** One line: what was proven, or what is wrong. */
  reason: string;
  sizeBytes: number;
  mtimeMs: number;
  /** The file's sha256 when it was computed (a manifest, or an off-site copy to compare with). */
  sha256?: string;
  durationMs: number;
}

export interface VerifyOptions extends ReadBudget {
  mode: VerifyMode;
  minSizeBytes: number;
  /** Compute the sha256 even without a manifest (to compare an off-site copy later). */
  wantSha256?: boolean;
}

/** The file changed while it was read: it was still being written, so there is no verdict yet. */
import { FileChangedError } from './file-changed.js';

export { FileChangedError };

/** Trouble reading (I/O errors, a timeout or stop) rather than damage (zlib, tar, zip errors). */
function isReadTrouble(e: unknown, signal: AbortSignal | undefined): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return signal?.aborted === true || (typeof code === 'string' && /^E[A-Z]+$/.test(code));
}

const short = (e: unknown) => (e instanceof Error ? e.message : String(e));

export async function verifyBackup(file: string, options: VerifyOptions): Promise<Verdict> {
  const t0 = performance.now();
  let size = 0;
  let mtimeMs = 0;
  const verdict = (result: FileResult, reason: string, extra: Partial<Verdict> = {}): Verdict => ({ result, reason, sizeBytes: size, mtimeMs, durationMs: performance.now() - t0, ...extra });

  try {
    const st = await stat(file);
    if (!st.isFile()) return verdict('failed', 'not a regular file');
    size = st.size;
    mtimeMs = st.mtimeMs;
  } catch (e) {
    return verdict('failed', `cannot read it: ${short(e)}`);
  }
  if (size === 0) return verdict('failed', 'the file is empty (0 bytes)');
  if (size < options.minSizeBytes) return verdict('failed', `${size} bytes, below the plausible minimum of ${options.minSizeBytes}`);
  if (options.mode === 'size') return verdict('ok', `${size} bytes; size only (verify: size)`, { level: 'size' });

  let manifest: ManifestEntry | undefined;
  try {
    manifest = await findManifestEntry(file);
  } catch (e) {
    return verdict('failed', short(e));
  }
  if (options.mode === 'checksum' && !manifest) return verdict('failed', `no checksum for ${basename(file)} in ${basename(file)}.sha256 or SHA256SUMS beside it (verify: checksum)`);
  const format = options.mode === 'checksum' ? undefined : archiveFormat(file);
  if (options.mode === 'archive' && !format) return verdict('failed', 'not an archive the agent can check (.tar, .tar.gz, .tgz, .gz, .zip) (verify: archive)');

  const wantHash = manifest !== undefined || options.wantSha256 === true;
  let sha256: string | undefined;
  let archive: ArchiveSummary | undefined;
  let tar: ReturnType<typeof tarStages> | undefined;
  try {
    if (format === 'zip') {
      archive = await checkZip(file, options);
      if (wantHash) sha256 = await sha256File(file, options);
    } else if (format) {
      // One read feeds both the checksum and the archive check.
      const hash = hashingTransform();
      tar = tarStages(format);
      const read = politeRead(file, options);
      if (tar.gunzip) await pipeline(read, hash.stream, tar.gunzip, tar.sink, { signal: options.signal });
      else await pipeline(read, hash.stream, tar.sink, { signal: options.signal });
      archive = tar.summary();
      sha256 = hash.hex();
    } else if (wantHash) sha256 = await sha256File(file, options);
  } catch (e) {
    if (isReadTrouble(e, options.signal)) return verdict('failed', `could not be read to the end: ${short(e)}`);
    return verdict('corrupt', short(tar?.damage() ?? e));
  }

  const after = await stat(file).catch(() => undefined);
  if (!after || after.size !== size || after.mtimeMs !== mtimeMs) throw new FileChangedError(`${file} changed while it was verified`);

  const found = sha256 === undefined ? {} : { sha256 };
  if (manifest && sha256 !== manifest.sha256) return verdict('corrupt', `sha256 ${sha256} differs from ${manifest.sha256} in ${basename(manifest.manifest)}`, found);
  const proofs = [manifest ? `sha256 matches ${basename(manifest.manifest)}` : undefined, archive?.detail].filter((x): x is string => x !== undefined);
  if (manifest) return verdict('ok', proofs.join('; '), { ...found, level: 'checksum' });
  if (archive) {
    const note = archive.level === 'structure' ? ' — structure only: add a sha256 manifest to prove the data' : '';
    return verdict('ok', `${archive.detail}${note}`, { ...found, level: archive.level });
  }
  return verdict('ok', `${size} bytes; no manifest and not an archive format the agent reads, so size only`, { ...found, level: 'size' });
}
