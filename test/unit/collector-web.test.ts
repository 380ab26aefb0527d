// The collector's web plumbing through inject() on the real app (real SQLite store in a temp dir):
// login lockout per user and per address with Retry-After, the post-login redirect check, malformed
// cookies, CSRF tokens on forms, secure cookies under TLS, who may look by default, and forgetting
// a device (API, page form and the CLI against a listening collector).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildCollector, type CollectorApp } from '../../collector/app.js';
import { resolveCollectorConfig } from '../../collector/config.js';
import { safeNext } from '../../collector/status/request-auth.js';
import { hashPassword } from '../../collector/store/users.js';
import { silentLogger, type Logger } from '../../common/logger.js';
import { runCollectorAdmin } from '../../cli/enrolment.js';
import { makeReport } from '../helpers/reports.js';

const TOKEN = 'web-test-token-pc-01-0123';
let hashes: Record<'admin' | 'tech' | 'viewer', string>;
let dir: string;
const apps: CollectorApp[] = [];

beforeAll(async () => {
  hashes = { admin: await hashPassword('admin-password'), tech: await hashPassword('tech-password'), viewer: await hashPassword('viewer-password') };
});

afterEach(async () => {
  for (const a of apps.splice(0)) await a.app.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function collector(extra: Record<string, unknown> = {}, log: Logger = silentLogger): Promise<CollectorApp> {
  dir = mkdtempSync(join(tmpdir(), 'sw-web-'));
  const config = resolveCollectorConfig(
    {
      devices: [{ name: 'pc-01', token: TOKEN, site: 'hall' }],
      stateDir: join(dir, 'state'),
      users: [
        { name: 'admin', role: 'admin', passwordHash: hashes.admin },
        { name: 'tech', role: 'technician', passwordHash: hashes.tech },
        { name: 'viewer', role: 'viewer', passwordHash: hashes.viewer },
      ],
      ...extra,
    },
    {},
    'test',
  );
  const c = await buildCollector(config, { log });
  await c.app.ready();
  apps.push(c);
  return c;
}

const apiLogin = (c: CollectorApp, user: string, password: string, ip = '10.0.0.1') =>
  c.app.inject({ method: 'POST', url: '/api/v1/sessions', payload: { user, password }, remoteAddress: ip });

/** What a browser does: fetch the login form (CSRF cookie + token), then post it. */
async function formLogin(c: CollectorApp, fields: Record<string, string>, ip = '10.0.0.1') {
  const form = await c.app.inject({ url: '/login', remoteAddress: ip });
  const csrfCookie = String(form.headers['set-cookie'] ?? '').split(';')[0]!;
  const token = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
  const res = await c.app.inject({ method: 'POST', url: '/login', remoteAddress: ip, payload: new URLSearchParams({ ...fields, _csrf: token }).toString(), headers: { cookie: csrfCookie, 'content-type': 'application/x-www-form-urlencoded' } });
  const session = String(res.headers['set-cookie'] ?? '').split(';')[0]!;
  return { res, cookie: `${session}; ${csrfCookie}` };
}

async function report(c: CollectorApp, device: string, token: string, seq = 1) {
  const now = Date.now();
  return c.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { authorization: `Bearer ${token}` }, payload: makeReport({ device, seq, createdAt: now, sentAt: now, samples: [{ metric: 'stationwatch_cpu_utilisation_ratio', value: 0.25 }] }) });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('login rate limits', () => {
  // The window must outlast the failed attempts before the check (each a 32 MiB scrypt, slow on a
  // loaded machine), yet be short enough to wait out once.
  const limits = { maxFailuresPerUser: 3, maxFailuresPerAddress: 6, lockoutSeconds: 5, maxAttemptsPerAddressPerMinute: 100 };

  it('locks a user out after repeated failures, from any address, with Retry-After; it works again once the window has passed', async () => {
    const c = await collector({ statusPage: { login: limits } });
    for (let i = 0; i < 3; i++) expect((await apiLogin(c, 'tech', `wrong-${i}`, '10.0.0.1')).statusCode).toBe(401);
    const locked = await apiLogin(c, 'tech', 'tech-password', '10.0.0.1');
    expect(locked.statusCode).toBe(429);
    expect(locked.json().error).toBe('login_locked');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Another address does not get a fresh budget for the same name…
    const elsewhere = await apiLogin(c, 'tech', 'tech-password', '10.0.0.99');
    expect(elsewhere.statusCode).toBe(429);
    expect(elsewhere.headers['retry-after']).toBeDefined();
    // …the browser form is locked too and says so…
    const { res: page } = await formLogin(c, { user: 'tech', password: 'tech-password' }, '10.0.0.98');
    expect(page.statusCode).toBe(429);
    expect(page.headers['retry-after']).toBeDefined();
    expect(page.body).toContain('Too many login attempts');
    // …while another user is not locked out.
    expect((await apiLogin(c, 'viewer', 'viewer-password', '10.0.0.1')).statusCode).toBe(201);
    await sleep(5100);
    expect((await apiLogin(c, 'tech', 'tech-password', '10.0.0.1')).statusCode).toBe(201);
  }, 30_000);

  it('locks an address out that tries many names, and limits attempts per address per minute', async () => {
    const c = await collector({ statusPage: { login: { ...limits, maxFailuresPerUser: 100, lockoutSeconds: 60 } } });
    for (let i = 0; i < 6; i++) expect((await apiLogin(c, `guess-${i}`, 'password', '10.0.0.2')).statusCode).toBe(401);
    const locked = await apiLogin(c, 'admin', 'admin-password', '10.0.0.2');
    expect(locked.statusCode).toBe(429);
    expect(locked.headers['retry-after']).toBeDefined();
    expect((await apiLogin(c, 'admin', 'admin-password', '10.0.0.3')).statusCode).toBe(201);

    const d = await collector({ statusPage: { login: { ...limits, maxAttemptsPerAddressPerMinute: 3 } } });
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await apiLogin(d, 'viewer', 'viewer-password', '10.0.0.4')).statusCode);
    expect(codes).toEqual([201, 201, 201, 429]);
    // Twelve scrypt hashes (32 MiB each): seconds on a loaded 2-core machine, past vitest's default 5 s.
  }, 30_000);
});

describe('post-login redirect', () => {
  it('refuses anything that leaves this collector', () => {
    for (const bad of ['/\t/evil.example', '/%09/evil.example', '//evil.example', 'https://evil.example', '/\\evil.example', '/\\\\evil.example', '\\/evil.example', 'evil.example', ' /x', '/\n/evil.example', '/%5C/evil.example']) expect(safeNext(bad), JSON.stringify(bad)).toBe('/');
    expect(safeNext('/devices/pc-01?state=abnormal#h-insp')).toBe('/devices/pc-01?state=abnormal#h-insp');
    expect(safeNext('/export')).toBe('/export');
  });

  it('sends the browser to / for each of them after a real login', async () => {
    const c = await collector({ statusPage: { login: { maxAttemptsPerAddressPerMinute: 1000 } } });
    // As a query string: `%09` is a tab once decoded, which browsers strip (→ //evil.example).
    const form = await c.app.inject('/login?next=/%09/evil.example');
    expect(form.body).toContain('name="next" value="/"');
    for (const next of ['/\t/evil.example', '//evil.example', 'https://evil.example', '/\\evil.example']) {
      const { res } = await formLogin(c, { user: 'viewer', password: 'viewer-password', next });
      expect(res.statusCode, next).toBe(303);
      expect(res.headers.location, next).toBe('/');
    }
    const { res } = await formLogin(c, { user: 'viewer', password: 'viewer-password', next: '/devices/pc-01' });
    expect(res.headers.location).toBe('/devices/pc-01');
  });
});

describe('cookies and CSRF', () => {
  it('a malformed cookie is ignored, never a 500', async () => {
    const c = await collector();
    for (const cookie of ['x=%E0%A4%A', 'sw_session=%E0%A4%A', 'sw_lang=%ZZ; sw_csrf=%E0%A4%A', '=; ;;=x']) {
      for (const url of ['/', '/api/v1/status', '/devices/pc-01', '/login']) {
        const res = await c.app.inject({ url, headers: { cookie } });
        expect(res.statusCode, `${url} ${cookie}`).toBe(200);
      }
      const post = await c.app.inject({ method: 'POST', url: '/login', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'user=tech&password=x' });
      expect(post.statusCode, cookie).toBe(403);
    }
  });

  it('refuses form posts without the session\'s token; bearer API calls need none', async () => {
    const c = await collector();
    const tech = await formLogin(c, { user: 'tech', password: 'tech-password' });
    expect(tech.res.statusCode).toBe(303);
    const post = (cookie: string, body: string) => c.app.inject({ method: 'POST', url: '/devices/pc-01/inspections', payload: body, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' } });
    const missing = await post(tech.cookie, 'result=ok&note=no-token');
    expect(missing.statusCode).toBe(403);
    expect(missing.json().error).toBe('csrf_failed');
    expect((await post(tech.cookie, 'result=ok&_csrf=made-up-token')).statusCode).toBe(403);
    // A token from another session (the viewer's page) is worthless in the technician's.
    const viewer = await formLogin(c, { user: 'viewer', password: 'viewer-password' }, '10.0.0.5');
    const viewerToken = /name="_csrf" value="([^"]+)"/.exec((await c.app.inject({ url: '/', headers: { cookie: viewer.cookie } })).body)![1]!;
    expect((await post(tech.cookie, `result=ok&_csrf=${encodeURIComponent(viewerToken)}`)).statusCode).toBe(403);
    // The login form itself needs its token (no login CSRF).
    expect((await c.app.inject({ method: 'POST', url: '/login', payload: 'user=tech&password=tech-password', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).statusCode).toBe(403);
    expect(await c.status.inspections.forDevice('pc-01')).toEqual([]);
    // With its own token the same form works.
    const token = /name="_csrf" value="([^"]+)"/.exec((await c.app.inject({ url: '/devices/pc-01', headers: { cookie: tech.cookie } })).body)![1]!;
    expect((await post(tech.cookie, `result=ok&note=fine&_csrf=${encodeURIComponent(token)}`)).statusCode).toBe(303);
    const bearer = (await apiLogin(c, 'tech', 'tech-password')).json().token as string;
    expect((await c.app.inject({ method: 'POST', url: '/api/v1/inspections', headers: { authorization: `Bearer ${bearer}` }, payload: { device: 'pc-01', result: 'ok' } })).statusCode).toBe(201);
    expect(await c.status.inspections.forDevice('pc-01')).toHaveLength(2);
  });

  it('marks every cookie Secure when TLS is on', async () => {
    const tlsDir = mkdtempSync(join(tmpdir(), 'sw-web-tls-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(tlsDir, 'key.pem'), '-out', join(tlsDir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'], { timeout: 30_000, stdio: 'ignore' });
      const c = await collector({ listen: { host: '127.0.0.1', port: 0, tls: { cert: join(tlsDir, 'cert.pem'), key: join(tlsDir, 'key.pem') } } });
      const { res } = await formLogin(c, { user: 'viewer', password: 'viewer-password' });
      expect(res.statusCode).toBe(303);
      const set = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
      expect(set.find((s) => s.startsWith('sw_session='))).toMatch(/; Secure/);
      expect(String((await c.app.inject('/login')).headers['set-cookie'])).toMatch(/^sw_csrf=.*; Secure/);
      const plain = await collector();
      expect(String((await plain.app.inject('/login')).headers['set-cookie'])).not.toMatch(/Secure/);
    } finally {
      rmSync(tlsDir, { recursive: true, force: true });
    }
  });
});

describe('who may look by default', () => {
  it('loopback: open; beyond loopback: login required unless public: true, which is logged', async () => {
    const local = await collector();
    expect((await local.app.inject('/')).statusCode).toBe(200);
    expect((await local.app.inject('/api/devices')).statusCode).toBe(200);

    const lan = await collector({ listen: { host: '0.0.0.0', port: 0 } });
    expect(lan.ctx.config.statusPage.requireLogin).toBe(true);
    expect((await lan.app.inject('/')).headers.location).toBe('/login?next=%2F');
    for (const url of ['/api/devices', '/api/devices/pc-01', '/api/v1/status', '/export/devices.csv']) expect((await lan.app.inject(url)).statusCode, url).toBe(401);
    const token = (await apiLogin(lan, 'viewer', 'viewer-password')).json().token as string;
    expect((await lan.app.inject({ url: '/api/devices', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
    expect((await lan.app.inject('/healthz')).statusCode).toBe(200);

    const lines: string[] = [];
    const log = pino({ level: 'warn' }, new Writable({ write: (chunk, _e, cb) => (lines.push(String(chunk)), cb()) }));
    const open = await collector({ listen: { host: '0.0.0.0', port: 0 }, statusPage: { public: true } }, log);
    expect((await open.app.inject('/export/devices.csv')).statusCode).toBe(200);
    expect(lines.join('')).toContain('statusPage.public is true');

    expect(() => resolveCollectorConfig({ listen: { host: '0.0.0.0' }, statusPage: { requireLogin: false } }, {}, 'x')).toThrow(/public: true/);
    expect(() => resolveCollectorConfig({ listen: { host: '::1' }, statusPage: { requireLogin: false } }, {}, 'x')).not.toThrow();
    expect(resolveCollectorConfig({ listen: { host: '192.168.1.5' } }, {}, 'x').statusPage.requireLogin).toBe(true);
    expect(resolveCollectorConfig({ listen: { host: 'localhost' } }, {}, 'x').statusPage.requireLogin).toBe(false);

    lines.length = 0;
    await collector({ listen: { host: '0.0.0.0', port: 0 }, users: [] }, log);
    expect(lines.join('')).toContain('the configuration file has no users');
  });
});

describe('forgetting a device', () => {
  async function enrolled(c: CollectorApp, device: string): Promise<string> {
    const { code } = await c.ctx.enrolment.issueCode('hall', Date.now(), 60_000);
    const res = await c.app.inject({ method: 'POST', url: '/api/v1/enrol', payload: { device, code } });
    expect(res.statusCode).toBe(201);
    const token = res.json().token as string;
    expect((await report(c, device, token)).statusCode).toBe(202);
    await c.status.monitor.tick();
    return token;
  }
  const present = async (c: CollectorApp, device: string) => ({
    metrics: (await c.app.inject('/metrics')).body.includes(`device="${device}"`),
    sd: JSON.stringify((await c.app.inject('/sd')).json()).includes(`"device":"${device}"`),
    api: ((await c.app.inject('/api/devices')).json() as { devices: { name: string }[] }).devices.some((d) => d.name === device),
    status: ((await c.app.inject('/api/v1/status')).json() as { devices: { name: string }[] }).devices.some((d) => d.name === device),
  });

  it('through the API: gone from /metrics, /sd, /api/devices and the store; its token refused', async () => {
    const c = await collector();
    const token = await enrolled(c, 'old-pc');
    expect(await present(c, 'old-pc')).toEqual({ metrics: true, sd: true, api: true, status: true });
    const del = (bearer?: string) => c.app.inject({ method: 'DELETE', url: '/api/v1/devices/old-pc', headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
    expect((await del()).statusCode).toBe(401);
    expect((await del((await apiLogin(c, 'tech', 'tech-password')).json().token)).statusCode).toBe(403);
    const admin = (await apiLogin(c, 'admin', 'admin-password')).json().token as string;
    const res = await del(admin);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ forgotten: 'old-pc' });
    expect(await present(c, 'old-pc')).toEqual({ metrics: false, sd: false, api: false, status: false });
    expect((await report(c, 'old-pc', token, 2)).statusCode).toBe(401);
    expect((await del(admin)).statusCode).toBe(404);
    // A device configured in the file is removed there, not here.
    const configured = await c.app.inject({ method: 'DELETE', url: '/api/v1/devices/pc-01', headers: { authorization: `Bearer ${admin}` } });
    expect(configured.statusCode).toBe(400);
    expect(configured.json().problems[0]).toContain('configuration file');
    await c.app.close();
    apps.splice(0);
    // Nothing of it is left in the store to come back after a restart.
    const db = new Database(join(dir, 'state', 'collector.sqlite'), { readonly: true });
    try {
      for (const table of ['device_state', 'device_tokens', 'indicator_state', 'device_first_seen']) expect((db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE device = ?`).get('old-pc') as { n: number }).n, table).toBe(0);
    } finally {
      db.close();
    }
  });

  it('from the device page, for administrators only, with the name typed again', async () => {
    const c = await collector();
    await enrolled(c, 'old-pc');
    const tech = await formLogin(c, { user: 'tech', password: 'tech-password' });
    expect((await c.app.inject({ url: '/devices/old-pc', headers: { cookie: tech.cookie } })).body).not.toContain('/devices/old-pc/forget');
    const admin = await formLogin(c, { user: 'admin', password: 'admin-password' });
    const page = (await c.app.inject({ url: '/devices/old-pc', headers: { cookie: admin.cookie } })).body;
    expect(page).toContain('action="/devices/old-pc/forget"');
    expect((await c.app.inject({ url: '/devices/pc-01', headers: { cookie: admin.cookie } })).body).not.toContain('/forget"');
    const token = /id="forget-form"><input type="hidden" name="_csrf" value="([^"]+)"/.exec(page)![1]!;
    const post = (body: string) => c.app.inject({ method: 'POST', url: '/devices/old-pc/forget', payload: body, headers: { cookie: admin.cookie, 'content-type': 'application/x-www-form-urlencoded' } });
    expect((await post('confirm=old-pc')).statusCode).toBe(403); // no token
    expect((await post(`confirm=old&_csrf=${encodeURIComponent(token)}`)).statusCode).toBe(400);
    expect(c.ctx.store.get('old-pc')).toBeDefined();
    const done = await post(`confirm=old-pc&_csrf=${encodeURIComponent(token)}`);
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('Device old-pc forgotten.');
    expect(await present(c, 'old-pc')).toEqual({ metrics: false, sd: false, api: false, status: false });
  });

  it('with `stationwatch collector devices forget`, through a listening collector', async () => {
    const c = await collector();
    const token = await enrolled(c, 'old-pc');
    await c.app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(c.app.server.address() as { port: number }).port}`;
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(l) };
    const env = { STATIONWATCH_PASSWORD: 'admin-password', STATIONWATCH_LOG_LEVEL: 'silent' };
    expect(await runCollectorAdmin(['devices', 'forget', 'old-pc', '--collector', url, '--user', 'admin'], env, io)).toBe(0);
    expect(out.join('\n')).toContain('forgot old-pc');
    expect(await present(c, 'old-pc')).toEqual({ metrics: false, sd: false, api: false, status: false });
    expect((await report(c, 'old-pc', token, 2)).statusCode).toBe(401);
    out.length = 0;
    expect(await runCollectorAdmin(['devices', 'forget', 'old-pc', '--collector', url, '--user', 'admin'], env, io)).toBe(1);
    expect(out.join('\n')).toContain('no device named "old-pc"');
    expect(await runCollectorAdmin(['devices', 'forget', 'pc-01', '--collector', url, '--user', 'tech'], { ...env, STATIONWATCH_PASSWORD: 'tech-password' }, io)).toBe(1);
    expect(out.join('\n')).toContain('administrator');
  });
});
