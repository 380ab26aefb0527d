// Another process holding the collector's SQLite write lock (as a CLI command would, or one stopped
// mid-write) costs the collector at most its short busy timeout per write: the report is answered
// 503 (the agent retries) instead of the event loop freezing for seconds, and once the lock is
// released the retry gets through (that it is then applied exactly once is the failed-commit test's
// business). The CLI's connection never migrates an existing store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { buildCollector, type CollectorApp } from '../../collector/app.js';
import { resolveCollectorConfig } from '../../collector/config.js';
import { busyTimeoutMs, openSqlite as openStore } from '../../collector/store/sqlite/db.js';
import { silentLogger } from '../../common/logger.js';
import { makeReport } from '../helpers/reports.js';

const TOKEN = 'lock-test-token-pc-01-0123';
let dir: string;
let c: CollectorApp | undefined;

afterEach(async () => {
  await c?.app.close();
  c = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('the collector store under another writer', () => {
  it('a held write lock stalls a report by at most the short busy timeout, and the retry gets through', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sw-lock-'));
    const stateDir = join(dir, 'state');
    c = await buildCollector(resolveCollectorConfig({ devices: [{ name: 'pc-01', token: TOKEN }], stateDir }, {}, 't'), { log: silentLogger });
    await c.app.ready();
    const post = (seq: number) => {
      const now = Date.now();
      return c!.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { authorization: `Bearer ${TOKEN}` }, payload: makeReport({ device: 'pc-01', seq, createdAt: now, sentAt: now }) });
    };
    expect((await post(1)).statusCode).toBe(202);

    // A second connection, as `stationwatch collector enrol-code` would open, holding the write lock.
    const other = openStore(stateDir, { client: true });
    other.prepare('BEGIN IMMEDIATE').run();
    let longestGap = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
    }, 10);
    const t0 = performance.now();
    const refused = await post(2);
    const took = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 50));
    clearInterval(ticker);
    expect(refused.statusCode).toBe(503);
    expect(refused.json().error).toBe('store_unavailable');
    expect(took).toBeGreaterThanOrEqual(busyTimeoutMs.collector - 20);
    // Blocked for the busy timeout, not the 5 s it used to be.
    expect(longestGap).toBeLessThan(busyTimeoutMs.collector + 400);
    other.prepare('ROLLBACK').run();
    other.close();
    expect((await post(3)).statusCode).toBe(202);
  });

  it('the CLI\'s connection refuses to change an older store\'s schema under a running collector', () => {
    dir = mkdtempSync(join(tmpdir(), 'sw-lock-'));
    openStore(dir).close();
    const db = new Database(join(dir, 'collector.sqlite'));
    db.pragma('user_version = 1');
    db.close();
    expect(() => openStore(dir, { client: true })).toThrow(/start this version's collector once/);
    const after = new Database(join(dir, 'collector.sqlite'), { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(1);
    after.close();
  });
});
