// Backup verification on real archives made by the real tools (tar, gzip, zip, sha256sum): good
// ones verify, a flipped byte or a cut-off file is corrupt, an empty one failed, and a plain tar
// without a manifest is "structure only", never "verified".
import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtemp, readFile, writeFile, truncate, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseManifest, findManifestEntry, isManifestName } from '../../agent/backup/manifest.js';
import { verifyBackup, type VerifyOptions } from '../../agent/backup/verify.js';
import { archiveFormat } from '../../agent/backup/verify-tar.js';
import { flipByte, makeBackupTree, run } from '../fixtures/backup/make-backups.js';

const auto: VerifyOptions = { mode: 'auto', minSizeBytes: 1 };

describe('parseManifest', () => {
  const h1 = 'a'.repeat(64);
  const h2 = 'B'.repeat(64);
  it('reads sha256sum text and binary lines, BSD lines and a bare hash', () => {
    const text = `${h1}  db-2025-01-06.tar.gz\n${h2} *files.zip\n# comment\n\nSHA256 (bsd.tgz) = ${h1}\n${h1}\n`;
    const m = parseManifest(text);
    expect(m.get('db-2025-01-06.tar.gz')).toBe(h1);
    expect(m.get('files.zip')).toBe('b'.repeat(64));
    expect(m.get('bsd.tgz')).toBe(h1);
    expect(m.get('')).toBe(h1);
  });

  it('undoes sha256sum escaping of names with a backslash or newline, and ignores junk', () => {
    const m = parseManifest(`\\${h1}  odd\\\\name\\nx\nnot a hash line\n${'z'.repeat(64)}  bad\n`);
    expect([...m.keys()]).toEqual(['odd\\name\nx']);
  });

  it('knows manifest names so a * pattern does not verify them as backups', () => {
    expect(['SHA256SUMS', 'x.tar.gz.sha256', 'x.sha256sum'].every(isManifestName)).toBe(true);
    expect(isManifestName('x.tar.gz')).toBe(false);
  });

  it('finds the entry in a per-file manifest (whatever name it gives) or in SHA256SUMS', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sw-manifest-'));
    await writeFile(join(dir, 'a.bin'), 'a');
    await writeFile(join(dir, 'a.bin.sha256'), `${h1}  a.bin.tmp\n`);
    await writeFile(join(dir, 'SHA256SUMS'), `${h2}  b.bin\n`);
    expect(await findManifestEntry(join(dir, 'a.bin'))).toEqual({ manifest: join(dir, 'a.bin.sha256'), sha256: h1 });
    expect(await findManifestEntry(join(dir, 'b.bin'))).toEqual({ manifest: join(dir, 'SHA256SUMS'), sha256: 'b'.repeat(64) });
    expect(await findManifestEntry(join(dir, 'c.bin'))).toBeUndefined();
  });
});

describe('archiveFormat', () => {
  it('goes by the name', () => {
    expect(['x.tar.gz', 'X.TGZ', 'x.tar', 'x.sql.gz', 'x.zip', 'x.7z'].map(archiveFormat)).toEqual(['tar.gz', 'tar.gz', 'tar', 'gz', 'zip', undefined]);
  });
});

describe('verifyBackup on real archives', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sw-verify-'));
    await makeBackupTree(dir);
  });

  it('verifies a good tar.gz, zip and gz by their own CRCs', async () => {
    for (const name of ['good.tar.gz', 'good.zip', 'dump.sql.gz']) {
      const v = await verifyBackup(join(dir, name), auto);
      expect(v, name).toMatchObject({ result: 'ok', level: 'checksum' });
      expect(v.sizeBytes).toBe((await stat(join(dir, name))).size);
    }
    expect((await verifyBackup(join(dir, 'good.zip'), auto)).reason).toMatch(/zip: 3 entries, every CRC-32 matches/);
  });

  it('calls a plain tar without a manifest "structure only", and verified with one', async () => {
    const bare = await verifyBackup(join(dir, 'plain.tar'), auto);
    expect(bare).toMatchObject({ result: 'ok', level: 'structure' });
    expect(bare.reason).toMatch(/structure only/);
    const withManifest = await verifyBackup(join(dir, 'listed.tar'), auto);
    expect(withManifest).toMatchObject({ result: 'ok', level: 'checksum' });
    expect(withManifest.reason).toMatch(/sha256 matches SHA256SUMS; tar: 2 entries/);
  });

  it('checks a plain file against its manifest, else by size only', async () => {
    expect(await verifyBackup(join(dir, 'db.dump'), auto)).toMatchObject({ result: 'ok', level: 'checksum' });
    const unlisted = await verifyBackup(join(dir, 'unlisted.bak'), auto);
    expect(unlisted).toMatchObject({ result: 'ok', level: 'size' });
  });

  it('finds one flipped byte in each format', async () => {
    for (const name of ['good.tar.gz', 'good.zip', 'dump.sql.gz', 'db.dump', 'listed.tar']) {
      const copy = join(dir, `flipped-${name}`);
      await writeFile(copy, await readFile(join(dir, name)));
      // Same manifest entry under the copy's name, so the manifest check applies to it too.
      await flipByte(copy, 0.6);
      const sums = await readFile(join(dir, 'SHA256SUMS'), 'utf8').catch(() => '');
      const line = sums.split('\n').find((l) => l.endsWith(`  ${name}`));
      if (line) await writeFile(`${copy}.sha256`, `${line.slice(0, 64)}  flipped-${name}\n`);
      const v = await verifyBackup(copy, auto);
      expect(v.result, `${name}: ${v.reason}`).toBe('corrupt');
    }
  });

  it('finds a truncated archive, also one cut exactly between two tar entries', async () => {
    for (const [name, keep] of [['good.tar.gz', 0.5], ['good.zip', 0.7], ['dump.sql.gz', 0.9], ['plain.tar', 0.4]] as const) {
      const copy = join(dir, `cut-${name}`);
      await writeFile(copy, await readFile(join(dir, name)));
      await truncate(copy, Math.floor((await stat(copy)).size * keep));
      const v = await verifyBackup(copy, auto);
      expect(v.result, `${name}: ${v.reason}`).toBe('corrupt');
    }
    // plain.tar holds a 2048-byte member first: header (512) + data (2048) ends at a block boundary.
    const boundary = join(dir, 'cut-at-entry.tar');
    await writeFile(boundary, (await readFile(join(dir, 'plain.tar'))).subarray(0, 512 + 2048));
    const v = await verifyBackup(boundary, auto);
    expect(v).toMatchObject({ result: 'corrupt' });
    expect(v.reason).toMatch(/no end-of-archive marker after 1 entries/);
  });

  it('finds a damaged tar header even without a manifest', async () => {
    const copy = join(dir, 'header.tar');
    await writeFile(copy, await readFile(join(dir, 'plain.tar')));
    await flipByte(copy, 100 / (await stat(copy)).size);
    const v = await verifyBackup(copy, auto);
    expect(v.result).toBe('corrupt');
    expect(v.reason).toMatch(/^tar: /);
  });

  it('calls a manifest mismatch corrupt', async () => {
    const v = await verifyBackup(join(dir, 'mismatch.tar.gz'), auto);
    expect(v.result).toBe('corrupt');
    expect(v.reason).toMatch(/differs from .* in mismatch\.tar\.gz\.sha256/);
  });

  it('fails an empty file, a too small one, a required manifest that is missing, and a missing file', async () => {
    await writeFile(join(dir, 'empty.tar.gz'), '');
    expect(await verifyBackup(join(dir, 'empty.tar.gz'), auto)).toMatchObject({ result: 'failed', reason: 'the file is empty (0 bytes)' });
    expect((await verifyBackup(join(dir, 'good.zip'), { ...auto, minSizeBytes: 10_000_000 })).reason).toMatch(/below the plausible minimum of 10000000/);
    expect((await verifyBackup(join(dir, 'good.zip'), { ...auto, mode: 'checksum' })).reason).toMatch(/no checksum for good\.zip/);
    expect((await verifyBackup(join(dir, 'unlisted.bak'), { ...auto, mode: 'archive' })).result).toBe('failed');
    expect((await verifyBackup(join(dir, 'nope.zip'), auto)).result).toBe('failed');
  });

  it('reports progress and gives up when its signal aborts', async () => {
    let bytes = 0;
    await verifyBackup(join(dir, 'good.tar.gz'), { ...auto, onBytes: (n) => (bytes += n) });
    expect(bytes).toBe((await stat(join(dir, 'good.tar.gz'))).size);
    const v = await verifyBackup(join(dir, 'good.tar.gz'), { ...auto, signal: AbortSignal.abort() });
    expect(v.result).toBe('failed');
  });

  it('agrees with sha256sum', async () => {
    const v = await verifyBackup(join(dir, 'good.zip'), { ...auto, wantSha256: true });
    expect(v.sha256).toBe((await run('sha256sum', ['good.zip'], dir)).split(' ')[0]);
  });
});
