// The notifier (mode collector) on a real SQLite store and the real webhook channel to a loopback
// server, fed hand-made evaluation snapshots: a store that refuses writes loses nothing (what was due
// is stored and sent once writes work again), business hours hold back the alert gated on them, a
// site in another mode is left alone, and the start-up log names the PromQL-only rules.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannel } from '../../collector/notify/channels/index.js';
import { resolveCollectorConfig } from '../../collector/config.js';
import { mergeDue, Notifier, promqlOnlyAlerts } from '../../collector/notify/service.js';
import type { Notification } from '../../collector/notify/types.js';
import type { StatusSnapshot } from '../../collector/status/monitor.js';
import { openSqliteStore, sqliteConnection } from '../../collector/store/sqlite/index.js';
import type { Store } from '../../collector/store/store.js';
import { silentLogger } from '../../common/logger.js';
import type { AlertInstance } from '../../alerts/evaluate.js';
import { resolveThresholds } from '../../alerts/thresholds.js';

let server: Server;
let url: string;
const received: Notification[][] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push((JSON.parse(body) as { notifications: Notification[] }).notifications);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

const instance = (alert: string, indicator: string, device: string, site: string): AlertInstance => ({
  alert,
  indicator,
  severity: 'critical',
  labels: { device, site },
  value: 0,
  state: 'firing',
  activeAtMs: Date.now() - 60_000,
  key: `${alert}{device="${device}",site="${site}"}`,
});
/** A snapshot as the monitor hands it over: devices with their badges' firing alerts. */
const snapshot = (firing: AlertInstance[]): StatusSnapshot =>
  ({
    atMs: Date.now(),
    notEvaluated: [],
    devices: firing.map((a) => ({ device: { name: a.labels.device, site: a.labels.site }, reporting: true, since: {}, series: [], badges: [{ indicator: a.indicator, state: 'abnormal', severity: 'critical', firing: [a], pending: [] }] })),
  }) as unknown as StatusSnapshot;

async function until(what: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the notifier in mode collector', () => {
  let store: Store;
  let notifier: Notifier;
  let open = true;
  const logged: string[] = [];
  beforeAll(async () => {
    store = openSqliteStore(undefined);
    const config = resolveCollectorConfig(
      { notifications: { mode: 'collector', sites: { elsewhere: { mode: 'off' } }, channels: [{ name: 'hook', type: 'webhook', url }], defaultChannels: ['hook'], groupWaitSeconds: 0.1 } },
      {},
      't',
    ).notifications;
    const log = pino({ level: 'warn' }, { write: (line: string) => void logged.push(line) });
    notifier = new Notifier({
      config,
      store,
      maintenance: store.maintenance,
      thresholds: resolveThresholds(),
      siteOpen: () => open,
      registry: new Registry(),
      log,
      nowMs: Date.now,
      channels: [createChannel({ name: 'hook', type: 'webhook', url, perMinute: 60 }, { log: silentLogger })],
      pollMs: 20,
    });
    await notifier.start();
  });
  afterAll(async () => {
    await notifier.stop();
    await store.close();
  });

  it('says at start which rules it cannot notify', () => {
    expect(promqlOnlyAlerts).toHaveLength(8);
    expect(logged.join('')).toContain('8 alert rules exist only as PromQL');
  });

  it('loses nothing while the store refuses writes: what was due is stored and sent once it accepts them', async () => {
    const a = instance('StationwatchDiskFailing', 'storage', 'pc-1', 'a');
    sqliteConnection(store).pragma('query_only = ON');
    await notifier.observe(snapshot([a]));
    await new Promise((r) => setTimeout(r, 400));
    expect(received.flat().filter((n) => n.device === 'pc-1')).toEqual([]);
    sqliteConnection(store).pragma('query_only = OFF');
    await until(() => received.flat().some((n) => n.device === 'pc-1'));
    await new Promise((r) => setTimeout(r, 300));
    expect(received.flat().filter((n) => n.device === 'pc-1').map((n) => [n.status, n.alerts.map((x) => x.alert)])).toEqual([['firing', ['StationwatchDiskFailing']]]);
    expect((await store.notifications.announced()).map((x) => x.key)).toEqual([a.key]);
  });

  it('holds back an alert gated on business hours while its site is closed; another site mode is left alone', async () => {
    open = false;
    const silent = instance('StationwatchDeviceNotReporting', 'availability', 'pc-2', 'a');
    const other = instance('StationwatchDiskFailing', 'storage', 'pc-3', 'elsewhere');
    const keep = instance('StationwatchDiskFailing', 'storage', 'pc-1', 'a');
    await notifier.observe(snapshot([keep, silent, other]));
    await new Promise((r) => setTimeout(r, 400));
    expect(received.flat().filter((n) => n.device === 'pc-2' || n.device === 'pc-3')).toEqual([]);
    open = true;
    await notifier.observe(snapshot([keep, silent, other]));
    await until(() => received.flat().some((n) => n.device === 'pc-2'));
    expect(received.flat().filter((n) => n.device === 'pc-3')).toEqual([]);
  });

  it('merges rounds of announcements in order', () => {
    const a = (key: string) => ({ key, groupKey: 'g', alert: {} as never, lastSentMs: 1 });
    expect(mergeDue({ notifications: [], set: [a('x'), a('y')], resolved: [] }, { notifications: [], set: [], resolved: ['x'] })).toMatchObject({ set: [{ key: 'y' }], resolved: ['x'] });
    expect(mergeDue({ notifications: [], set: [], resolved: ['x'] }, { notifications: [], set: [a('x')], resolved: [] })).toMatchObject({ set: [{ key: 'x' }], resolved: [] });
  });
});
