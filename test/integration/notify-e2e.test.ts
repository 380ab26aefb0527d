// Notifications end to end with real parts. All-in-one (mode collector): a real agent reports a
// private CUPS queue that a real `cupsdisable` stopped; the collector's own evaluation notifies a
// loopback DingTalk robot (signature checked as DingTalk does) once, repeats, stays silent during a
// maintenance period, and resolves; a WeCom robot that answers 500 and then never answers is retried
// and counted while DingTalk is unaffected, and what it was owed arrives after a collector restart on
// the same store. Mode alertmanager: the shared real Alertmanager, running the generated receiver
// configuration (amtool-checked), delivers through the collector's receiver to a loopback Feishu bot;
// a maintenance period (an Alertmanager silence) silences it; bad tokens and payloads are refused.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { alertmanagerConfig } from '../../alerts/alertmanager.js';
import { buildCollector, type CollectorApp } from '../../collector/app.js';
import { resolveCollectorConfig } from '../../collector/config.js';
import { checkAlertmanagerConfig, writeChecked } from '../../common/daemons/config-check.js';
import { silentLogger } from '../../common/logger.js';
import { createPrivateCups, type PrivateCups } from './fixtures/cups.js';
import { cliPath, freePort, startCli, waitFor, type Proc } from './fixtures/processes.js';
import { suiteTimer } from './fixtures/prometheus.js';
import { startDingTalkRobot, startFeishuBot, startWeComRobot, type RobotServer } from './fixtures/robot-servers.js';

const DEVICE = 'notify-pc-01';
const TOKEN = 'notify-token-0123456789abcdef';
const SITE = 'notify-site';
const hash = (password: string) => execFileSync(process.execPath, [cliPath, 'user', 'hash-password'], { input: `${password}\n`, encoding: 'utf8' }).trim();

/** A robot message's title (markdown title or text) and the whole body as text. */
const text = (m: Record<string, unknown>) => JSON.stringify(m);
const kind = (m: Record<string, unknown>) => {
  const t = text(m);
  return t.includes('STILL FIRING') ? 'repeat' : t.includes('RESOLVED') ? 'resolved' : t.includes('FIRING') ? 'firing' : 'other';
};
const aboutPrinter = (m: Record<string, unknown>) => text(m).includes('Printer counter on');

async function metric(base: string, series: string): Promise<number> {
  const body = await (await fetch(`${base}/collector/metrics`)).text();
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

describe('notifications in mode collector (all-in-one), with a real fault', () => {
  let dir: string;
  let collector: Proc | undefined;
  let agent: Proc | undefined;
  let cups: PrivateCups;
  let ding: RobotServer;
  let wecom: RobotServer;
  let base: string;
  let session: string;
  const done = suiteTimer('notify-e2e (collector)');
  const path = (...p: string[]) => join(dir, ...p);
  const printerMessages = () => ding.delivered().filter(aboutPrinter);
  const startCollector = async () => {
    // The same state directory every time: the queue and what was announced survive the restart.
    collector = startCli(['collector', '--config', path('collector.yaml')], { STATE_DIRECTORY: path('collector-state') });
    await waitFor('the collector', async () => ((await fetch(`${base}/healthz`).catch(() => undefined))?.ok ? true : undefined));
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stationwatch-notify-'));
    cups = await createPrivateCups(path('cups'));
    await cups.start();
    await cups.cups(cups.bins.lpadmin, '-p', 'counter', '-E', '-v', 'file:///dev/null');
    ding = await startDingTalkRobot({ secret: 'SEC0123456789abcdef0123456789abcdef' });
    wecom = await startWeComRobot();
    wecom.fault = 'error500';
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    await writeFile(path('site.yaml'), 'thresholds:\n  peripherals:\n    printerStoppedFor: 1s\n');
    await writeFile(
      path('collector.yaml'),
      JSON.stringify({
        listen: { host: '127.0.0.1', port },
        stateDir: path('collector-state'),
        overridesFile: 'site.yaml',
        devices: [{ name: DEVICE, token: TOKEN, site: SITE }],
        users: [{ name: 'admin', role: 'admin', passwordHash: hash('admin-password-1') }],
        statusPage: { evaluateEverySeconds: 0.2 },
        log: { level: 'warn' },
        notifications: {
          mode: 'collector',
          channels: [
            { name: 'ding', type: 'dingtalk', url: ding.webhookUrl, secret: ding.secret },
            { name: 'wecom', type: 'wecom', url: wecom.webhookUrl },
          ],
          defaultChannels: ['ding', 'wecom'],
          onCall: { [SITE]: { mobiles: ['13800000000'] } },
          groupWaitSeconds: 0.5,
          repeatIntervalMinutes: 0.05,
          sendTimeoutSeconds: 1,
          retryBaseSeconds: 0.2,
          retryMaxSeconds: 1,
          publicUrl: 'https://monitor.example.com',
        },
      }),
    );
    await writeFile(
      path('agent.yaml'),
      [
        `device: ${DEVICE}`,
        `site: ${SITE}`,
        `collector: { url: "${base}", token: ${TOKEN} }`,
        'intervals: { fastSeconds: 1, slowSeconds: 60 }',
        `stateDir: ${path('agent-state')}`,
        'log: { level: warn }',
        'probes:',
        `  printers: { intervalSeconds: 1, settings: { server: "${cups.socket}" } }`,
        // Only the printer is under test; on this VM others are abnormal (no firewall, pending updates).
        ...['resources', 'thermal', 'stability', 'displays', 'inventory', 'network', 'scanners', 'usb', 'backup', 'firewall', 'antivirus', 'logins', 'updates', 'storage', 'clock'].map((p) => `  ${p}: { enabled: false }`),
        '',
      ].join('\n'),
    );
    await startCollector();
    agent = startCli(['agent', '--config', path('agent.yaml')]);
    await waitFor('the agent to report', async () => ((await (await fetch(`${base}/api/devices/${DEVICE}`)).json()) as { reporting: boolean }).reporting || undefined);
    const login = await fetch(`${base}/api/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'admin', password: 'admin-password-1' }) });
    session = ((await login.json()) as { token: string }).token;
  }, 60_000);

  afterAll(async () => {
    await agent?.stop();
    await collector?.stop();
    await cups?.stop();
    await ding?.close();
    await wecom?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    done();
  });

  it('a stopped CUPS queue notifies DingTalk once (signed, with the on-call mention and links), while WeCom answering 500 is retried and counted', async () => {
    await cups.cups(cups.bins.cupsdisable, '-r', 'paper jam', 'counter');
    const [first] = await waitFor('the DingTalk message', async () => (printerMessages().length > 0 ? printerMessages() : undefined), 15_000);
    expect(kind(first!)).toBe('firing');
    expect(text(first!)).toContain(DEVICE);
    expect(text(first!)).toContain(`https://monitor.example.com/devices/${DEVICE}`);
    expect(text(first!)).toContain('打印机 counter 已停止');
    expect((first!.at as { atMobiles: string[] }).atMobiles).toEqual(['13800000000']);
    await waitFor('WeCom retries counted', async () => ((await metric(base, 'stationwatch_notifications_total{channel="wecom",result="retry"}')) >= 2 ? true : undefined), 10_000, 100);
    expect(wecom.requests.every((r) => r.status === 500)).toBe(true);
    expect(await metric(base, 'stationwatch_notifications_total{channel="ding",result="sent"}')).toBeGreaterThanOrEqual(1);
    expect(await metric(base, 'stationwatch_notification_queue_length{channel="wecom"}')).toBeGreaterThanOrEqual(1);
    // The fleet page says which channel fails, in its own words.
    const page = await (await fetch(`${base}/`)).text();
    expect(page).toMatch(/notify-failing[^>]*data-channel="wecom"[^]*HTTP 500/);
  });

  it('repeats while still firing; WeCom now hangs and is cut off at its deadline, DingTalk unaffected', async () => {
    wecom.fault = 'hang';
    const before = printerMessages().length;
    const repeat = await waitFor('a repeat', async () => printerMessages().slice(before).find((m) => kind(m) === 'repeat'), 10_000, 100);
    expect(text(repeat)).toContain(DEVICE);
    const retries = await metric(base, 'stationwatch_notifications_total{channel="wecom",result="retry"}');
    await waitFor('a timed-out WeCom attempt counted', async () => ((await metric(base, 'stationwatch_notifications_total{channel="wecom",result="retry"}')) > retries ? true : undefined), 10_000, 100);
    expect(printerMessages().filter((m) => kind(m) === 'firing').length).toBe(1);
  });

  it('a maintenance period silences the repeats; after it a repeat comes again', async () => {
    const auth = { authorization: `Bearer ${session}`, 'content-type': 'application/json' };
    const res = await fetch(`${base}/api/v1/maintenance`, { method: 'POST', headers: auth, body: JSON.stringify({ device: DEVICE, hours: 1, reason: 'clearing the jam' }) });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: number };
    await new Promise((r) => setTimeout(r, 500));
    const during = printerMessages().length;
    // Longer than the repeat interval (3 s): nothing.
    await new Promise((r) => setTimeout(r, 4000));
    expect(printerMessages().length).toBe(during);
    const end = await fetch(`${base}/devices/${DEVICE}/maintenance/${id}/end`, { method: 'POST', headers: { authorization: `Bearer ${session}` }, redirect: 'manual' });
    expect(end.status).toBe(303);
    await waitFor('a repeat after the maintenance', async () => printerMessages().slice(during).find((m) => kind(m) === 'repeat'), 8000, 100);
  });

  it('after a restart on the same store nothing is lost or sent twice: WeCom gets what it was owed, DingTalk no second first message; then both resolve', async () => {
    await collector!.stop();
    wecom.fault = 'none';
    await startCollector();
    const owed = await waitFor('WeCom to get the first notification', async () => wecom.delivered().find((m) => aboutPrinter(m) && kind(m) === 'firing'), 15_000, 100);
    expect(text(owed)).toContain(DEVICE);
    expect(printerMessages().filter((m) => kind(m) === 'firing').length).toBe(1);
    await cups.cups(cups.bins.cupsenable, 'counter');
    await waitFor('the resolved message on DingTalk', async () => printerMessages().find((m) => kind(m) === 'resolved'), 15_000, 100);
    await waitFor('the resolved message on WeCom', async () => wecom.delivered().find((m) => aboutPrinter(m) && kind(m) === 'resolved'), 15_000, 100);
    // The device page lists them; WeCom's first attempts were retries, its record says how many.
    const page = await (await fetch(`${base}/devices/${DEVICE}`)).text();
    expect(page).toContain('id="notifications"');
    expect(page).toMatch(/<tr data-result="sent"><td>[^]*?<\/td><td>ding<\/td>/);
    expect(page).toMatch(/<tr data-result="sent"><td>[^]*?<\/td><td>wecom<\/td><td>sent \(([2-9]|\d\d+) attempts\)/);
  });

  it('an administrator sends a test message through a channel', async () => {
    const n = ding.delivered().length;
    const res = await fetch(`${base}/notify/channels/ding/test`, { method: 'POST', headers: { authorization: `Bearer ${session}` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('id="test-result"');
    expect(text(ding.delivered()[n]!)).toContain('Test message from stationwatch');
    expect((await fetch(`${base}/notify/channels/nope/test`, { method: 'POST', headers: { authorization: `Bearer ${session}` } })).status).toBe(404);
    // The button is on the fleet page for administrators only; a form post without its CSRF token is refused.
    expect(await (await fetch(`${base}/`, { headers: { authorization: `Bearer ${session}` } })).text()).toContain('action="/notify/channels/ding/test"');
    expect(await (await fetch(`${base}/`)).text()).not.toContain('/notify/channels/ding/test');
    const forged = await fetch(`${base}/notify/channels/ding/test`, { method: 'POST', headers: { cookie: `sw_session=${session}`, 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(forged.status).toBe(403);
    expect(((await forged.json()) as { error: string }).error).toBe('csrf_failed');
    expect(ding.delivered().length).toBe(n + 1);
  });
});

describe('notifications in mode alertmanager, through the real Alertmanager and the generated receiver', () => {
  let dir: string;
  let built: CollectorApp;
  let base: string;
  let feishu: RobotServer;
  let session: string;
  const amUrl = () => inject('alertmanagerUrl');
  const amConfigFile = () => join(inject('prometheusDir'), 'alertmanager.yml');
  const receiverToken = 'receiver-token-0123456789abcdef';
  const done = suiteTimer('notify-e2e (alertmanager)');
  const reloadAlertmanager = async (config: Record<string, unknown>) => {
    await writeChecked(amConfigFile(), stringify(config), checkAlertmanagerConfig);
    const res = await fetch(`${amUrl()}/-/reload`, { method: 'POST' });
    if (!res.ok) throw new Error(`Alertmanager refused the configuration: ${res.status} ${await res.text()}`);
  };
  const sinkConfig = () => alertmanagerConfig({ webhookOnly: `${inject('webhookSinkUrl')}/alertmanager`, fast: true });
  const fire = (device: string, ends = false) =>
    fetch(`${amUrl()}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        {
          labels: { alertname: 'StationwatchDiskSpaceLow', device, site: 'am-site', severity: 'warning', indicator: 'storage', mount: 'C:' },
          annotations: { summary: `Disk C: on ${device} is almost full`, summary_zh: `${device} 的 C: 盘快满了`, runbook_url: '/docs/runbooks/storage.md#stationwatchdiskspacelow' },
          startsAt: new Date(Date.now() - 60_000).toISOString(),
          ...(ends ? { endsAt: new Date().toISOString() } : {}),
        },
      ]),
    }).then((r) => expect(r.status).toBe(200));
  const about = (device: string) => feishu.delivered().filter((m) => text(m).includes(`Disk C: on ${device}`));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stationwatch-notify-am-'));
    feishu = await startFeishuBot({ secret: 'feishu-secret-0123456789' });
    const config = resolveCollectorConfig(
      {
        listen: { host: '127.0.0.1', port: 0 },
        stateDir: join(dir, 'state'),
        alertmanagerUrl: amUrl(),
        devices: ['am-pc-1', 'am-pc-2', 'am-pc-3'].map((name, i) => ({ name, token: `am-token-${i}-0123456789abcdef`, site: 'am-site' })),
        users: [{ name: 'tech', role: 'technician', passwordHash: hash('tech-password-1') }],
        statusPage: { evaluateEverySeconds: 0.2 },
        notifications: { mode: 'alertmanager', sites: { 'quiet-site': { mode: 'off' } }, receiverToken, channels: [{ name: 'lark', type: 'feishu', url: feishu.webhookUrl, secret: feishu.secret }], defaultChannels: ['lark'] },
      },
      {},
      'test',
    );
    built = await buildCollector(config, { log: silentLogger, notify: { pollMs: 100 } });
    await built.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(built.app.server.address() as AddressInfo).port}`;
    await writeFile(join(dir, 'receiver-token'), receiverToken);
    await reloadAlertmanager(alertmanagerConfig({ webhookOnly: `${inject('webhookSinkUrl')}/alertmanager`, fast: true, collector: { url: `${base}/api/v1/notify/alertmanager`, credentialsFile: join(dir, 'receiver-token') } }));
    const login = await fetch(`${base}/api/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'tech', password: 'tech-password-1' }) });
    session = ((await login.json()) as { token: string }).token;
  }, 30_000);

  afterAll(async () => {
    for (const d of ['am-pc-1', 'am-pc-2', 'am-pc-3']) await fire(d, true).catch(() => undefined);
    await reloadAlertmanager(sinkConfig()).catch(() => undefined);
    await built?.app.close();
    await feishu?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    done();
  });

  it('the generated configuration carries the receiver with its bearer token file', async () => {
    const text = await readFile(amConfigFile(), 'utf8');
    expect(text).toContain(`${base}/api/v1/notify/alertmanager`);
    expect(text).toContain(`credentials_file: ${join(dir, 'receiver-token')}`);
  });

  it('Alertmanager delivers through the receiver to the Feishu bot, firing then resolved', async () => {
    await fire('am-pc-1');
    const [m] = await waitFor('the Feishu message', async () => (about('am-pc-1').length > 0 ? about('am-pc-1') : undefined), 15_000, 100);
    expect(kind(m!)).toBe('firing');
    expect(text(m!)).toContain('am-pc-1 的 C: 盘快满了');
    await fire('am-pc-1', true);
    await waitFor('the resolved message', async () => about('am-pc-1').find((x) => kind(x) === 'resolved'), 15_000, 100);
    const page = await (await fetch(`${base}/devices/am-pc-1`)).text();
    expect(page).toMatch(/<tr data-result="sent"><td>[^]*?<\/td><td>lark<\/td>/);
  });

  it('a maintenance period (an Alertmanager silence) silences the device; others still arrive', async () => {
    const res = await fetch(`${base}/api/v1/maintenance`, { method: 'POST', headers: { authorization: `Bearer ${session}`, 'content-type': 'application/json' }, body: JSON.stringify({ device: 'am-pc-2', hours: 1, reason: 'disk swap' }) });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { silenceId: string | null }).silenceId).toEqual(expect.any(String));
    await fire('am-pc-2');
    await fire('am-pc-3');
    await waitFor('the unsilenced device', async () => about('am-pc-3').at(0), 15_000, 100);
    await new Promise((r) => setTimeout(r, 2000));
    expect(about('am-pc-2')).toEqual([]);
  });

  it('refuses a wrong token or a payload that is not Alertmanager\'s, and queues nothing', async () => {
    const post = (headers: Record<string, string>, body: unknown) => fetch(`${base}/api/v1/notify/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const n = feishu.requests.length;
    expect((await post({}, {})).status).toBe(401);
    expect((await post({ authorization: 'Bearer wrong-token-0123456789' }, {})).status).toBe(401);
    const bad = await post({ authorization: `Bearer ${receiverToken}` }, { version: '4', alerts: [{ labels: {} }] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { problems: string[] }).problems.length).toBeGreaterThan(0);
    expect(Object.fromEntries(await built.ctx.db.notifications.queueLengths())).toEqual({});
    // A site whose mode is not alertmanager: answered, not forwarded, counted.
    const quiet = { version: '4', groupKey: '{}:{site="quiet-site"}', status: 'firing', receiver: 'it-team', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am', alerts: [{ status: 'firing', labels: { alertname: 'X', site: 'quiet-site', device: 'q' }, annotations: {}, startsAt: new Date().toISOString() }] };
    const ignored = await post({ authorization: `Bearer ${receiverToken}` }, quiet);
    expect(await ignored.json()).toEqual({ forwarded: [], ignored: ['quiet-site'], queued: 0 });
    expect(await metric(base, 'stationwatch_notifications_total{channel="alertmanager-receiver",result="ignored"}')).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(feishu.requests.length).toBe(n);
  });
});
