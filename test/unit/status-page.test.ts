// The status page, logins, inspections, history and exports through inject(), with a real SQLite
// store in a temp dir and a fake clock: badges follow reports, roles and CSRF tokens are enforced,
// and history, inspections and sessions survive a restart of the collector.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildCollector, type CollectorApp } from '../../collector/app.js';
import { resolveCollectorConfig } from '../../collector/config.js';
import { hashPassword, verifyPassword } from '../../collector/store/users.js';
import { silentLogger } from '../../common/logger.js';
import { makeReport } from '../helpers/reports.js';

const TOKEN = 'status-page-token-0123';
const T0 = 1_800_000_000_000;
let hashes: { tech: string; viewer: string };
let dir: string;
let now = T0;
const apps: CollectorApp[] = [];

beforeAll(async () => {
  hashes = { tech: await hashPassword('tech-password'), viewer: await hashPassword('viewer-password') };
});

afterEach(async () => {
  for (const a of apps.splice(0)) await a.app.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function collector(extra: Record<string, unknown> = {}, keepDir = false): Promise<CollectorApp> {
  if (!keepDir) {
    dir = mkdtempSync(join(tmpdir(), 'sw-status-'));
    now = T0;
  }
  // Short `for` and a one-minute inspection period so the test need not wait for the defaults.
  writeFileSync(join(dir, 'site.yaml'), 'thresholds:\n  resources: { cpuHighFor: 0s }\n  inspection: { overdueAfter: 60s }\n');
  const config = resolveCollectorConfig(
    {
      devices: [{ name: 'pc-01', token: TOKEN, site: '深圳-01' }],
      stateDir: join(dir, 'state'),
      overridesFile: join(dir, 'site.yaml'),
      users: [
        { name: 'tech', role: 'technician', passwordHash: hashes.tech },
        { name: 'viewer', role: 'viewer', passwordHash: hashes.viewer },
      ],
      ...extra,
    },
    {},
    't',
  );
  const c = await buildCollector(config, { log: silentLogger, nowMs: () => now });
  await c.app.ready();
  apps.push(c);
  return c;
}

async function report(c: CollectorApp, cpu: number, seq: number) {
  const samples = [
    { metric: 'stationwatch_cpu_utilisation_ratio', value: cpu },
    { metric: 'stationwatch_memory_utilisation_ratio', value: 0.4 },
  ];
  const res = await c.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { authorization: `Bearer ${TOKEN}` }, payload: makeReport({ device: 'pc-01', seq, createdAt: now, sentAt: now, samples }) });
  expect(res.statusCode).toBe(202);
}

const badgeOf = async (c: CollectorApp, indicator: string) => {
  const body = (await c.app.inject('/api/v1/status')).json() as { devices: { badges: { indicator: string; state: string }[] }[] };
  return body.devices[0]!.badges.find((b) => b.indicator === indicator)!.state;
};

/** What a browser does: fetch the login form (CSRF secret cookie + token), then post it. */
async function postLogin(c: CollectorApp, fields: string, headers: Record<string, string> = {}) {
  const form = await c.app.inject({ url: '/login', headers });
  const csrfCookie = String(form.headers['set-cookie'] ?? '').split(';')[0]!;
  const token = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
  const res = await c.app.inject({ method: 'POST', url: '/login', payload: `${fields}&_csrf=${encodeURIComponent(token)}`, headers: { ...headers, cookie: csrfCookie, 'content-type': 'application/x-www-form-urlencoded' } });
  return { res, csrfCookie };
}

async function login(c: CollectorApp, user: string, password: string): Promise<{ cookie: string; csrf: string }> {
  const { res, csrfCookie } = await postLogin(c, `user=${user}&password=${password}&next=/devices/pc-01`);
  expect(res.statusCode).toBe(303);
  const setCookie = String(res.headers['set-cookie']);
  expect(setCookie).toMatch(/HttpOnly/);
  expect(setCookie).toMatch(/SameSite=Strict/);
  const cookie = `${setCookie.split(';')[0]!}; ${csrfCookie}`;
  const page = await c.app.inject({ url: '/devices/pc-01', headers: { cookie } });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
  return { cookie, csrf };
}

const form = (c: CollectorApp, url: string, cookie: string, body: string) => c.app.inject({ method: 'POST', url, payload: body, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' } });

describe('status page', () => {
  it('shows every device with a badge per indicator, driven by reports', async () => {
    const c = await collector();
    let page = await c.app.inject('/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'nonce-/);
    expect(page.body).toContain('data-device="pc-01"');
    expect(page.body).toMatch(/data-indicator="resources" data-state="not_reporting"/);

    await report(c, 0.3, 1);
    await c.status.monitor.tick();
    expect(await badgeOf(c, 'resources')).toBe('normal');
    // The report has no temperature and says so: unknown is not "normal".
    expect(await badgeOf(c, 'thermal')).toBe('unavailable');

    now += 15_000;
    await report(c, 0.99, 2);
    await c.status.monitor.tick();
    expect(await badgeOf(c, 'resources')).toBe('abnormal');
    page = await c.app.inject('/?state=abnormal');
    expect(page.body).toMatch(/data-indicator="resources" data-state="abnormal">[^<]+Abnormal \(critical\)|data-indicator="resources" data-state="abnormal">[^<]+Abnormal \(warning\)/);
    expect((await c.app.inject('/?site=elsewhere')).body).toContain('No device matches.');

    // The transition is in the device's history with the value that caused it.
    const history = await c.status.events.forDevice('pc-01');
    const change = history.find((e) => e.indicator === 'resources' && e.to === 'abnormal')!;
    expect(change.from).toBe('normal');
    expect(change.detail.alerts.map((a) => a.value)).toContain(0.99);
    const detail = await c.app.inject('/devices/pc-01');
    expect(detail.body).toMatch(/data-indicator="resources" data-to="abnormal"/);
    expect(detail.body).toContain('/docs/runbooks/resources.md#stationwatchcpuhigh');
  });

  it('speaks Chinese to a Chinese browser, and switches with ?lang=', async () => {
    const c = await collector();
    const zh = await c.app.inject({ url: '/', headers: { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' } });
    expect(zh.body).toContain('<html lang="zh-CN"');
    expect(zh.body).toContain('设备状态');
    expect(zh.body).toContain('CPU、内存与磁盘使用');
    const en = await c.app.inject({ url: '/?lang=en', headers: { 'accept-language': 'zh-CN' } });
    expect(en.body).toContain('Device status');
    expect(String(en.headers['set-cookie'])).toContain('sw_lang=en');
    expect((await c.app.inject({ url: '/', headers: { cookie: 'sw_lang=en', 'accept-language': 'zh-CN' } })).body).toContain('Device status');
  });

  it('escapes what devices and people type', async () => {
    const c = await collector();
    const { cookie, csrf } = await login(c, 'tech', 'tech-password');
    await form(c, '/devices/pc-01/inspections', cookie, `_csrf=${csrf}&result=ok&note=${encodeURIComponent('<script>alert(1)</script>')}`);
    const page = await c.app.inject('/devices/pc-01');
    expect(page.body).not.toContain('<script>alert(1)');
    expect(page.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});

describe('users, inspections and the overdue indicator', () => {
  it('hashes passwords with a salt and verifies them', async () => {
    const a = await hashPassword('correct horse');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await hashPassword('correct horse')).not.toBe(a);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct hors', a)).toBe(false);
    expect(await verifyPassword('correct horse', 'md5$abc')).toBe(false);
    await expect(hashPassword('short')).rejects.toThrow(/at least 8 characters/);
  });

  it('refuses a user entry without a proper hash or role in the configuration', () => {
    expect(() => resolveCollectorConfig({ users: [{ name: 'x', role: 'boss', passwordHash: 'plain' }] }, {}, 't')).toThrow(/\/users\/0\/(role|passwordHash)/);
  });

  it('a technician records an inspection through the form; it clears "inspection overdue"', async () => {
    const c = await collector();
    await report(c, 0.3, 1);
    now += 61_000; // the device has been known for longer than the inspection period
    await c.status.monitor.tick();
    expect(await badgeOf(c, 'inspection')).toBe('abnormal');

    const { cookie, csrf } = await login(c, 'tech', 'tech-password');
    expect(csrf).not.toBe('');
    // Without the session's CSRF token a cookie-authenticated post is refused and changes nothing.
    expect((await form(c, '/devices/pc-01/inspections', cookie, 'result=ok&note=x')).statusCode).toBe(403);
    expect((await form(c, '/devices/pc-01/inspections', cookie, `_csrf=${csrf}&result=maybe`)).statusCode).toBe(400);
    expect(await c.status.inspections.forDevice('pc-01')).toEqual([]);

    const res = await form(c, '/devices/pc-01/inspections', cookie, `_csrf=${csrf}&result=ok&note=${encodeURIComponent('风扇正常，线缆完好')}`);
    expect(res.statusCode).toBe(303);
    expect(await badgeOf(c, 'inspection')).toBe('normal');
    const [saved] = await c.status.inspections.forDevice('pc-01');
    expect(saved).toMatchObject({ user: 'tech', result: 'ok', note: '风扇正常，线缆完好', atMs: now });
    const page = await c.app.inject({ url: '/devices/pc-01', headers: { cookie } });
    expect(page.body).toContain('风扇正常，线缆完好');
    expect(page.body).toMatch(/data-indicator="inspection" data-to="normal"/);

    // A fault is its own alert until an ok inspection follows.
    await form(c, '/devices/pc-01/inspections', cookie, `_csrf=${csrf}&result=fault&note=cable`);
    expect(await badgeOf(c, 'inspection')).toBe('abnormal');
    const metrics = (await c.app.inject('/metrics')).body;
    expect(metrics).toMatch(/stationwatch_inspection_last_fault\{device="pc-01",site="深圳-01"\} 1/);
    expect(metrics).toMatch(/stationwatch_inspection_age_seconds\{device="pc-01",site="深圳-01"\} 0/);
  });

  it('a viewer sees no form and cannot record; nobody records without logging in', async () => {
    const c = await collector();
    const viewer = await login(c, 'viewer', 'viewer-password');
    const page = await c.app.inject({ url: '/devices/pc-01', headers: { cookie: viewer.cookie } });
    expect(page.body).not.toContain('action="/devices/pc-01/inspections"');
    expect(page.body).toContain('needs a technician account');
    expect((await form(c, '/devices/pc-01/inspections', viewer.cookie, `_csrf=${viewer.csrf}&result=ok`)).statusCode).toBe(403);
    const anonymous = await form(c, '/devices/pc-01/inspections', '', 'result=ok');
    expect(anonymous.statusCode).toBe(303);
    expect(anonymous.headers.location).toMatch(/^\/login\?next=/);
    expect(await c.status.inspections.forDevice('pc-01')).toEqual([]);
  });

  it('refuses a wrong password and expires sessions', async () => {
    const c = await collector({ statusPage: { sessionHours: 1 } });
    const { res: wrong } = await postLogin(c, 'user=tech&password=nope');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain('Wrong user name or password.');
    const api = await c.app.inject({ method: 'POST', url: '/api/v1/sessions', payload: { user: 'tech', password: 'tech-password' } });
    expect(api.statusCode).toBe(201);
    const token = api.json().token as string;
    const record = () => c.app.inject({ method: 'POST', url: '/api/v1/inspections', headers: { authorization: `Bearer ${token}` }, payload: { device: 'pc-01', result: 'ok', note: 'cli' } });
    expect((await record()).statusCode).toBe(201);
    now += 3_600_001;
    expect((await record()).statusCode).toBe(401);
    expect((await c.app.inject({ method: 'POST', url: '/api/v1/inspections', payload: { device: 'pc-01', result: 'ok' } })).statusCode).toBe(401);
  });

  it('requires login to look when configured so', async () => {
    const c = await collector({ statusPage: { requireLogin: true } });
    const page = await c.app.inject('/');
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe('/login?next=%2F');
    expect((await c.app.inject('/api/v1/status')).statusCode).toBe(401);
    expect((await c.app.inject('/export/events.csv')).statusCode).toBe(401);
    const { cookie } = await login(c, 'viewer', 'viewer-password');
    expect((await c.app.inject({ url: '/', headers: { cookie } })).statusCode).toBe(200);
    // The login page never sends anyone to another site afterwards.
    const { res } = await postLogin(c, 'user=viewer&password=viewer-password&next=//evil.example/');
    expect(res.headers.location).toBe('/');
  });
});

describe('persistence', () => {
  it('history, inspections and sessions survive a restart; pending `for` times too', async () => {
    let c = await collector();
    await report(c, 0.99, 1);
    await c.status.monitor.tick();
    const { cookie } = await login(c, 'tech', 'tech-password');
    const api = (await c.app.inject({ method: 'POST', url: '/api/v1/sessions', payload: { user: 'tech', password: 'tech-password' } })).json().token as string;
    await c.app.inject({ method: 'POST', url: '/api/v1/inspections', headers: { authorization: `Bearer ${api}` }, payload: { device: 'pc-01', result: 'fault', note: '噪音' } });
    const events = (await c.status.events.forDevice('pc-01')).length;
    expect(events).toBeGreaterThan(0);
    await c.app.close();
    apps.splice(0);

    c = await collector({}, true);
    expect(await c.status.events.forDevice('pc-01')).toHaveLength(events);
    // Beyond the retention (400 days by default) history is deleted, at start and hourly after.
    await c.status.events.record([{ device: 'pc-01', site: 's', indicator: 'retired-indicator', from: 'normal', to: 'abnormal', atMs: now - 401 * 86_400_000, detail: { alerts: [], readings: [] } }]);
    await c.app.close();
    apps.splice(0);
    c = await collector({}, true);
    expect((await c.status.inspections.forDevice('pc-01'))[0]).toMatchObject({ result: 'fault', note: '噪音', user: 'tech' });
    const page = await c.app.inject({ url: '/devices/pc-01', headers: { cookie } });
    expect(page.body).toContain('Logged in as <strong>tech</strong>');
    // The restarted collector compares with the recorded states: no invented transitions.
    await report(c, 0.99, 2);
    await c.status.monitor.tick();
    expect(await c.status.events.forDevice('pc-01')).toHaveLength(events);
  });
});

describe('export', () => {
  it('writes UTF-8 CSV with a byte order mark, for the period asked', async () => {
    const c = await collector();
    const { cookie, csrf } = await login(c, 'tech', 'tech-password');
    await form(c, '/devices/pc-01/inspections', cookie, `_csrf=${csrf}&result=fault&note=${encodeURIComponent('=HYPERLINK("x") 打印头脏, "引号"')}`);
    const day = new Date(now);
    const ymd = `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, '0')}-${String(day.getDate()).padStart(2, '0')}`;
    const res = await c.app.inject(`/export/inspections.csv?from=${ymd}&to=${ymd}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const lines = res.body.replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]).toBe('time,device,site,user,result,note');
    // A note never becomes a spreadsheet formula; quotes are doubled.
    expect(lines[1]).toBe(`${new Date(now).toISOString()},pc-01,深圳-01,tech,fault,"'=HYPERLINK(""x"") 打印头脏, ""引号"""`);
    const devices = await c.app.inject('/export/devices.csv');
    expect(devices.body.split('\r\n')[0]).toMatch(/^\uFEFFdevice,site,kind,reporting,last_report,manufacturer,.*state_resources.*state_inspection/);
    expect(devices.body).not.toContain('failure_ratio');
    expect((await c.app.inject('/export/inspections.csv?from=2026-02-30')).json().problems).toEqual(['/from: "2026-02-30" is not a date written YYYY-MM-DD']);
    expect((await c.app.inject('/export/nope.csv')).statusCode).toBe(404);
  });
});
