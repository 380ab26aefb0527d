// The store contract (collector/store/store.ts), run the same against both implementations: SQLite
// in a temporary state directory and a real private PostgreSQL 15 (fixtures/postgres.ts). Each
// concern's reads and writes, schema migrations from empty and an idempotent re-open, transactions
// that roll back on failure, multi-row writes that land whole or not at all, and two store instances
// writing at once (two collectors on one database; for SQLite, the collector and the CLI).
// A last block runs a collector on PostgreSQL through the ingest route's durability contract.
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCollector, type CollectorApp } from '../../collector/app.js';
import { resolveCollectorConfig } from '../../collector/config.js';
import { openStore, type StoreChoice } from '../../collector/store/open.js';
import type { SpooledStore } from '../../collector/store/outage/spooled-store.js';
import { isStoreUnavailable } from '../../collector/store/outage/unavailable.js';
import { postgresSchemaVersion } from '../../collector/store/postgres/index.js';
import { sqliteSchemaVersion } from '../../collector/store/sqlite/index.js';
import { recordStatusChanges, type DeviceStateRow, type NewEvent, type Store } from '../../collector/store/store.js';
import { silentLogger } from '../../common/logger.js';
import { hashPassword } from '../../collector/store/users.js';
import type { Notification } from '../../collector/notify/types.js';
import type { Report } from '../../protocol/report.js';
import { makeReport } from '../helpers/reports.js';
import { runUsersAdmin } from '../../cli/users.js';
import { Readable, Writable } from 'node:stream';
import { startPostgres, type PrivatePostgres } from './fixtures/postgres.js';
import { spawnDaemon, whenReady } from '../../common/daemons/daemon.js';
import { repoRoot } from './fixtures/processes.js';

const writerScript = join(repoRoot, 'test/integration/fixtures/store-writer.mjs');

const T0 = 1_700_000_000_000;
const detail = { alerts: [{ alert: 'DiskFull', severity: 'warning', labels: { mount: 'C:' }, value: 0.97 }], readings: [{ metric: 'm', labels: {}, value: 1 }] };
const ev = (device: string, indicator: string, from: NewEvent['from'], to: NewEvent['to'], atMs: number): NewEvent => ({ device, site: 'branch-a', indicator, from, to, atMs, detail });
const stateRow = (name: string, seq: number, extra: Partial<DeviceStateRow> = {}): DeviceStateRow => ({
  name,
  site: 'branch-a',
  reportJson: JSON.stringify(makeReport({ device: name, seq, createdAt: T0, sentAt: T0 })),
  receivedAtMs: T0 + seq,
  clockOffsetSeconds: 0.25,
  reportsAccepted: seq,
  gaps: [{ fromMs: T0 - 1000, toMs: T0 - 500 }],
  ...extra,
});

interface Backend {
  name: 'sqlite' | 'postgres';
  /** Where a fresh, empty store goes (a new directory or database each call). */
  fresh(): Promise<StoreChoice>;
  known: number;
}

let postgres: PrivatePostgres | undefined;
const dirs: string[] = [];
let databases = 0;

beforeAll(async () => {
  postgres = await startPostgres();
}, 180_000);
afterAll(async () => {
  await postgres?.stop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const backends: Backend[] = [
  {
    name: 'sqlite',
    known: sqliteSchemaVersion,
    async fresh() {
      const dir = await mkdtemp(join(tmpdir(), 'sw-store-contract-'));
      dirs.push(dir);
      return { stateDir: join(dir, 'state'), store: {} };
    },
  },
  {
    name: 'postgres',
    known: postgresSchemaVersion,
    async fresh() {
      const url = await postgres!.createDatabase(`contract_${++databases}`);
      return { store: { postgres: { url, maxConnections: 4, connectTimeoutSeconds: 10, queryTimeoutSeconds: 30 } } };
    },
  },
];

describe.each(backends)('the store contract on $name', (backend) => {
  let where: StoreChoice;
  let store: Store;
  const opened: Store[] = [];
  const open = async (opts: { client?: boolean } = {}) => {
    const s = await openStore(where, opts);
    opened.push(s);
    return s;
  };

  beforeAll(async () => {
    where = await backend.fresh();
    store = await open();
  });
  afterAll(async () => {
    for (const s of opened) await s.close();
  });

  it('migrates an empty store to the current schema, and re-opening changes nothing', async () => {
    expect(store.kind).toBe(backend.name);
    expect(await store.schemaVersion()).toBe(backend.known);
    await store.inspections.record({ device: 'pc-00', site: 's', atMs: T0, user: 'u', result: 'ok', note: 'before re-open' });
    const again = await open();
    expect(await again.schemaVersion()).toBe(backend.known);
    expect((await again.inspections.forDevice('pc-00')).map((i) => i.note)).toEqual(['before re-open']);
    // A client (the CLI) opens a current store without touching it.
    const client = await open({ client: true });
    expect(await client.schemaVersion()).toBe(backend.known);
    await again.close();
    await client.close();
    if (backend.name === 'postgres') {
      const c = new pg.Client({ connectionString: where.store.postgres!.url });
      await c.connect();
      const { rows } = await c.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
      await c.end();
      expect(rows.map((r) => r.version)).toEqual(Array.from({ length: backend.known }, (_, i) => i + 1));
    }
  });

  it('never logs a password: where it is says host and database only', () => {
    expect(store.where).not.toContain(postgres!.password);
    expect(store.where).toMatch(backend.name === 'sqlite' ? /^SQLite .*collector\.sqlite$/ : /^PostgreSQL 127\.0\.0\.1:\d+\/contract_\d+$/);
  });

  it('events: appended, read by device (newest first) and by time range (oldest first), pruned by age', async () => {
    await store.events.record([ev('pc-01', 'disk', 'normal', 'abnormal', T0 + 1000), ev('pc-02', 'disk', 'normal', 'abnormal', T0 + 1500)]);
    await store.events.record([ev('pc-01', 'disk', 'abnormal', 'normal', T0 + 2000), ev('pc-01', 'cpu', 'normal', 'unavailable', T0 + 2000)]);
    const mine = await store.events.forDevice('pc-01');
    expect(mine.map((e) => `${e.indicator}:${e.to}`)).toEqual(['cpu:unavailable', 'disk:normal', 'disk:abnormal']);
    expect(mine[2]).toMatchObject({ device: 'pc-01', site: 'branch-a', from: 'normal', to: 'abnormal', atMs: T0 + 1000, detail });
    expect(typeof mine[0]!.id).toBe('number');
    expect(await store.events.forDevice('pc-01', 1)).toHaveLength(1);
    expect((await store.events.between(T0 + 1000, T0 + 2000)).map((e) => e.device)).toEqual(['pc-01', 'pc-02']);
    expect((await store.events.between(T0, T0 + 5000, 'pc-01')).map((e) => e.atMs)).toEqual([T0 + 1000, T0 + 2000, T0 + 2000]);
    // Recording an event sets the indicator's current state.
    const states = await store.indicators.currentStates();
    expect(states.get('pc-01\u0000disk')).toEqual({ state: 'normal', sinceMs: T0 + 2000 });
    expect(states.get('pc-02\u0000disk')).toEqual({ state: 'abnormal', sinceMs: T0 + 1500 });
    expect(await store.events.prune(T0 + 1600)).toBe(2);
    expect((await store.events.between(0, T0 + 10_000)).map((e) => e.atMs)).toEqual([T0 + 2000, T0 + 2000]);
  });

  it('indicator state: first states do not overwrite, a device is forgotten, pending alert times start and end', async () => {
    await store.indicators.setInitial([{ device: 'pc-03', indicator: 'disk', state: 'normal' }, { device: 'pc-03', indicator: 'cpu', state: 'abnormal' }], T0);
    await store.indicators.setInitial([{ device: 'pc-03', indicator: 'disk', state: 'abnormal' }], T0 + 5);
    let states = await store.indicators.currentStates();
    expect(states.get('pc-03\u0000disk')).toEqual({ state: 'normal', sinceMs: T0 });
    expect(states.get('pc-03\u0000cpu')).toEqual({ state: 'abnormal', sinceMs: T0 });
    await store.indicators.forgetDevice('pc-03');
    states = await store.indicators.currentStates();
    expect([...states.keys()].filter((k) => k.startsWith('pc-03'))).toEqual([]);

    const a = { alert: 'DiskFull', labels: { device: 'pc-03', mount: 'C:' } };
    const b = { alert: 'CpuHot', labels: { device: 'pc-03' } };
    await store.indicators.updatePendingAlerts([{ ...a, activeAtMs: T0 }, { ...b, activeAtMs: T0 + 1 }], []);
    await store.indicators.updatePendingAlerts([{ ...a, activeAtMs: T0 + 7 }], [b]);
    expect(await store.indicators.pendingAlerts()).toEqual([{ ...a, activeAtMs: T0 + 7 }]);
    await store.indicators.updatePendingAlerts([], [a]);
    expect(await store.indicators.pendingAlerts()).toEqual([]);
  });

  it('one status evaluation\'s changes are written together', async () => {
    await recordStatusChanges(
      store,
      { initial: [{ device: 'pc-04', indicator: 'cpu', state: 'normal' }], changes: [ev('pc-04', 'disk', 'normal', 'abnormal', T0 + 9)], started: [{ alert: 'X', labels: { device: 'pc-04' }, activeAtMs: T0 + 9 }], ended: [] },
      T0 + 9,
    );
    const states = await store.indicators.currentStates();
    expect(states.get('pc-04\u0000cpu')).toEqual({ state: 'normal', sinceMs: T0 + 9 });
    expect(states.get('pc-04\u0000disk')).toEqual({ state: 'abnormal', sinceMs: T0 + 9 });
    expect(await store.events.forDevice('pc-04')).toHaveLength(1);
    expect(await store.indicators.pendingAlerts()).toEqual([{ alert: 'X', labels: { device: 'pc-04' }, activeAtMs: T0 + 9 }]);
    await store.indicators.updatePendingAlerts([], [{ alert: 'X', labels: { device: 'pc-04' } }]);
  });

  it('device state: saved as sent, upserted, the last of a batch wins, restored, forgotten', async () => {
    const one = stateRow('pc-05', 1);
    await store.devices.saveMany([one, stateRow('pc-06', 1, { clockOffsetSeconds: undefined, receivedAtMs: undefined })]);
    await store.devices.saveMany([stateRow('pc-05', 2), stateRow('pc-05', 3)]);
    const all = new Map((await store.devices.loadAll()).map((d) => [d.name, d]));
    expect(all.get('pc-05')).toMatchObject({ site: 'branch-a', reportsAccepted: 3, receivedAtMs: T0 + 3, clockOffsetSeconds: 0.25, gaps: [{ fromMs: T0 - 1000, toMs: T0 - 500 }] });
    expect(all.get('pc-05')!.report.seq).toBe(3);
    expect(all.get('pc-06')).not.toHaveProperty('receivedAtMs');
    expect(all.get('pc-06')).not.toHaveProperty('clockOffsetSeconds');
    await store.devices.forget('pc-06');
    expect((await store.devices.loadAll()).map((d) => d.name)).not.toContain('pc-06');
  });

  it('device state on a shared store: the holder and save time kept, one device loaded, summaries since a time, a collector restores its own', async () => {
    const pause = () => new Promise((r) => setTimeout(r, 15));
    const before = Date.now();
    await store.devices.saveMany([stateRow('pc-20', 4, { holder: 'north', savedMs: Date.now(), intervalSeconds: 15 })]);
    const first = await store.devices.load('pc-20');
    expect(first).toMatchObject({ name: 'pc-20', reportsAccepted: 4, holder: 'north' });
    expect(first!.report.seq).toBe(4);
    // SQLite keeps the writer's time, PostgreSQL takes its own clock: either way, the time of the save.
    expect(first!.savedMs).toBeGreaterThanOrEqual(before - 1000);
    expect(first!.savedMs).toBeLessThanOrEqual(Date.now() + 1000);
    expect(await store.devices.load('nobody')).toBeUndefined();
    await pause();
    await store.devices.saveMany([stateRow('pc-21', 2, { holder: 'south', savedMs: Date.now(), intervalSeconds: 30 })]);
    const since = await store.devices.summariesSince(first!.savedMs! + 1);
    expect(since.filter((d) => d.name.startsWith('pc-2'))).toEqual([{ name: 'pc-21', site: 'branch-a', holder: 'south', savedMs: expect.any(Number), receivedAtMs: T0 + 2, intervalSeconds: 30, reportsAccepted: 2 }]);
    expect((await store.devices.summariesSince()).map((d) => d.name)).toEqual(expect.arrayContaining(['pc-20', 'pc-21']));
    // North restores its own devices and rows saved before holders were recorded, not south's.
    const north = (await store.devices.loadAll('north')).map((d) => d.name);
    expect(north).toContain('pc-20');
    expect(north).not.toContain('pc-21');
    // South takes pc-20 over: the row is south's from then on.
    await store.devices.saveMany([stateRow('pc-20', 5, { holder: 'south', savedMs: Date.now() })]);
    expect((await store.devices.loadAll('north')).map((d) => d.name)).not.toContain('pc-20');
    await store.devices.forget('pc-20');
    await store.devices.forget('pc-21');
  });

  it('indicator state of one device (with its pending alert times), and states written since a time', async () => {
    await store.indicators.setInitial([{ device: 'pc-22', indicator: 'disk', state: 'normal' }, { device: 'pc-22', indicator: 'cpu', state: 'normal' }, { device: 'pc-2', indicator: 'cpu', state: 'normal' }], T0);
    await new Promise((r) => setTimeout(r, 15));
    await store.events.record([ev('pc-22', 'disk', 'normal', 'abnormal', T0 + 50)]);
    // A name that is a prefix of another, and LIKE's wildcards in names: only the device's own series.
    const mine = { alert: 'DiskFull', labels: { device: 'pc-22', mount: 'C:' }, activeAtMs: T0 + 40 };
    await store.indicators.updatePendingAlerts([mine, { alert: 'DiskFull', labels: { device: 'pc-2', mount: 'C:' }, activeAtMs: T0 }, { alert: 'DiskFull', labels: { device: 'pc_22' }, activeAtMs: T0 }], []);
    const one = await store.indicators.ofDevice('pc-22');
    expect(one.states.map(({ updatedMs: _, ...rest }) => rest).sort((x, y) => x.indicator.localeCompare(y.indicator))).toEqual([
      { device: 'pc-22', indicator: 'cpu', state: 'normal', sinceMs: T0 },
      { device: 'pc-22', indicator: 'disk', state: 'abnormal', sinceMs: T0 + 50 },
    ]);
    expect(one.pending).toEqual([mine]);
    expect((await store.indicators.ofDevice('pc_2')).pending).toEqual([]);
    const all = (await store.indicators.statesSince()).filter((s) => s.device === 'pc-22');
    expect(all).toHaveLength(2);
    // The rows of one statement may differ by a millisecond (PostgreSQL stamps each row with clock_timestamp()): the latest of them.
    const initialWritten = Math.max(...(await store.indicators.statesSince()).filter((s) => s.device.startsWith('pc-2') && s.indicator === 'cpu').map((s) => s.updatedMs!));
    expect((await store.indicators.statesSince(initialWritten + 1)).filter((s) => s.device.startsWith('pc-2')).map((s) => [s.device, s.indicator, s.state, s.sinceMs])).toEqual([['pc-22', 'disk', 'abnormal', T0 + 50]]);
    await store.indicators.updatePendingAlerts([], [mine, { alert: 'DiskFull', labels: { device: 'pc-2', mount: 'C:' } }, { alert: 'DiskFull', labels: { device: 'pc_22' } }]);
    for (const d of ['pc-22', 'pc-2']) await store.indicators.forgetDevice(d);
  });

  it('a multi-row write that fails part-way leaves none of its rows', async () => {
    const bad = { ...stateRow('pc-08', 1), site: null as unknown as string };
    await expect(store.devices.saveMany([stateRow('pc-07', 1), bad])).rejects.toThrow();
    expect((await store.devices.loadAll()).map((d) => d.name)).not.toContain('pc-07');
  });

  it('enrolment: a code works once and until it expires, a name once; tokens are refused once revoked', async () => {
    const { code, expiresMs } = await store.enrolment.issueCode('branch-b', T0, 3_600_000);
    expect(expiresMs).toBe(T0 + 3_600_000);
    expect(await store.enrolment.enrol('pc-10', { code: 'no-such-code' }, T0)).toEqual({ refused: 'unknown' });
    const enrolled = await store.enrolment.enrol('pc-10', { code }, T0 + 1);
    if (!('token' in enrolled)) throw new Error(`refused: ${enrolled.refused}`);
    expect(enrolled.site).toBe('branch-b');
    expect(await store.enrolment.enrol('pc-11', { code }, T0 + 2)).toEqual({ refused: 'used' });
    const late = await store.enrolment.issueCode('branch-b', T0, 10);
    expect(await store.enrolment.enrol('pc-11', { code: late.code }, T0 + 10)).toEqual({ refused: 'expired' });
    expect(await store.enrolment.enrol('pc-10', { site: 'branch-c', via: 'site-secret' }, T0 + 3)).toEqual({ refused: 'taken' });
    expect(await store.enrolment.deviceForToken(enrolled.token)).toEqual({ device: 'pc-10', site: 'branch-b' });
    expect(await store.enrolment.deviceForToken('not-a-token')).toBeUndefined();
    expect(await store.enrolment.isEnrolled('pc-10')).toBe(true);
    expect(await store.enrolment.activeCount()).toBe(1);

    expect(await store.enrolment.revoke('pc-10', T0 + 4)).toBe(true);
    expect(await store.enrolment.revoke('pc-10', T0 + 5)).toBe(false);
    expect(await store.enrolment.deviceForToken(enrolled.token)).toBeUndefined();
    expect(await store.enrolment.isEnrolled('pc-10')).toBe(false);
    expect(await store.enrolment.hasRecord('pc-10')).toBe(true);
    // Enrolled again: a fresh token; the old one stays refused.
    const again = await store.enrolment.enrol('pc-10', { site: 'branch-c', via: 'site-secret' }, T0 + 6);
    if (!('token' in again)) throw new Error(`refused: ${again.refused}`);
    expect(await store.enrolment.deviceForToken(again.token)).toEqual({ device: 'pc-10', site: 'branch-c' });
    expect(await store.enrolment.deviceForToken(enrolled.token)).toBeUndefined();
    expect(await store.enrolment.list()).toEqual([{ device: 'pc-10', site: 'branch-c', enrolledMs: T0 + 6, enrolledVia: 'site-secret', revokedMs: null }]);
    expect(await store.enrolment.forget('pc-10')).toBe(true);
    expect(await store.enrolment.hasRecord('pc-10')).toBe(false);
    expect(await store.enrolment.forget('pc-10')).toBe(false);
    expect(await store.enrolment.deviceForToken(again.token)).toBeUndefined();
  });

  it('inspections and first sightings: latest per device, ranges, the first sighting kept', async () => {
    const first = await store.inspections.record({ device: 'pc-20', site: 's', atMs: T0 + 10, user: 'li.wei', result: 'ok', note: '正常' });
    const second = await store.inspections.record({ device: 'pc-20', site: 's', atMs: T0 + 20, user: 'li.wei', result: 'fault', note: 'fan noise' });
    await store.inspections.record({ device: 'pc-21', site: 's', atMs: T0 + 15, user: 'wang', result: 'ok', note: '' });
    expect(second.id).toBeGreaterThan(first.id);
    expect((await store.inspections.forDevice('pc-20')).map((i) => i.note)).toEqual(['fan noise', '正常']);
    expect((await store.inspections.between(T0 + 10, T0 + 20)).map((i) => i.device)).toEqual(['pc-20', 'pc-21']);
    expect((await store.inspections.between(T0, T0 + 100, 'pc-20')).map((i) => i.id)).toEqual([first.id, second.id]);
    const latest = await store.inspections.latest();
    expect(latest.get('pc-20')).toEqual(second);
    expect(latest.get('pc-21')?.user).toBe('wang');

    await store.inspections.markSeen(['pc-20', 'pc-21'], T0);
    await store.inspections.markSeen(['pc-20', 'pc-22'], T0 + 99);
    let seen = await store.inspections.firstSeen();
    expect([seen.get('pc-20'), seen.get('pc-21'), seen.get('pc-22')]).toEqual([T0, T0, T0 + 99]);
    await store.inspections.forgetFirstSeen('pc-20');
    seen = await store.inspections.firstSeen();
    expect(seen.has('pc-20')).toBe(false);
  });

  it('maintenance: created, read, ended early (never later), open periods by start', async () => {
    const m = await store.maintenance.create({ device: 'pc-30', startsMs: T0, endsMs: T0 + 1000, user: 'tech', reason: 'disk swap', silenceId: null, silenceError: 'alertmanager down', createdMs: T0 });
    const planned = await store.maintenance.create({ device: 'pc-31', startsMs: T0 + 500, endsMs: T0 + 2000, user: 'tech', reason: '', silenceId: 'abc', silenceError: null, createdMs: T0 });
    expect(await store.maintenance.get(m.id)).toEqual(m);
    expect(await store.maintenance.get(999_999)).toBeUndefined();
    expect((await store.maintenance.open(T0 + 1)).map((x) => x.id)).toEqual([m.id, planned.id]);
    await store.maintenance.end(m.id, T0 + 100);
    expect((await store.maintenance.get(m.id))?.endsMs).toBe(T0 + 100);
    await store.maintenance.end(planned.id, T0 + 5000);
    expect((await store.maintenance.get(planned.id))?.endsMs).toBe(T0 + 2000);
    expect((await store.maintenance.open(T0 + 200)).map((x) => x.id)).toEqual([planned.id]);
    expect((await store.maintenance.forDevice('pc-30')).map((x) => x.reason)).toEqual(['disk swap']);
  });

  it('notifications: queued per channel, claimed once under a lease, retried later, settled with a record; announced alerts kept', async () => {
    const n = (id: string, device: string): Notification => ({
      id, groupKey: `branch-n/${device}`, site: 'branch-n', device, status: 'firing', repeat: false, source: 'collector', createdMs: T0,
      mentions: { mobiles: ['13800000000'], userIds: [], all: false },
      alerts: [{ alert: 'StationwatchDiskFull', status: 'firing', severity: 'warning', site: 'branch-n', device, summary: { en: 'disk full', zh: '磁盘已满' }, description: { en: 'd', zh: 'd' }, startsAtMs: T0, labels: { mount: 'C:' } }],
    });
    await store.notifications.enqueue([{ notification: n('n1', 'pc-50'), channel: 'ding' }, { notification: n('n1', 'pc-50'), channel: 'mail' }, { notification: n('n2', 'pc-51'), channel: 'ding' }], T0);
    expect(Object.fromEntries(await store.notifications.queueLengths())).toEqual({ ding: 2, mail: 1 });
    const first = await store.notifications.claim('ding', T0, 1000, 1);
    expect(first.map((q) => [q.notification.id, q.attempts])).toEqual([['n1', 0]]);
    expect(first[0]!.notification).toEqual(n('n1', 'pc-50'));
    // Leased: another claim takes the next row, not this one; after the lease it is free again.
    expect((await store.notifications.claim('ding', T0 + 1, 1000, 10)).map((q) => q.notification.id)).toEqual(['n2']);
    expect(await store.notifications.claim('ding', T0 + 2, 1000, 10)).toEqual([]);
    expect((await store.notifications.claim('ding', T0 + 1000, 1000, 10)).map((q) => q.notification.id)).toEqual(['n1']);
    // Released unattempted: free at once, its attempts unchanged.
    const n2 = await store.notifications.claim('ding', T0 + 1001, 1000, 10);
    expect(n2.map((q) => q.notification.id)).toEqual(['n2']);
    await store.notifications.release(n2.map((q) => q.id));
    expect((await store.notifications.claim('ding', T0 + 1001, 1, 10)).map((q) => [q.notification.id, q.attempts])).toEqual([['n2', 0]]);
    await store.notifications.retryLater([first[0]!.id], T0 + 5000, 'HTTP 500: busy');
    // Not due before its next attempt (n2's lease has ended: it is taken, and leased again).
    expect((await store.notifications.claim('ding', T0 + 4999, 1, 10)).map((q) => q.notification.id)).toEqual(['n2']);
    const again = await store.notifications.claim('ding', T0 + 5000, 1000, 10);
    expect(again.map((q) => [q.notification.id, q.attempts, q.lastError])).toEqual([['n1', 1, 'HTTP 500: busy'], ['n2', 0, null]]);
    expect((await store.notifications.queuedForDevice('pc-50')).map((q) => q.channel).sort()).toEqual(['ding', 'mail']);
    const rec = { notificationId: 'n1', channel: 'ding', site: 'branch-n', device: 'pc-50', status: 'firing' as const, repeat: false, alerts: ['StationwatchDiskFull'], result: 'sent' as const, detail: 'errcode 0', attempts: 2, atMs: T0 + 5001 };
    await store.notifications.settle([again[0]!.id], [rec, { ...rec, channel: 'mail', result: 'failed', detail: '535 auth failed', attempts: 1, atMs: T0 + 5002 }]);
    expect(Object.fromEntries(await store.notifications.queueLengths())).toEqual({ ding: 1, mail: 1 });
    const records = await store.notifications.forDevice('pc-50');
    expect(records.map((r) => ({ ...r, id: 0 }))).toEqual([{ ...rec, channel: 'mail', result: 'failed', detail: '535 auth failed', attempts: 1, atMs: T0 + 5002, id: 0 }, { ...rec, id: 0 }]);
    expect((await store.notifications.recent(1)).map((r) => r.channel)).toEqual(['mail']);
    // A failing settle (a CHECK constraint) leaves the queue as it was.
    const mail = await store.notifications.claim('mail', T0, 1000, 10);
    await expect(store.notifications.settle([mail[0]!.id], [{ ...rec, result: 'bogus' as 'sent' }])).rejects.toThrow();
    expect(Object.fromEntries(await store.notifications.queueLengths())).toEqual({ ding: 1, mail: 1 });
    expect(await store.notifications.prune(T0 + 5002)).toBe(1);
    expect((await store.notifications.forDevice('pc-50')).map((r) => r.channel)).toEqual(['mail']);

    const alert = n('n3', 'pc-52').alerts[0]!;
    await store.notifications.updateAnnounced([{ key: 'a', groupKey: 'branch-n/pc-52', alert, lastSentMs: T0 }, { key: 'b', groupKey: 'branch-n/pc-52', alert, lastSentMs: T0 }], []);
    await store.notifications.updateAnnounced([{ key: 'a', groupKey: 'branch-n/pc-52', alert, lastSentMs: T0 + 7 }], ['b']);
    expect(await store.notifications.announced()).toEqual([{ key: 'a', groupKey: 'branch-n/pc-52', alert, lastSentMs: T0 + 7 }]);
  });

  it('notifications: two store instances claiming one queue at once never take the same row', async () => {
    const other = await open();
    const items = Array.from({ length: 40 }, (_, i) => ({
      channel: 'race',
      notification: { id: `r${i}`, groupKey: 'g', site: 's', status: 'firing' as const, repeat: false, source: 'collector' as const, createdMs: T0, mentions: { mobiles: [], userIds: [], all: false }, alerts: [] },
    }));
    await store.notifications.enqueue(items, T0);
    const taken: string[] = [];
    const claimer = (s: Store) => async () => {
      for (;;) {
        const got = await s.notifications.claim('race', T0 + 1, 60_000, 3);
        if (got.length === 0) return;
        taken.push(...got.map((q) => q.notification.id));
      }
    };
    await Promise.all([claimer(store)(), claimer(other)(), claimer(store)(), claimer(other)()]);
    expect(taken.length).toBe(40);
    expect(new Set(taken).size).toBe(40);
  });

  it('sessions: found while live, deleted when expired, on logout and by pruning', async () => {
    const a = await store.sessions.create('li.wei', T0, 1000);
    const b = await store.sessions.create('wang', T0, 10);
    const c = await store.sessions.create('zhao', T0, 5000);
    expect(await store.sessions.find(a.id, T0 + 1)).toEqual(a.session);
    expect(await store.sessions.find(b.id, T0 + 10)).toBeUndefined();
    await store.sessions.delete(a.id);
    expect(await store.sessions.find(a.id, T0 + 2)).toBeUndefined();
    expect(await store.sessions.prune(T0 + 6000)).toBe(1);
    expect(await store.sessions.find(c.id, T0 + 1)).toBeUndefined();
    expect(await store.sessions.find('never-issued', T0)).toBeUndefined();
  });

  it('users: added once, validated, changed (sessions ended when disabled), removed with their sessions; an enabled administrator always stays, even against a second store instance', async () => {
    const hash = (n: number) => `scrypt$32768$8$1$${Buffer.from(`salt-${n}`).toString('base64')}$${Buffer.from(`hash-${n}`).toString('base64')}`;
    const u = store.users;
    expect(await u.add({ name: 'li.wei', role: 'technician', sites: ['branch-b', 'branch-a', 'branch-a'], passwordHash: hash(1), disabled: false, createdMs: T0 })).toEqual({ ok: true });
    expect(await u.add({ name: 'li.wei', role: 'viewer', sites: [], passwordHash: hash(2), disabled: false, createdMs: T0 })).toEqual({ refused: 'exists' });
    expect(await u.get('li.wei')).toEqual({ name: 'li.wei', role: 'technician', sites: ['branch-a', 'branch-b'], passwordHash: hash(1), disabled: false, createdMs: T0, updatedMs: T0 });
    // Refused with the reason, nothing written.
    for (const bad of [{ name: '' }, { name: 'x'.repeat(65) }, { name: 'a b' }, { role: 'root' }, { role: 'admin', sites: ['s'] }, { sites: ['\u0001'] }, { sites: Array.from({ length: 101 }, (_, i) => `s${i}`) }, { passwordHash: 'plain' }]) {
      await expect(u.add({ name: 'bad', role: 'viewer', sites: [], passwordHash: hash(3), disabled: false, createdMs: T0, ...bad } as never), JSON.stringify(bad).slice(0, 60)).rejects.toThrow();
    }
    expect((await u.list()).map((x) => x.name)).toEqual(['li.wei']);
    await expect(u.update('li.wei', { role: 'admin', sites: ['branch-a'] }, T0 + 1)).rejects.toThrow(/administrator/);
    // Disabling ends the user's sessions; a new password too; a role or site change does not.
    const s1 = await store.sessions.create('li.wei', T0, 60_000);
    expect(await u.update('li.wei', { sites: ['branch-c'], role: 'viewer' }, T0 + 2)).toEqual({ ok: true });
    expect(await store.sessions.find(s1.id, T0 + 3)).toBeDefined();
    expect(await u.update('li.wei', { disabled: true }, T0 + 4)).toEqual({ ok: true });
    expect(await store.sessions.find(s1.id, T0 + 5)).toBeUndefined();
    expect(await u.get('li.wei')).toMatchObject({ role: 'viewer', sites: ['branch-c'], disabled: true, updatedMs: T0 + 4 });
    expect(await u.update('nobody', { disabled: true }, T0)).toEqual({ refused: 'not_found' });
    // The last enabled administrator can be neither demoted, nor disabled, nor removed.
    expect(await u.add({ name: 'boss', role: 'admin', sites: [], passwordHash: hash(4), disabled: false, createdMs: T0 })).toEqual({ ok: true });
    expect(await u.update('boss', { role: 'technician' }, T0 + 5)).toEqual({ refused: 'last_admin' });
    expect(await u.update('boss', { disabled: true }, T0 + 5)).toEqual({ refused: 'last_admin' });
    expect(await u.remove('boss')).toEqual({ refused: 'last_admin' });
    // Promoted to administrator, a limited user's sites go.
    expect(await u.update('li.wei', { role: 'admin', disabled: false }, T0 + 6)).toEqual({ ok: true });
    expect(await u.get('li.wei')).toMatchObject({ role: 'admin', sites: [], disabled: false });
    // Two administrators demoted at once through two store instances (two collectors): one stays.
    const twin = await open();
    const outcomes = await Promise.all([u.update('boss', { role: 'viewer' }, T0 + 7), twin.users.update('li.wei', { disabled: true }, T0 + 7)]);
    expect(outcomes.filter((o) => 'ok' in o)).toHaveLength(1);
    expect(outcomes.filter((o) => 'refused' in o)).toEqual([{ refused: 'last_admin' }]);
    expect((await u.list()).filter((x) => x.role === 'admin' && !x.disabled)).toHaveLength(1);
    // Removed: gone with its sessions; a user that is not the last administrator may go.
    const stay = (await u.list()).find((x) => x.role === 'admin' && !x.disabled)!.name;
    const other = stay === 'boss' ? 'li.wei' : 'boss';
    const s2 = await store.sessions.create(other, T0, 60_000);
    expect(await u.remove(other)).toEqual({ ok: true });
    expect(await store.sessions.find(s2.id, T0 + 1)).toBeUndefined();
    expect(await u.remove(other)).toEqual({ refused: 'not_found' });
    expect((await u.list()).map((x) => x.name)).toEqual([stay]);
  });

  it('history: chunks stored as given, read by device, tier and range, replaced, pruned; marks stored once, by range, pruned', async () => {
    const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + n) % 256);
    const h = store.history;
    await h.put([
      { device: 'pc-h1', tier: 1, startMs: T0, data: bytes(10) },
      { device: 'pc-h1', tier: 1, startMs: T0 + 900_000, data: bytes(3000) },
      { device: 'pc-h1', tier: 15, startMs: T0, data: bytes(5) },
      { device: 'pc-h2', tier: 1, startMs: T0, data: bytes(7) },
    ]);
    const got = await h.get([{ device: 'pc-h1', tier: 1, startMs: T0 + 900_000 }, { device: 'pc-h1', tier: 1, startMs: T0 + 1 }]);
    expect(got.map((c) => [c.device, c.tier, c.startMs, Buffer.from(c.data).equals(Buffer.from(bytes(3000)))])).toEqual([['pc-h1', 1, T0 + 900_000, true]]);
    const r = await h.range(['pc-h1', 'pc-h2'], 1, T0, T0 + 900_001);
    expect(r.map((c) => [c.device, c.startMs, c.data.length])).toEqual([['pc-h1', T0, 10], ['pc-h1', T0 + 900_000, 3000], ['pc-h2', T0, 7]]);
    expect(await h.range(['pc-h1'], 1, T0 + 1, T0 + 900_000)).toEqual([]);
    // replaced whole
    await h.put([{ device: 'pc-h1', tier: 1, startMs: T0, data: bytes(4) }]);
    expect((await h.get([{ device: 'pc-h1', tier: 1, startMs: T0 }]))[0]!.data.length).toBe(4);
    // inside a transaction that fails, nothing lands
    await expect(store.transaction(async (tx) => {
      await tx.history.put([{ device: 'pc-h3', tier: 60, startMs: T0, data: bytes(1) }]);
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(await h.get([{ device: 'pc-h3', tier: 60, startMs: T0 }])).toEqual([]);
    expect(await h.prune(1, T0 + 900_000)).toBe(2);
    expect((await h.range(['pc-h1', 'pc-h2'], 1, 0, T0 + 10 ** 9)).map((c) => c.startMs)).toEqual([T0 + 900_000]);
    expect((await h.range(['pc-h1'], 15, 0, T0 + 1)).length).toBe(1);
    const mark = { device: 'pc-h1', kind: 'backup' as const, atMs: T0 + 5, key: 'daily', outcome: 'ok' };
    await h.addMarks([mark, { ...mark, kind: 'boot', key: '', outcome: '' }]);
    await h.addMarks([{ ...mark, outcome: 'failed' }, { ...mark, atMs: T0 + 50 }]);
    expect(await h.marks('pc-h1', T0, T0 + 50)).toEqual([{ ...mark, kind: 'backup' }, { ...mark, kind: 'boot', key: '', outcome: '' }].sort((a, b) => a.kind.localeCompare(b.kind)));
    expect((await h.marks('pc-h1', 0, T0 + 100)).length).toBe(3);
    expect(await h.pruneMarks(T0 + 10)).toBe(2);
    expect((await h.marks('pc-h1', 0, T0 + 100)).map((k) => k.atMs)).toEqual([T0 + 50]);
  });

  it('a transaction commits everything or, when it fails, nothing — and its handle is dead afterwards', async () => {
    let leaked: Parameters<Parameters<Store['transaction']>[0]>[0] | undefined;
    await expect(
      store.transaction(async (tx) => {
        leaked = tx;
        await tx.devices.saveMany([stateRow('pc-40', 1)]);
        await tx.inspections.record({ device: 'pc-40', site: 's', atMs: T0, user: 'u', result: 'ok', note: 'rolled back' });
        // A CHECK constraint of both schemas: the statement fails inside the transaction.
        await tx.inspections.record({ device: 'pc-40', site: 's', atMs: T0, user: 'u', result: 'bogus' as 'ok', note: '' });
      }),
    ).rejects.toThrow();
    expect((await store.devices.loadAll()).map((d) => d.name)).not.toContain('pc-40');
    expect(await store.inspections.forDevice('pc-40')).toEqual([]);
    await expect(leaked!.inspections.forDevice('pc-40')).rejects.toThrow(/transaction has ended/);

    await expect(store.transaction(async () => Promise.reject(new Error('the caller changed its mind')))).rejects.toThrow('the caller changed its mind');
    const value = await store.transaction(async (tx) => {
      await tx.devices.saveMany([stateRow('pc-41', 1)]);
      return (await tx.enrolment.issueCode('branch-d', T0, 1000)).code;
    });
    expect(typeof value).toBe('string');
    expect((await store.devices.loadAll()).map((d) => d.name)).toContain('pc-41');
    // Calls from outside wait for a transaction instead of becoming part of it.
    let outsideDone = false;
    let outside: Promise<unknown> | undefined;
    await store.transaction(async (tx) => {
      outside = store.inspections.record({ device: 'pc-42', site: 's', atMs: T0, user: 'u', result: 'ok', note: 'outside' }).then(() => (outsideDone = true));
      await tx.devices.saveMany([stateRow('pc-42', 1)]);
      if (backend.name === 'sqlite') expect(outsideDone).toBe(false);
      throw new Error('roll back the transaction only');
    }).catch(() => undefined);
    await outside;
    expect((await store.inspections.forDevice('pc-42')).map((i) => i.note)).toEqual(['outside']);
    expect((await store.devices.loadAll()).map((d) => d.name)).not.toContain('pc-42');
  });

  it('two store instances writing at once (two processes): every write lands, a code enrols one device, a name is enrolled once', async () => {
    const { code } = await store.enrolment.issueCode('branch-e', T0, 3_600_000);
    const twin = { site: 'branch-e', via: 'site-secret' };
    const other = spawnDaemon(process.execPath, [writerScript, JSON.stringify(where), JSON.stringify({ t0: T0, fleet: [1, 3, 5, 7, 9, 11, 13, 15, 17, 19], reportJson: JSON.stringify(makeReport({ device: '__NAME__', createdAt: T0, sentAt: T0 })), enrol: [{ device: 'race-b', how: { code } }, { device: 'twin', how: twin }] })], { name: 'store writer' });
    try {
      await whenReady(other, 'its "ready"', async () => (other.output().includes('ready') ? true : undefined), { timeoutMs: 30_000, everyMs: 20 });
      other.child.kill('SIGUSR2');
      const writes: Promise<unknown>[] = [];
      for (let i = 0; i < 20; i += 2) {
        writes.push(store.devices.saveMany([stateRow(`fleet-${i}`, i + 1)]));
        writes.push(store.inspections.record({ device: `fleet-${i}`, site: 's', atMs: T0 + i, user: 'u', result: 'ok', note: String(i) }));
        writes.push(recordStatusChanges(store, { initial: [], changes: [ev(`fleet-${i}`, 'disk', 'normal', 'abnormal', T0 + i)], started: [], ended: [] }, T0 + i));
      }
      const mine = [store.enrolment.enrol('race-a', { code }, T0 + 1), store.enrolment.enrol('twin', twin, T0 + 1)];
      await Promise.all(writes);
      const [raceA, twinA] = await Promise.all(mine);
      const exit = await other.exited;
      expect(exit.code, other.output()).toBe(0);
      const theirs = JSON.parse(other.output().trim().split('\n').at(-1)!) as { failed: string[]; outcomes: unknown[] };
      expect(theirs.failed).toEqual([]);
      const [raceB, twinB] = theirs.outcomes as Array<{ enrolled: true } | { refused: string }>;

      const names = (await store.devices.loadAll()).map((d) => d.name).filter((n) => n.startsWith('fleet-'));
      expect(names).toHaveLength(20);
      expect((await store.inspections.between(T0, T0 + 20)).filter((i) => i.device.startsWith('fleet-'))).toHaveLength(20);
      expect((await store.events.between(T0, T0 + 20)).filter((e) => e.device.startsWith('fleet-'))).toHaveLength(20);
      // One code, two agents: one enrolled, the other told the code is used.
      expect([raceA, raceB].filter((r) => 'token' in r! || 'enrolled' in r!)).toHaveLength(1);
      expect([raceA, raceB].filter((r) => 'refused' in r!)).toEqual([{ refused: 'used' }]);
      // One name, two enrolments: one enrolled, the other refused as taken.
      expect([twinA, twinB].filter((r) => 'token' in r! || 'enrolled' in r!)).toHaveLength(1);
      expect([twinA, twinB].filter((r) => 'refused' in r!)).toEqual([{ refused: 'taken' }]);
      expect((await store.enrolment.list()).filter((d) => d.device === 'twin')).toHaveLength(1);
    } finally {
      await other.stop('SIGKILL');
    }
  });
});

describe('a collector on PostgreSQL', () => {
  const TOKEN = 'token-for-pc-01-postgres';
  let url: string;
  let admin: pg.Client;
  const apps: CollectorApp[] = [];
  let now = T0;

  let stateDir: string;

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'sw-pg-collector-'));
    dirs.push(stateDir);
    url = await postgres!.createDatabase('collector_ingest');
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
  });
  afterAll(async () => {
    for (const a of apps) await a.app.close();
    await admin?.end();
  });

  const collector = async (env: NodeJS.ProcessEnv = {}) => {
    // The URL (with its password) from the environment, as a service would be given it.
    const config = resolveCollectorConfig({ devices: [{ name: 'pc-01', token: TOKEN, site: 'branch-a' }], stateDir }, { STATIONWATCH_STORE_URL: url, ...env }, 'test');
    const c = await buildCollector(config, { log: silentLogger, nowMs: () => now });
    apps.push(c);
    return c;
  };
  const agent = { version: '0.1.0', platform: 'linux', startedAt: T0 - 60_000 };
  const report = (seq: number): Report => makeReport({ device: 'pc-01', seq, createdAt: now, sentAt: now, agent, samples: [{ metric: 'stationwatch_boots_total', value: seq }] });
  const post = (c: CollectorApp, body: Report) => c.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, payload: JSON.stringify(body) });
  const stored = async () => {
    const { rows } = await admin.query<{ report: string; reports_accepted: string }>('SELECT report, reports_accepted FROM device_state WHERE device = $1', ['pc-01']);
    return rows[0] && { seq: (JSON.parse(rows[0].report) as Report).seq, reportsAccepted: Number(rows[0].reports_accepted) };
  };

  it('two collectors share one user list: a user made with the CLI logs in on one, its session works on the other, and a change takes effect on the next request of both', async () => {
    const usersUrl = await postgres!.createDatabase('collector_users');
    const pair: CollectorApp[] = [];
    for (const [name, site] of [['pc-a', 'branch-a'], ['pc-b', 'branch-b']] as const) {
      const dir = await mkdtemp(join(tmpdir(), 'sw-pg-users-'));
      dirs.push(dir);
      const config = resolveCollectorConfig({ devices: [{ name, token: `token-for-${name}-users-test`, site }], stateDir: dir, statusPage: { requireLogin: true } }, { STATIONWATCH_STORE_URL: usersUrl }, 'test');
      const c = await buildCollector(config, { log: silentLogger });
      apps.push(c);
      pair.push(c);
    }
    const [a, b] = pair as [CollectorApp, CollectorApp];
    const cliOut: string[] = [];
    const cli = (args: string[], password = '') =>
      runUsersAdmin(args, { STATIONWATCH_STORE_URL: usersUrl }, { stdin: Readable.from([`${password}\n`]), stderr: new Writable({ write: (_c, _e, cb) => cb() }) }, { out: (l) => cliOut.push(l), err: (l) => cliOut.push(l) });
    expect(await cli(['add', 'zhou', '--role', 'technician', '--site', 'branch-a'], 'zhou-password'), cliOut.join('\n')).toBe(0);
    const login = await a.app.inject({ method: 'POST', url: '/api/v1/sessions', payload: { user: 'zhou', password: 'zhou-password' } });
    expect(login.statusCode).toBe(201);
    expect(login.json()).toMatchObject({ role: 'technician', sites: ['branch-a'] });
    const token = login.json().token as string;
    const devices = async (c: CollectorApp) => {
      const res = await c.app.inject({ url: '/api/devices', headers: { authorization: `Bearer ${token}` } });
      return res.statusCode === 200 ? (res.json() as { devices: { name: string }[] }).devices.map((d) => d.name) : res.statusCode;
    };
    expect([await devices(a), await devices(b)]).toEqual([['pc-a'], []]);
    expect(await cli(['set', 'zhou', '--site', 'branch-b'])).toBe(0);
    expect([await devices(a), await devices(b)]).toEqual([[], ['pc-b']]);
    expect(await cli(['set', 'zhou', '--disable'])).toBe(0);
    expect([await devices(a), await devices(b)]).toEqual([401, 401]);
  });

  it('commits a report before answering 202; a refused commit is a 503 that changes nothing, and the retry applies once; a restart restores it', async () => {
    const c = await collector();
    expect(c.ctx.db.kind).toBe('postgres');
    expect(c.ctx.db.where).not.toContain(postgres!.password);
    expect((await post(c, report(1))).statusCode).toBe(202);
    expect(await stored()).toEqual({ seq: 1, reportsAccepted: 1 });

    // The database refuses the next write (a trigger, as a constraint or a full disk would).
    await admin.query("CREATE FUNCTION refuse_writes() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$");
    await admin.query('CREATE TRIGGER refuse BEFORE INSERT OR UPDATE ON device_state FOR EACH ROW EXECUTE FUNCTION refuse_writes()');
    now += 15_000;
    const second = report(2);
    const refused = await post(c, second);
    expect(refused.statusCode).toBe(503);
    expect(refused.json().error).toBe('store_unavailable');
    expect(await stored()).toEqual({ seq: 1, reportsAccepted: 1 });
    const before = (await c.app.inject({ method: 'GET', url: '/api/devices/pc-01' })).json() as { reportsAccepted: number };
    expect(before.reportsAccepted).toBe(1);

    await admin.query('DROP TRIGGER refuse ON device_state');
    expect((await post(c, second)).statusCode).toBe(202);
    expect(await stored()).toEqual({ seq: 2, reportsAccepted: 2 });
    expect(((await c.app.inject({ method: 'GET', url: '/api/devices/pc-01' })).json() as { reportsAccepted: number }).reportsAccepted).toBe(2);

    // A second collector on the same database starts from what the first committed.
    const b = await collector();
    expect(((await b.app.inject({ method: 'GET', url: '/api/devices/pc-01' })).json() as { reportsAccepted: number }).reportsAccepted).toBe(2);
  });

  it('refuses a store URL that is not PostgreSQL, without repeating its password', () => {
    expect(() => resolveCollectorConfig({ stateDir: '/tmp/x' }, { STATIONWATCH_STORE_URL: 'mysql://u:s3cret-pw@db/x' }, 'test')).toThrow(/store\/postgres\/url: must start with postgres:\/\//);
    try {
      resolveCollectorConfig({ stateDir: '/tmp/x' }, { STATIONWATCH_STORE_URL: 'postgres://u:s3cret-pw@db' }, 'test');
      throw new Error('accepted');
    } catch (e) {
      expect((e as Error).message).toMatch(/names no database/);
      expect((e as Error).message).not.toContain('s3cret-pw');
    }
  });

  it('a wrong password fails at start in words that do not include it', async () => {
    const wrong = url.replace(`:${postgres!.password}@`, ':wrong-password-123@');
    await expect(openStore({ store: { postgres: { url: wrong, maxConnections: 1, connectTimeoutSeconds: 5, queryTimeoutSeconds: 5 } } })).rejects.toThrow(/could not be opened: .*password authentication failed/);
    await openStore({ store: { postgres: { url: wrong, maxConnections: 1, connectTimeoutSeconds: 5, queryTimeoutSeconds: 5 } } }).catch((e: Error) => expect(e.message).not.toContain('wrong-password-123'));
  });
});

describe('two collectors on one PostgreSQL: the whole fleet listed, a device handed over', () => {
  let url: string;
  let admin: pg.Client;
  const apps: CollectorApp[] = [];
  let now = T0;

  beforeAll(async () => {
    url = await postgres!.createDatabase('collector_handover');
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
  });
  afterAll(async () => {
    for (const a of apps) await a.app.close();
    await admin?.end();
  });

  const collector = async (name: string) => {
    const stateDir = await mkdtemp(join(tmpdir(), `sw-pg-${name}-`));
    dirs.push(stateDir);
    const users = [
      { name: 'tech', role: 'technician', passwordHash: await hashPassword('tech-password-0123') },
      { name: 'tech-b', role: 'technician', sites: ['branch-b'], passwordHash: await hashPassword('tech-b-password-0123') },
    ];
    const c = await buildCollector(resolveCollectorConfig({ name, stateDir, users }, { STATIONWATCH_STORE_URL: url }, 'test'), { log: silentLogger, nowMs: () => now });
    await c.app.ready();
    apps.push(c);
    return c;
  };
  const agent = { version: '0.1.0', platform: 'linux', startedAt: T0 - 60_000 };
  const report = (seq: number): Report => makeReport({ device: 'pc-30', seq, createdAt: now, sentAt: now, agent });
  const post = (c: CollectorApp, token: string, body: Report) => c.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, payload: JSON.stringify(body) });
  type Listed = { name: string; collector: string | null; reporting: boolean; badges: { indicator: string; state: string }[] };
  const listed = async (c: CollectorApp) => ((await c.app.inject({ url: '/api/v1/status' })).json() as { devices: Listed[] }).devices.find((d) => d.name === 'pc-30');

  it('B lists A\'s device as A stored it; taken over, B continues from A\'s seq and indicator states, and A lets it go', async () => {
    const north = await collector('north');
    // An alert time another collector keeps for a device of its own: south restores it with the rest at start, and must not end it.
    await admin.query(`INSERT INTO alert_active (alert, labels, active_at_ms) VALUES ('DiskAlmostFull', '{"device":"pc-elsewhere","mount":"C:"}', $1)`, [T0]);
    const south = await collector('south');
    // South's evaluation starts before the device exists: it knows nothing of it but what a take-over brings.
    await south.status.monitor.tick();
    const elsewhere = async () => (await admin.query("SELECT 1 FROM alert_active WHERE labels LIKE '%pc-elsewhere%'")).rowCount;
    expect(await elsewhere()).toBe(1);
    const enrolled = await north.ctx.enrolment.enrol('pc-30', { site: 'branch-a', via: 'test' }, now);
    const token = (enrolled as { token: string }).token;
    for (const seq of [0, 1, 2]) {
      now += 15_000;
      expect((await post(north, token, report(seq))).statusCode).toBe(202);
    }
    await north.status.monitor.tick();
    const { rows: stored } = await admin.query<{ indicator: string; state: string }>('SELECT indicator, state FROM indicator_state WHERE device = $1 ORDER BY indicator', ['pc-30']);
    expect(stored.length).toBeGreaterThan(0);
    // As if north had seen one indicator go abnormal: south must continue from that, not from nothing.
    const ind = stored.find((r) => r.state !== 'abnormal')!.indicator;
    await admin.query("UPDATE indicator_state SET state = 'abnormal', since_ms = $3 WHERE device = $1 AND indicator = $2", ['pc-30', ind, now]);

    await south.ctx.fleet!.refresh();
    const remote = await listed(south);
    expect(remote).toMatchObject({ collector: 'north', reporting: true });
    expect(remote!.badges.find((b) => b.indicator === ind)!.state).toBe('abnormal');
    const page = await south.app.inject({ url: '/devices/pc-30' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/id="held-by" data-collector="north"/);
    // Served from the stored report: the inventory is there.
    expect(page.body).toContain('0.1.0 (linux)');
    // A technician at south inspects north's device and puts it under maintenance: both in the shared store.
    const session = (await south.app.inject({ method: 'POST', url: '/api/v1/sessions', payload: { user: 'tech', password: 'tech-password-0123' } })).json() as { token: string };
    const auth = { authorization: `Bearer ${session.token}` };
    expect((await south.app.inject({ method: 'POST', url: '/api/v1/inspections', headers: auth, payload: { device: 'pc-30', result: 'ok', note: 'checked at south' } })).statusCode).toBe(201);
    expect((await south.app.inject({ method: 'POST', url: '/api/v1/maintenance', headers: auth, payload: { device: 'pc-30', hours: 1, reason: 'fan' } })).statusCode).toBe(201);
    expect((await north.status.maintenance.open(now)).map((m) => m.device)).toContain('pc-30');
    expect((await north.status.inspections.forDevice('pc-30')).map((i) => i.note)).toEqual(['checked at south']);
    // A technician limited to another site sees north's device nowhere at south, as if it did not exist.
    const limited = (await south.app.inject({ method: 'POST', url: '/api/v1/sessions', payload: { user: 'tech-b', password: 'tech-b-password-0123' } })).json() as { token: string };
    const limitedAuth = { authorization: `Bearer ${limited.token}` };
    expect(((await south.app.inject({ url: '/api/v1/status', headers: limitedAuth })).json() as { devices: Listed[] }).devices.map((d) => d.name)).not.toContain('pc-30');
    const hidden = await south.app.inject({ url: '/api/v1/devices/pc-30/inspections', headers: limitedAuth });
    const unknown = await south.app.inject({ url: '/api/v1/devices/pc-nowhere/inspections', headers: limitedAuth });
    expect([hidden.statusCode, unknown.statusCode]).toEqual([404, 404]);
    expect(hidden.json().error).toEqual(unknown.json().error);
    expect((await south.app.inject({ method: 'POST', url: '/api/v1/inspections', headers: limitedAuth, payload: { device: 'pc-30', result: 'ok', note: 'not mine' } })).statusCode).toBe(404);

    // The agent fails over: its last report again (no answer reached it), then the next one.
    now += 1000;
    expect((await post(south, token, { ...report(2), createdAt: now - 16_000, sentAt: now })).json().status).toBe('outdated');
    now += 14_000;
    expect((await post(south, token, report(3))).json().status).toBe('accepted');
    const { rows: [row] } = await admin.query<{ holder: string; reports_accepted: string }>('SELECT holder, reports_accepted FROM device_state WHERE device = $1', ['pc-30']);
    expect(row).toEqual({ holder: 'south', reports_accepted: '4' });
    await south.status.monitor.tick();
    const { rows: events } = await admin.query<{ indicator: string; from_state: string; to_state: string }>('SELECT indicator, from_state, to_state FROM events WHERE device = $1', ['pc-30']);
    // One transition, from the state north stored: no other state was recorded anew.
    expect(events).toEqual([{ indicator: ind, from_state: 'abnormal', to_state: stored.find((r) => r.indicator === ind)!.state }]);
    expect(await listed(south)).toMatchObject({ collector: 'south', reporting: true });

    await north.ctx.fleet!.refresh();
    expect(north.ctx.store.get('pc-30')).toBeUndefined();
    expect(await listed(north)).toMatchObject({ collector: 'south', reporting: true });
    await north.status.monitor.tick();
    expect((await admin.query('SELECT 1 FROM events WHERE device = $1', ['pc-30'])).rowCount).toBe(1);
    expect(await elsewhere()).toBe(1);
  });
});

/**
 * Signals the PostgreSQL server started in process group `group` and every process it started: each
 * backend is a process group of its own (setsid), so signalling the group reaches the postmaster only.
 */
function signalServerTree(group: number, signal: NodeJS.Signals): number {
  const procs = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => {
      try {
        // "pid (comm) state ppid pgrp ...": comm may hold spaces, so read after its closing parenthesis.
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        const [, ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return [{ pid: Number(d), ppid: Number(ppid), pgrp: Number(pgrp) }];
      } catch {
        return []; // gone meanwhile
      }
    });
  const tree = new Set(procs.filter((p) => p.pgrp === group).map((p) => p.pid));
  for (let grown = true; grown; ) {
    grown = false;
    for (const p of procs) if (!tree.has(p.pid) && tree.has(p.ppid)) grown = !!tree.add(p.pid);
  }
  for (const pid of tree) process.kill(pid, signal);
  return tree.size;
}

describe('a collector on PostgreSQL while the database is away', () => {
  const TOKEN = 'token-for-pc-09-postgres';
  let stateDir: string;
  let admin: pg.Client;
  let c: CollectorApp | undefined;

  afterAll(async () => {
    await c?.app.close();
    await admin?.end().catch(() => undefined);
  });

  const until = async (what: string, check: () => Promise<boolean> | boolean, ms = 15_000) => {
    const end = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  it('keeps taking reports, spools state and transitions in order, says so, and replays all of it when the database is back', async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'sw-pg-outage-'));
    dirs.push(stateDir);
    const url = await postgres!.createDatabase('collector_outage');
    let now = T0;
    const config = resolveCollectorConfig(
      {
        devices: [{ name: 'pc-09', token: TOKEN, site: 'branch-o' }],
        stateDir,
        statusPage: { evaluateEverySeconds: 0.2 },
        store: { postgres: { url, connectTimeoutSeconds: 1, queryTimeoutSeconds: 2, outageRetrySeconds: 0.2 } },
      },
      {},
      'test',
    );
    // Its warnings and errors, shown if a wait below times out (the evaluation's own failures are logged, not thrown).
    const logged: string[] = [];
    c = await buildCollector(config, { log: pino({ level: 'warn' }, { write: (line: string) => void logged.push(line.slice(0, 600)) }), nowMs: () => now });
    const agent = { version: '0.1.0', platform: 'linux', startedAt: T0 - 60_000 };
    const post = (seq: number) =>
      c!.app.inject({
        method: 'POST',
        url: '/api/v1/reports',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        payload: JSON.stringify(makeReport({ device: 'pc-09', site: 'branch-o', seq, createdAt: now, sentAt: now, agent })),
      });
    const status = async () => (await c!.app.inject({ url: '/api/v1/status' })).json() as { store: { reachable: boolean; spooledWrites: number } | null; devices: { name: string; reporting: boolean }[] };
    const reporting = async () => (await status()).devices.find((d) => d.name === 'pc-09')?.reporting;
    const metric = async (name: string) => {
      const text = (await c!.app.inject({ url: '/collector/metrics' })).body;
      return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    };

    expect((await post(1)).statusCode).toBe(202);
    await until('the first evaluation', async () => (await reporting()) === true);
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await until('the first states in the database', async () => (await admin.query('SELECT 1 FROM indicator_state WHERE device = $1', ['pc-09'])).rowCount! > 0);
    await admin.end();

    await postgres!.pause();
    // The fleet's periodic full read had just asked for the inspections to be read afresh (they are
    // cached): the evaluation must go on from what it last read, as it does for maintenance periods.
    c.ctx.fleet!.onFullRead!();
    // Reports keep being acknowledged: their state waits in the local spool.
    for (const seq of [2, 3]) {
      now += 15_000;
      expect((await post(seq)).statusCode).toBe(202);
    }
    expect((await status()).store).toMatchObject({ reachable: false });
    // The device falls silent, then reports again: both transitions are recorded while the database is away.
    now += 5 * 60_000;
    const explain = async (e: Error) => {
      const { devices: _devices, ...head } = (await c!.app.inject({ url: '/api/v1/status' })).json() as Record<string, unknown>;
      throw new Error(`${e.message} (the collector's clock at ${new Date(now).toISOString()})\nstatus: ${JSON.stringify(head)}\nlogged:\n${logged.slice(-15).join('')}`);
    };
    await until('not reporting', async () => (await reporting()) === false).catch(explain);
    now += 1000;
    expect((await post(4)).statusCode).toBe(202);
    await until('reporting again', async () => (await reporting()) === true).catch(explain);
    const during = (await status()).store!;
    expect(during.spooledWrites).toBeGreaterThanOrEqual(4);
    expect(await metric('stationwatch_collector_store_reachable')).toBe(0);
    const page = await c.app.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('id="store-away"');

    await postgres!.resume();
    await until('the spool replayed', async () => (await status()).store?.reachable === true, 30_000).catch((e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify((c!.ctx.db as SpooledStore).outage())}`);
    });
    expect((await status()).store).toMatchObject({ reachable: true, spooledWrites: 0 });
    expect(await metric('stationwatch_collector_store_replayed_writes_total')).toBeGreaterThanOrEqual(during.spooledWrites);
    expect(await metric('stationwatch_collector_store_refused_writes_total')).toBe(0);
    expect((await c.app.inject({ url: '/' })).body).not.toContain('id="store-away"');

    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    // The newest state won (replayed in order), and both transitions are there at their times.
    const state = await admin.query<{ report: string; reports_accepted: number }>('SELECT report, reports_accepted FROM device_state WHERE device = $1', ['pc-09']);
    expect((JSON.parse(state.rows[0]!.report) as Report).seq).toBe(4);
    expect(Number(state.rows[0]!.reports_accepted)).toBe(4);
    const events = await admin.query<{ to_state: string; at_ms: string }>("SELECT to_state, at_ms FROM events WHERE device = $1 AND indicator = 'availability' ORDER BY id", ['pc-09']);
    expect(events.rows.map((r) => r.to_state)).toEqual(['not_reporting', 'normal']);
    expect(Number(events.rows[0]!.at_ms)).toBeGreaterThan(T0 + 30_000);
  });
  it('while the database hangs (its processes stopped), reads fail at once after the first deadline and the evaluation keeps its schedule', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sw-pg-frozen-'));
    dirs.push(dir);
    const url = await postgres!.createDatabase('collector_frozen');
    let now = T0;
    const frozenToken = 'token-for-pc-10-postgres';
    const config = resolveCollectorConfig(
      { devices: [{ name: 'pc-10', token: frozenToken, site: 'branch-f' }], stateDir: dir, statusPage: { evaluateEverySeconds: 0.2 }, store: { postgres: { url, connectTimeoutSeconds: 2, queryTimeoutSeconds: 2, outageRetrySeconds: 0.2 } } },
      {},
      'test',
    );
    const frozen = await buildCollector(config, { log: silentLogger, nowMs: () => now });
    const group = postgres!.processGroup();
    expect(group).toBeDefined();
    try {
      const post = () => frozen.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { 'content-type': 'application/json', authorization: `Bearer ${frozenToken}` }, payload: JSON.stringify(makeReport({ device: 'pc-10', site: 'branch-f', seq: 1, createdAt: now, sentAt: now })) });
      const reporting = async () => ((await frozen.app.inject({ url: '/api/v1/status' })).json() as { devices: { name: string; reporting: boolean }[] }).devices.find((d) => d.name === 'pc-10')?.reporting;
      expect((await post()).statusCode).toBe(202);
      await until('the first evaluation', async () => (await reporting()) === true);
      // A hung server (a network partition looks the same): connections open, nothing answers.
      expect(signalServerTree(group!, 'SIGSTOP')).toBeGreaterThan(3); // runuser, the postmaster, its helpers and backends
      // The first read waits for its deadline (query 3 s, or connect 2 s) and finds the store away...
      await expect(frozen.ctx.db.maintenance.open(now)).rejects.toThrow(/cannot be reached/);
      expect((frozen.ctx.db as SpooledStore).outage().away).toBeDefined();
      // ...the next ones fail at once instead of each waiting for a deadline of its own.
      const t0 = performance.now();
      const refused = await frozen.ctx.db.events.forDevice('pc-10').then(() => undefined, (e: unknown) => e);
      expect(performance.now() - t0).toBeLessThan(1000);
      expect(String(refused)).toMatch(/cannot be reached/);
      // ...and are known for what they are: ingest then honours tokens the store vouched for before.
      expect(isStoreUnavailable(refused)).toBe(true);
      // The evaluation, which reads maintenance periods every pass, still sees the device fall silent.
      now += 5 * 60_000;
      await until('not reporting while the database hangs', async () => (await reporting()) === false);
    } finally {
      signalServerTree(group!, 'SIGCONT');
    }
    await until('the store back', async () => (frozen.ctx.db as SpooledStore).outage().away === undefined, 30_000);
    expect(await frozen.ctx.db.events.forDevice('pc-10')).toEqual(expect.any(Array));
    await frozen.app.close();
  });
});
