// Delivery over the durable queue with real parts: an SQLite store, the webhook channel
// (collector/notify/channels/webhook.ts) posting to loopback HTTP servers this test runs, which answer
// 200, 500, 400 or never. Plus the rules it relies on: routing, rate limits, backoff.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Registry } from 'prom-client';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { retryDelayMs } from '../../collector/notify/backoff.js';
import { createChannel, DINGTALK_LIMITS, FEISHU_LIMITS } from '../../collector/notify/channels/index.js';
import { ChannelLoop } from '../../collector/notify/delivery.js';
import { Limiter } from '../../collector/notify/limiter.js';
import { channelsFor } from '../../collector/notify/routing.js';
import type { Notification } from '../../collector/notify/types.js';
import { openSqliteStore } from '../../collector/store/sqlite/index.js';
import type { Store } from '../../collector/store/store.js';
import { silentLogger } from '../../common/logger.js';

type Answer = (req: IncomingMessage, res: ServerResponse, body: string) => void;
interface Sink {
  url: string;
  bodies: { notifications: Notification[] }[];
  answer: Answer;
  server: Server;
}
const sinks: Sink[] = [];
async function sink(answer: Answer): Promise<Sink> {
  const s: Sink = { url: '', bodies: [], answer, server: createServer() };
  s.server.on('request', (req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      s.bodies.push(JSON.parse(body) as { notifications: Notification[] });
      s.answer(req, res, body);
    });
  });
  await new Promise<void>((r) => s.server.listen(0, '127.0.0.1', r));
  s.url = `http://127.0.0.1:${(s.server.address() as AddressInfo).port}/hook`;
  sinks.push(s);
  return s;
}
const ok: Answer = (_q, res) => res.writeHead(200).end('{"ok":true}');

const stores: Store[] = [];
const loops: ChannelLoop[] = [];
afterEach(async () => {
  for (const l of loops.splice(0)) await l.stop();
});
afterAll(async () => {
  for (const s of sinks) s.server.closeAllConnections();
  for (const s of sinks) await new Promise((r) => s.server.close(r));
  for (const s of stores) await s.close();
});

let seq = 0;
const note = (device = 'pc-1'): Notification => ({
  id: `n${++seq}`,
  groupKey: `a/${device}`,
  site: 'a',
  device,
  status: 'firing',
  repeat: false,
  alerts: [{ alert: 'StationwatchDiskSpaceLow', status: 'firing', severity: 'warning', device, site: 'a', summary: { en: 'disk low', zh: '磁盘空间不足' }, description: { en: '', zh: '' }, startsAtMs: Date.now(), labels: {} }],
  mentions: { mobiles: [], userIds: [], all: false },
  source: 'collector',
  createdMs: Date.now(),
});

function setup(url: string, o: { perMinute?: number; sendTimeoutMs?: number; giveUpAfterMs?: number; name?: string; store?: Store; registry?: Registry } = {}) {
  const store = o.store ?? openSqliteStore(undefined);
  if (!o.store) stores.push(store);
  const registry = o.registry ?? new Registry();
  const counter = (registry.getSingleMetric('t_notifications_total') as Counter<'channel' | 'result'> | undefined) ?? new Counter({ name: 't_notifications_total', help: 'h', labelNames: ['channel', 'result'], registers: [registry] });
  const channel = createChannel({ name: o.name ?? 'hook', type: 'webhook', url, perMinute: o.perMinute ?? 60 }, { log: silentLogger, timeoutMs: 5000 });
  const loop = new ChannelLoop(channel, {
    store: store.notifications,
    log: silentLogger,
    nowMs: Date.now,
    sendTimeoutMs: o.sendTimeoutMs ?? 2000,
    pollMs: 20,
    backoff: { baseMs: 40, capMs: 200 },
    giveUpAfterMs: o.giveUpAfterMs ?? 60_000,
    logEveryMs: 60_000,
    counter,
  });
  loops.push(loop);
  const count = async (result: string) => (await counter.get()).values.find((v) => v.labels.channel === channel.name && v.labels.result === result)?.value ?? 0;
  return { store, loop, count, channel };
}

async function until<T>(what: () => Promise<T | undefined> | T | undefined, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 15));
  }
}

describe('delivery loops', () => {
  it('sends a queued notification and records it sent', async () => {
    const s = await sink(ok);
    const { store, loop, count } = setup(s.url);
    const n = note();
    await store.notifications.enqueue([{ notification: n, channel: 'hook' }], Date.now());
    loop.start();
    const [rec] = await until(async () => (await store.notifications.forDevice('pc-1')).filter((r) => r.notificationId === n.id).at(0) && store.notifications.forDevice('pc-1'));
    expect(rec).toMatchObject({ notificationId: n.id, channel: 'hook', result: 'sent', attempts: 1, alerts: ['StationwatchDiskSpaceLow'] });
    expect(s.bodies.map((b) => b.notifications.map((x) => x.id))).toEqual([[n.id]]);
    expect(await count('sent')).toBe(1);
    expect(Object.fromEntries(await store.notifications.queueLengths())).toEqual({});
  });

  it('a 500 is retried with backoff until it goes through; a 400 is recorded failed once and never retried', async () => {
    let calls = 0;
    const flaky = await sink((_q, res) => (++calls <= 2 ? res.writeHead(500).end('busy') : res.writeHead(200).end('ok')));
    const a = setup(flaky.url);
    const n = note('pc-2');
    await a.store.notifications.enqueue([{ notification: n, channel: 'hook' }], Date.now());
    a.loop.start();
    const rec = await until(async () => (await a.store.notifications.forDevice('pc-2'))[0]);
    expect(rec).toMatchObject({ result: 'sent', attempts: 3 });
    expect(await a.count('retry')).toBe(2);
    expect(a.loop.health).toMatchObject({ failing: false, lastFailure: { detail: 'HTTP 500: busy', retryable: true } });

    const wrong = await sink((_q, res) => res.writeHead(400).end('{"errcode":300001,"errmsg":"token is not exist"}'));
    const b = setup(wrong.url);
    await b.store.notifications.enqueue([{ notification: note('pc-3'), channel: 'hook' }], Date.now());
    b.loop.start();
    const failed = await until(async () => (await b.store.notifications.forDevice('pc-3'))[0]);
    expect(failed).toMatchObject({ result: 'failed', attempts: 1, detail: expect.stringContaining('token is not exist') });
    await new Promise((r) => setTimeout(r, 300));
    expect(wrong.bodies.length).toBe(1);
    expect(await b.count('failed')).toBe(1);
    expect(b.loop.health.failing).toBe(true);
  });

  it('a channel that never answers is cut off at its deadline and retried, while another channel on the same store delivers at once', async () => {
    const hanging = await sink(() => undefined);
    const fine = await sink(ok);
    const store = openSqliteStore(undefined);
    stores.push(store);
    const registry = new Registry();
    const dead = setup(hanging.url, { name: 'dead', sendTimeoutMs: 150, store, registry });
    const live = setup(fine.url, { name: 'live', store, registry });
    const n = note('pc-4');
    await store.notifications.enqueue([{ notification: n, channel: 'dead' }, { notification: n, channel: 'live' }], Date.now());
    const t0 = Date.now();
    dead.loop.start();
    live.loop.start();
    await until(async () => (await store.notifications.forDevice('pc-4')).find((r) => r.channel === 'live'));
    expect(Date.now() - t0).toBeLessThan(1000);
    await until(async () => ((await dead.count('retry')) >= 2 ? true : undefined));
    expect(hanging.bodies.length).toBeGreaterThanOrEqual(2);
    expect(dead.loop.health.lastFailure?.detail).toBe('no answer within 0.15 s');
    // Still queued, with its attempts counted: nothing lost.
    const [q] = await store.notifications.queuedForDevice('pc-4');
    expect(q).toMatchObject({ channel: 'dead', lastError: 'no answer within 0.15 s' });
    expect(q!.attempts).toBeGreaterThanOrEqual(2);
  });

  it('under rate-limit pressure merges what waits into one message, and records each notification', async () => {
    const s = await sink(ok);
    const { store, loop, count } = setup(s.url, { perMinute: 4 });
    const ns = Array.from({ length: 10 }, (_, i) => note(`pc-m${i}`));
    await store.notifications.enqueue(ns.map((notification) => ({ notification, channel: 'hook' })), Date.now());
    loop.start();
    await until(async () => ((await count('sent')) === 10 ? true : undefined));
    expect(s.bodies.length).toBe(1);
    expect(s.bodies[0]!.notifications.map((n) => n.id)).toEqual(ns.map((n) => n.id));
    expect((await store.notifications.forDevice('pc-m3'))[0]!.detail).toContain('one message of 10');
  });

  it('gives up after giveUpAfterMs and records the notification failed', async () => {
    const s = await sink((_q, res) => res.writeHead(503).end('down'));
    const { store, loop, count } = setup(s.url, { giveUpAfterMs: 150 });
    await store.notifications.enqueue([{ notification: note('pc-5'), channel: 'hook' }], Date.now());
    loop.start();
    const rec = await until(async () => (await store.notifications.forDevice('pc-5'))[0]);
    expect(rec.result).toBe('failed');
    expect(rec.detail).toMatch(/^gave up after \d+ attempts: HTTP 503: down$/);
    expect(await count('failed')).toBe(1);
  });
});

describe('the rules delivery relies on', () => {
  it('routes: first matching route per alert, default otherwise; a notification reaches every routed channel', () => {
    const r = { routes: [{ sites: ['a'], severities: ['critical'], channels: ['ding-a'] }, { severities: ['critical'], channels: ['oncall'] }, { sites: ['b'], channels: ['wecom-b'] }], defaultChannels: ['mail'] };
    const n = (site: string, ...severities: string[]) => ({ ...note(), site, alerts: severities.map((severity) => ({ ...note().alerts[0]!, site, severity })) });
    expect(channelsFor(r, n('a', 'critical'))).toEqual(['ding-a']);
    expect(channelsFor(r, n('c', 'critical'))).toEqual(['oncall']);
    expect(channelsFor(r, n('b', 'warning'))).toEqual(['wecom-b']);
    expect(channelsFor(r, n('c', 'warning'))).toEqual(['mail']);
    expect(channelsFor(r, n('a', 'critical', 'warning'))).toEqual(['ding-a', 'mail']);
  });

  it('DingTalk: at most 19 a minute (one under the platform, which blocks for 10 minutes), then wait for the window', () => {
    const l = new Limiter(DINGTALK_LIMITS);
    const t = 1_000_000;
    for (let i = 0; i < 19; i++) {
      expect(l.nextAllowedMs(t + i)).toBe(t + i);
      l.record(t + i);
    }
    expect(l.room(t + 19)).toBe(0);
    expect(l.nextAllowedMs(t + 19)).toBe(t + 60_000);
    expect(l.nextAllowedMs(t + 60_000)).toBe(t + 60_000);
    l.blocked(t + 60_000);
    expect(l.nextAllowedMs(t + 60_001)).toBe(t + 60_000 + 10 * 60_000);
  });

  it('Feishu/Lark: 5 a second as well as 100 a minute', () => {
    const l = new Limiter(FEISHU_LIMITS);
    const t = 5_000_000;
    for (let i = 0; i < 5; i++) l.record(t + i);
    expect(l.nextAllowedMs(t + 10)).toBe(t + 1000);
    expect(l.nextAllowedMs(t + 1000)).toBe(t + 1000);
  });

  it('backoff: doubles up to the cap, jittered within the upper half, never before the platform asks', () => {
    const p = { baseMs: 1000, capMs: 8000 };
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(n, p, undefined, () => 0))).toEqual([500, 1000, 2000, 4000, 4000]);
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(n, p, undefined, () => 0.999999))).toEqual([1000, 2000, 4000, 8000, 8000]);
    expect(retryDelayMs(1, p, 600_000, () => 0.5)).toBe(600_000);
  });
});
