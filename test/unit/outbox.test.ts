// The durable outbox: order across restarts, crash leftovers, corrupt files, limits and thinning,
// and a real full disk (a 64 KiB tmpfs, root only) degrading to memory with the gauge set.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox } from '../../agent/outbox/outbox.js';
import { itemsToDrop } from '../../agent/outbox/thinning.js';
import { silentLogger } from '../../common/logger.js';
import { makeReport } from '../helpers/reports.js';

const big = { maxBytes: 1e12, maxReports: 1e9, maxAgeMs: 1e12 };
let dir: string;
let now = 1_700_000_000_000;
const wall = () => now;

beforeEach(async () => {
  dir = join(await mkdtemp(join(tmpdir(), 'sw-outbox-')), 'spool', 'reports');
  now = 1_700_000_000_000;
});
afterEach(async () => {
  await rm(join(dir, '..', '..'), { recursive: true, force: true });
});

const seqsOf = async (box: Outbox) => {
  const out: number[] = [];
  for (let p = await box.peek(); p; p = await box.peek()) {
    out.push(p.report.seq);
    await box.remove(p.seq);
  }
  return out;
};

describe('outbox', () => {
  it('keeps reports on disk in order across a restart and deletes each once acknowledged', async () => {
    const a = await Outbox.open(dir, big, silentLogger, wall);
    for (let seq = 1; seq <= 5; seq++) await a.append(makeReport({ seq }));
    const first = await a.peek();
    expect(first?.report.seq).toBe(1);
    await a.remove(first!.seq);
    expect((await readdir(dir)).filter((n) => n.endsWith('.json'))).toHaveLength(4);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);

    const b = await Outbox.open(dir, big, silentLogger, wall); // the agent restarted
    expect(b.length).toBe(4);
    await b.append(makeReport({ seq: 100 }));
    expect(await seqsOf(b)).toEqual([2, 3, 4, 5, 100]);
    expect((await readdir(dir)).filter((n) => n.endsWith('.json'))).toEqual([]);
  });

  it('removes half-written temporary files and moves a damaged report aside', async () => {
    const a = await Outbox.open(dir, big, silentLogger, wall);
    await a.append(makeReport({ seq: 1 }));
    await a.append(makeReport({ seq: 2 }));
    const files = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
    await writeFile(join(dir, files[0]!), '{"schemaVersion": 1, "dev'); // torn by something other than us
    await writeFile(join(dir, `${files[1]}.1234.tmp`), '{"half'); // a crash during a write
    const b = await Outbox.open(dir, big, silentLogger, wall);
    expect((await readdir(dir)).some((n) => n.endsWith('.tmp'))).toBe(false);
    expect(await seqsOf(b)).toEqual([2]);
    expect(await readdir(join(dir, 'rejected'))).toEqual([files[0]]);
    expect(b.dropped).toBe(1);
  });

  it('drops reports past the age limit but never the newest, and remembers the count', async () => {
    const limits = { ...big, maxAgeMs: 3_600_000 };
    const a = await Outbox.open(dir, limits, silentLogger, wall);
    await a.append(makeReport({ seq: 1, createdAt: now - 2 * 3_600_000 }));
    await a.append(makeReport({ seq: 2, createdAt: now - 3 * 3_600_000 }));
    expect(a.length).toBe(1); // seq 1 is too old; seq 2 is older still but the newest
    expect(a.dropped).toBe(1);
    const b = await Outbox.open(dir, limits, silentLogger, wall);
    expect(b.dropped).toBe(1);
    expect(await seqsOf(b)).toEqual([2]);
  });

  it('thins the older half when over size, keeping the first and the newest', async () => {
    const one = Buffer.byteLength(JSON.stringify(makeReport({ seq: 10, createdAt: now }))); // the largest of them
    const a = await Outbox.open(dir, { ...big, maxBytes: one * 10 + 5 }, silentLogger, wall);
    for (let i = 0; i < 40; i++) await a.append(makeReport({ seq: i, createdAt: now - (40 - i) * 15_000 }));
    expect(a.length).toBe(10);
    const seqs = await seqsOf(a);
    expect(seqs[0]).toBe(0);
    expect(seqs.at(-1)).toBe(39);
    // the recent half stays at full resolution
    expect(seqs.slice(-4)).toEqual([36, 37, 38, 39]);
    expect(a.dropped).toBe(30);
  });

  it('thinning picks where resolution is finest in the older half', () => {
    const items = [0, 10, 11, 30, 40, 50, 60, 70].map((t, seq) => ({ seq, createdAt: t, bytes: 1 }));
    expect([...itemsToDrop(items, { maxBytes: 1e9, maxReports: 7, maxAgeMs: 1e9 }, 70)]).toEqual([1]);
    expect([...itemsToDrop(items.slice(0, 2), { maxBytes: 1e9, maxReports: 1, maxAgeMs: 1e9 }, 70)]).toEqual([0]);
    expect(itemsToDrop(items.slice(0, 1), { maxBytes: 0, maxReports: 0, maxAgeMs: 0 }, 1e6).size).toBe(0);
  });

  it('on a full disk it keeps reports in memory, says so in its gauge, and writes again once there is room', async () => {
    if (process.getuid?.() !== 0) throw new Error('this test mounts a tiny tmpfs to fill a real disk: run it as root (CI does)');
    const mnt = join(dir, '..', '..', 'mnt');
    await mkdir(mnt, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]);
    try {
      const box = await Outbox.open(join(mnt, 'reports'), big, silentLogger, wall);
      const report = (seq: number) => makeReport({ seq, samples: Array.from({ length: 60 }, (_, i) => ({ metric: 'stationwatch_filesystem_utilisation_ratio', labels: { mountpoint: `/m${i}`, fstype: 'ext4' }, value: i / 100 })) });
      for (let seq = 0; seq < 30; seq++) await box.append(report(seq));
      const gauge = () => box.samples().find((s) => s.metric === 'stationwatch_agent_outbox_memory_only')!.value;
      expect(gauge()).toBe(1);
      expect(box.length).toBe(30);
      // drain some: files are deleted, the disk has room again
      for (let i = 0; i < 20; i++) await box.remove((await box.peek())!.seq);
      await box.append(report(30));
      expect(gauge()).toBe(0);
      expect((await seqsOf(box)).slice(0, 3)).toEqual([20, 21, 22]);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });
});
