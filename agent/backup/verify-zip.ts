// Zip, read to the end without extracting. yauzl finds the entries through the central directory
// (a cut-off zip has none), inflates each one and checks its size; it leaves CRC-32 to the caller
// ("No CRC-32 Checking" in its README), so every entry's data is run through zlib.crc32 here and
// compared with the CRC the archive recorded. yauzl reads through a RandomAccessReader so that every
// byte goes through the same polite reader as tar and checksums: bounded memory, yields, budget.
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import { discard, politeRead, type ReadBudget } from './polite-read.js';
import { CorruptError, type ArchiveSummary } from './verify-tar.js';

class PoliteFileReader extends yauzl.RandomAccessReader {
  constructor(
    private readonly file: string,
    private readonly budget: ReadBudget,
  ) {
    super();
  }

  override _readStreamForRange(start: number, end: number): Readable {
    // yauzl's end is exclusive, fs's inclusive.
    return politeRead(this.file, this.budget, { start, end: end - 1 });
  }
}

export async function checkZip(file: string, budget: ReadBudget): Promise<ArchiveSummary> {
  const { size } = await stat(file);
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.fromRandomAccessReaderPromise(new PoliteFileReader(file, budget), size, { lazyEntries: true, autoClose: false, validateEntrySizes: true });
  } catch (e) {
    throw new CorruptError(`zip: ${(e as Error).message}`, { cause: e });
  }
  try {
    let entries = 0;
    let encrypted = 0;
    for await (const entry of zip.eachEntry()) {
      budget.signal?.throwIfAborted();
      entries++;
      if (entry.fileName.endsWith('/')) continue;
      if (entry.isEncrypted()) {
        // Encrypted data cannot be inflated without the password, so its CRC cannot be checked.
        encrypted++;
        continue;
      }
      let crc = 0;
      try {
        const data = await zip.openReadStreamPromise(entry);
        await pipeline(data, discard((chunk) => (crc = crc32(chunk, crc))), { signal: budget.signal });
      } catch (e) {
        if ((e as Error).name === 'AbortError') throw e;
        throw new CorruptError(`zip: entry ${entry.fileName}: ${(e as Error).message}`, { cause: e });
      }
      if (crc >>> 0 !== entry.crc32 >>> 0) throw new CorruptError(`zip: entry ${entry.fileName}: CRC-32 mismatch (recorded ${hex(entry.crc32)}, data ${hex(crc)})`);
    }
    if (encrypted > 0) return { level: 'structure', detail: `zip: ${entries} entries, ${encrypted} encrypted (their CRC-32 cannot be checked without the password)` };
    return { level: 'checksum', detail: `zip: ${entries} entries, every CRC-32 matches` };
  } finally {
    zip.close();
  }
}

const hex = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
