// Tar and gzip, read to the end without extracting: node:zlib checks every gzip member's CRC-32 and
// length trailer (a flipped byte or a cut-off file is an error), and node-tar's parser in strict mode
// checks every header's checksum and that no entry is cut short. A plain tar has no checksum over
// its data, so on its own it proves the structure only. A tar cut off between two entries looks
// complete to a parser, so the end-of-archive marker (two zero blocks) is required.
import { once } from 'node:events';
import { createGunzip, type Gunzip } from 'node:zlib';
import { Parser } from 'tar';

export class CorruptError extends Error {
  override readonly name = 'CorruptError';
}

export interface ArchiveSummary {
  /** checksum: every byte covered by a CRC; structure: readable, data not checksummed. */
  level: 'checksum' | 'structure';
  detail: string;
}

export type ArchiveFormat = 'tar' | 'tar.gz' | 'gz' | 'zip';

export function archiveFormat(name: string): ArchiveFormat | undefined {
  const n = name.toLowerCase();
  if (n.endsWith('.tar.gz') || n.endsWith('.tgz')) return 'tar.gz';
  if (n.endsWith('.tar')) return 'tar';
  if (n.endsWith('.gz')) return 'gz';
  if (n.endsWith('.zip')) return 'zip';
  return undefined;
}

/** Consumes a tar stream (already gunzipped) to its end; throws CorruptError on a damaged archive. */
async function consumeTar(source: AsyncIterable<Buffer>): Promise<number> {
  let entries = 0;
  let sawEnd = false;
  let failure: Error | undefined;
  const parser = new Parser({
    strict: true,
    onReadEntry: (entry) => {
      entries++;
      entry.resume();
    },
  });
  // Strict mode turns every warning into an 'error' event, and a damaged archive raises many: keep the first.
  parser.on('error', (e: Error) => (failure ??= e));
  parser.on('eof', () => (sawEnd = true));
  // Settles on the end, or on an error after which the parser may never end or drain.
  const settled = (event: string) => once(parser, event).then(() => undefined, () => undefined);
  for await (const chunk of source) {
    if (failure) break;
    if (!parser.write(chunk)) await settled('drain');
  }
  if (!failure) {
    const ended = settled('end');
    parser.end();
    await ended;
  }
  if (failure) throw new CorruptError(`tar: ${failure.message}`, { cause: failure });
  if (!sawEnd) throw new CorruptError(`tar: no end-of-archive marker after ${entries} entries: the archive is cut off`);
  return entries;
}

/**
 * The last stages of a verification pipeline for a tar, tar.gz or single-file gz stream, to append
 * after the (hashing, polite) reader, and the summary once they have finished.
 */
export function tarStages(format: Exclude<ArchiveFormat, 'zip'>): { gunzip?: Gunzip; sink: (source: AsyncIterable<Buffer>) => Promise<void>; damage: () => CorruptError | undefined; summary: () => ArchiveSummary } {
  let entries = 0;
  let bytes = 0;
  let damage: CorruptError | undefined;
  const sink = async (source: AsyncIterable<Buffer>): Promise<void> => {
    if (format === 'gz') {
      for await (const chunk of source) bytes += chunk.length;
      return;
    }
    try {
      entries = await consumeTar(source);
    } catch (e) {
      // Leaving the read early makes the pipeline report its own premature-close error: keep ours.
      if (e instanceof CorruptError) damage = e;
      throw e;
    }
  };
  return {
    ...(format === 'tar' ? {} : { gunzip: createGunzip() }),
    sink,
    damage: () => damage,
    summary: () => {
      if (format === 'gz') return { level: 'checksum', detail: `gzip: ${bytes} bytes unpacked, CRC-32 and length match` };
      if (format === 'tar.gz') return { level: 'checksum', detail: `tar.gz: ${entries} entries, gzip CRC-32 and length match` };
      return { level: 'structure', detail: `tar: ${entries} entries readable; a tar has no checksum over its data` };
    },
  };
}
