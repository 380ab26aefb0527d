// Checksum manifests in sha256sum's format, next to the backup: `<file>.sha256` (or `.sha256sum`)
// for one file, or `SHA256SUMS` for a directory. Parsing is pure and tested on literal text.
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export const DIRECTORY_MANIFEST = 'SHA256SUMS';
const PER_FILE_SUFFIXES = ['.sha256', '.sha256sum'] as const;
/** A manifest bigger than this is not a sha256sum listing; refuse rather than read it into memory. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** Whether a file name is a manifest rather than a backup (a `*` pattern must not verify these). */
export function isManifestName(name: string): boolean {
  return name === DIRECTORY_MANIFEST || PER_FILE_SUFFIXES.some((s) => name.endsWith(s));
}

/**
 * `hash  name` / `hash *name` lines (text and binary mode) → name → lower-case hash. A per-file
 * manifest may hold the bare hash with no name: it is stored under "". BSD-style `SHA256 (name) =
 * hash` lines are read too. Lines that are neither are ignored; sha256sum escapes names that contain
 * a newline or backslash with a leading `\`, which is undone.
 */
export function parseManifest(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const bsd = /^SHA256 \((.+)\) = ([0-9a-fA-F]{64})$/.exec(line);
    if (bsd) {
      out.set(bsd[1]!, bsd[2]!.toLowerCase());
      continue;
    }
    const gnu = /^(\\?)([0-9a-fA-F]{64})(?:\s+\*?(.*))?$/.exec(raw.replace(/^\s+/, ''));
    if (!gnu) continue;
    let name = (gnu[3] ?? '').replace(/^\.\//, '');
    if (gnu[1]) name = name.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
    out.set(name, gnu[2]!.toLowerCase());
  }
  return out;
}

export interface ManifestEntry {
  /** The manifest file the hash came from. */
  manifest: string;
  sha256: string;
}

async function readSmall(file: string): Promise<string | undefined> {
  try {
    const text = await readFile(file);
    if (text.length > MAX_MANIFEST_BYTES) return undefined;
    return text.toString('utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`read manifest ${file}`, { cause: e });
  }
}

/** The expected sha256 of `file` from a manifest beside it, or undefined when none names it. */
export async function findManifestEntry(file: string): Promise<ManifestEntry | undefined> {
  const dir = dirname(file);
  const name = basename(file);
  for (const suffix of PER_FILE_SUFFIXES) {
    const manifest = `${file}${suffix}`;
    const text = await readSmall(manifest);
    if (text === undefined) continue;
    const entries = parseManifest(text);
    // A per-file manifest is about this file even when it names it differently (hashed before a rename).
    const sha256 = entries.get(name) ?? (entries.size === 1 ? [...entries.values()][0] : undefined);
    if (sha256) return { manifest, sha256 };
  }
  const manifest = join(dir, DIRECTORY_MANIFEST);
  const text = await readSmall(manifest);
  const sha256 = text === undefined ? undefined : parseManifest(text).get(name);
  return sha256 ? { manifest, sha256 } : undefined;
}
