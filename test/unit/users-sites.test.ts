// Users in the store and the site-limited role, through inject() on the real app (real SQLite store
// in a temp dir) and the real CLI function beside it: a technician limited to one site sees only that
// site's devices in every list, and every route that names a device of another site answers exactly
// as for a device that does not exist; role changes, disabling and removal made with
// `stationwatch collector users` take effect on the next request; the admin page (CSRF-protected,
// administrators only) adds, changes and removes users and keeps the last administrator; the
// configuration file's users keep working.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCollector, type CollectorApp } from '../../collector/app.js';
import { loadCollectorConfig } from '../../collector/config.js';
import { hashPassword } from '../../collector/store/users.js';
import { silentLogger } from '../../common/logger.js';
import { runUsersAdmin } from '../../cli/users.js';
import { makeReport } from '../helpers/reports.js';

const TOKENS = { 'pc-hall': 'sites-test-token-pc-hall-0001', 'pc-branch': 'sites-test-token-pc-branch-001' };
let dir: string;
let configFile: string;
let c: CollectorApp;

/** `stationwatch collector users …` against the collector's own configuration file; the password on standard input. */
async function cli(args: string[], password = '') {
  const lines: string[] = [];
  const stdin = Readable.from([`${password}\n`]);
  const code = await runUsersAdmin([...args, '--config', configFile], {}, { stdin, stderr: new Writable({ write: (_c, _e, cb) => cb() }) }, { out: (l) => lines.push(l), err: (l) => lines.push(l) });
  return { code, text: lines.join('\n') };
}

const login = async (user: string, password: string) => {
  const res = await c.app.inject({ method: 'POST', url: '/api/v1/sessions', payload: { user, password }, remoteAddress: '10.1.0.1' });
  return res.statusCode === 201 ? (res.json().token as string) : undefined;
};
const get = (url: string, token?: string) => c.app.inject({ url, headers: token ? { authorization: `Bearer ${token}` } : {} });

/** What a browser does: the login form's CSRF cookie and token, then the post; returns the cookies of the session. */
async function formLogin(user: string, password: string) {
  const form = await c.app.inject({ url: '/login', remoteAddress: '10.1.0.2' });
  const csrfCookie = String(form.headers['set-cookie'] ?? '').split(';')[0]!;
  const token = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
  const res = await c.app.inject({ method: 'POST', url: '/login', remoteAddress: '10.1.0.2', payload: new URLSearchParams({ user, password, _csrf: token }).toString(), headers: { cookie: csrfCookie, 'content-type': 'application/x-www-form-urlencoded' } });
  expect(res.statusCode).toBe(303);
  return `${String(res.headers['set-cookie'] ?? '').split(';')[0]!}; ${csrfCookie}`;
}

/** Every route of the app (method and path), from fastify's route tree: each line's segment continues its parent's path. */
function allRoutes(): { method: string; url: string }[] {
  const out: { method: string; url: string }[] = [];
  const stack: string[] = [];
  for (const line of c.app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)[├└]── (\S+) \(([A-Z, ]+)\)$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    const url = (stack[depth - 1] ?? '') + m[2]!;
    stack[depth] = url;
    for (const method of m[3]!.split(', ')) if (method !== 'HEAD') out.push({ method, url });
  }
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sw-users-'));
  configFile = join(dir, 'collector.yaml');
  const admin = await hashPassword('file-admin-password');
  writeFileSync(
    configFile,
    JSON.stringify({
      stateDir: join(dir, 'state'),
      devices: [
        { name: 'pc-hall', token: TOKENS['pc-hall'], site: 'hall' },
        { name: 'pc-branch', token: TOKENS['pc-branch'], site: 'branch' },
      ],
      users: [{ name: 'file.admin', role: 'admin', passwordHash: admin }],
      // Site limits restrict a logged-in user; a page open to everyone (loopback default) shows everything to anyone.
      statusPage: { evaluateEverySeconds: 0.2, requireLogin: true },
    }),
  );
  c = await buildCollector(await loadCollectorConfig(configFile, {}), { log: silentLogger, pollSnmp: false });
  await c.app.ready();
  const now = Date.now();
  for (const [device, token] of Object.entries(TOKENS)) {
    const res = await c.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { authorization: `Bearer ${token}` }, payload: makeReport({ device, seq: 1, createdAt: now, sentAt: now }) });
    expect(res.statusCode).toBe(202);
  }
  const detail = { alerts: [], readings: [] };
  await c.ctx.db.events.record(['pc-hall', 'pc-branch'].map((device, i) => ({ device, site: device === 'pc-hall' ? 'hall' : 'branch', indicator: 'cpu', from: 'normal' as const, to: 'abnormal' as const, atMs: now - 1000 + i, detail })));
  await c.ctx.db.inspections.record({ device: 'pc-hall', site: 'hall', atMs: now - 500, user: 'file.admin', result: 'ok', note: 'hall inspected' });
  expect(await cli(['add', 'branch.tech', '--role', 'technician', '--site', 'branch'], 'branch-tech-password')).toEqual({ code: 0, text: 'added branch.tech (technician, sites branch)' });
}, 60_000);

afterAll(async () => {
  await c?.app.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a technician limited to one site', () => {
  it('sees only that site in every list: fleet page, status and device JSON, CSV exports, sparklines', async () => {
    const tech = (await login('branch.tech', 'branch-tech-password'))!;
    expect(tech).toBeDefined();
    const page = (await get('/', tech)).body;
    expect(page).toContain('pc-branch');
    expect(page).not.toContain('pc-hall');
    expect(page).not.toContain('hall');
    const names = (body: { devices: { name: string }[] }) => body.devices.map((d) => d.name);
    expect(names((await get('/api/v1/status', tech)).json())).toEqual(['pc-branch']);
    expect(names((await get('/api/v1/status?site=hall', tech)).json())).toEqual([]);
    expect(names((await get('/api/devices', tech)).json())).toEqual(['pc-branch']);
    for (const kind of ['devices', 'events', 'inspections']) {
      const csv = (await get(`/export/${kind}.csv`, tech)).body;
      expect(csv, kind).not.toContain('pc-hall');
      expect(csv, kind).not.toContain('hall inspected');
    }
    expect((await get('/export/events.csv', tech)).body).toContain('pc-branch');
    const sparkDevices = (url: string) => get(url, tech).then((r) => new Set((r.json() as { sparklines: { device: string }[] }).sparklines.map((s) => s.device)));
    expect(await sparkDevices('/api/v1/history/sparklines')).not.toContain('pc-hall');
    expect(await sparkDevices('/api/v1/history/sparklines?site=hall')).toEqual(new Set());
    // The unlimited administrator of the configuration file still sees both: the file's users keep working.
    const admin = (await login('file.admin', 'file-admin-password'))!;
    expect(names((await get('/api/devices', admin)).json()).sort()).toEqual(['pc-branch', 'pc-hall']);
    expect((await get('/export/inspections.csv', admin)).body).toContain('hall inspected');
  });

  it('gets, from every route that names a device or a site, the very answer a device that does not exist gets', async () => {
    const tech = (await login('branch.tech', 'branch-tech-password'))!;
    // Every route of the app with a device or site in its path, read from the app itself: a route
    // added later is covered here without anyone listing it.
    const routes = allRoutes().filter((r) => /:(device|site)\b/.test(r.url));
    const paths = routes.map((r) => `${r.method} ${r.url}`);
    for (const expected of ['GET /devices/:device', 'GET /api/devices/:device', 'GET /api/v1/devices/:device/inspections', 'GET /api/v1/history/devices/:device', 'GET /api/v1/history/sites/:site/timeline', 'POST /devices/:device/inspections', 'POST /devices/:device/maintenance', 'POST /devices/:device/maintenance/:id/end', 'DELETE /api/v1/devices/:device']) expect(paths).toContain(expected);
    // Routes that name the device in the body.
    routes.push({ method: 'POST', url: '/api/v1/inspections' }, { method: 'POST', url: '/api/v1/maintenance' });
    const ask = (r: { method: string; url: string }, device: string, site: string) => {
      const url = r.url.replace(':device', encodeURIComponent(device)).replace(':site', encodeURIComponent(site)).replace(':id', '1');
      const body = r.method === 'GET' ? undefined : { device, result: 'ok', note: 'x', hours: 1, reason: 'x', confirm: device };
      return c.app.inject({ method: r.method as 'GET', url, headers: { authorization: `Bearer ${tech}` }, ...(body ? { payload: body } : {}) });
    };
    const checked: string[] = [];
    for (const r of routes) {
      // Prometheus' per-device target is a machine's route (scrape token), never a user's: outside the guard.
      if (r.url === '/devices/:device/metrics') continue;
      const hidden = await ask(r, 'pc-hall', 'hall');
      const unknown = await ask(r, 'pc-nowhere', 'nowhere');
      const same = (s: string, name: string, site: string) => s.replaceAll(name, 'NAME').replaceAll(site, 'SITE').replace(/nonce-[A-Za-z0-9+/=]+/g, '').replace(/nonce="[^"]+"/g, '');
      expect(hidden.statusCode, `${r.method} ${r.url}`).toBeGreaterThanOrEqual(400);
      expect(hidden.statusCode, `${r.method} ${r.url}`).toBe(unknown.statusCode);
      expect(same(hidden.body, 'pc-hall', 'hall'), `${r.method} ${r.url}`).toBe(same(unknown.body, 'pc-nowhere', 'nowhere'));
      checked.push(`${r.method} ${r.url} ${hidden.statusCode}`);
    }
    expect(checked.length).toBeGreaterThanOrEqual(11);
    // Nothing was recorded on the other site's device.
    expect((await c.ctx.db.inspections.forDevice('pc-hall')).map((i) => i.note)).toEqual(['hall inspected']);
    expect(await c.ctx.db.maintenance.forDevice('pc-hall')).toEqual([]);
    // Its own site's device: the page, and recording an inspection, work.
    expect((await get('/devices/pc-branch', tech)).statusCode).toBe(200);
    const rec = await c.app.inject({ method: 'POST', url: '/api/v1/inspections', headers: { authorization: `Bearer ${tech}` }, payload: { device: 'pc-branch', result: 'ok', note: 'branch inspected' } });
    expect(rec.statusCode).toBe(201);
    expect(rec.json().user).toBe('branch.tech');
  });
});

describe('users in the store, managed with the CLI', () => {
  it('a change of sites or role, disabling and removal take effect on the next request, without a restart', async () => {
    expect(await cli(['add', 'roaming', '--role', 'viewer', '--site', 'branch'], 'roaming-password')).toMatchObject({ code: 0 });
    const token = (await login('roaming', 'roaming-password'))!;
    const names = async () => ((await get('/api/devices', token)).json() as { devices: { name: string }[] }).devices.map((d) => d.name);
    expect(await names()).toEqual(['pc-branch']);
    expect(await cli(['set', 'roaming', '--site', 'hall'])).toMatchObject({ code: 0 });
    expect(await names()).toEqual(['pc-hall']);
    expect(await cli(['set', 'roaming', '--all-sites'])).toMatchObject({ code: 0 });
    expect((await names()).sort()).toEqual(['pc-branch', 'pc-hall']);
    // A viewer may not record; promoted, the same session may.
    const inspect = () => c.app.inject({ method: 'POST', url: '/api/v1/inspections', headers: { authorization: `Bearer ${token}` }, payload: { device: 'pc-hall', result: 'ok' } });
    expect((await inspect()).statusCode).toBe(403);
    expect(await cli(['set', 'roaming', '--role', 'technician'])).toMatchObject({ code: 0 });
    expect((await inspect()).statusCode).toBe(201);
    // Disabled: the session ends at once and logging in is refused; enabled again, a new login works.
    expect(await cli(['set', 'roaming', '--disable'])).toMatchObject({ code: 0 });
    expect((await get('/api/devices', token)).statusCode).toBe(401);
    expect(await login('roaming', 'roaming-password')).toBeUndefined();
    expect(await cli(['set', 'roaming', '--enable'])).toMatchObject({ code: 0 });
    const again = (await login('roaming', 'roaming-password'))!;
    expect((await get('/api/devices', again)).statusCode).toBe(200);
    expect(await cli(['remove', 'roaming'])).toMatchObject({ code: 0 });
    expect((await get('/api/devices', again)).statusCode).toBe(401);
    expect(await login('roaming', 'roaming-password')).toBeUndefined();
  });

  it('refuses bad input and the configuration file\'s names, lists both sources, keeps the last administrator', async () => {
    expect((await cli(['add', 'bad name', '--role', 'viewer'], 'whatever-password')).code).toBe(2);
    expect((await cli(['add', 'x', '--role', 'root'], 'whatever-password')).code).toBe(2);
    expect((await cli(['add', 'x', '--role', 'admin', '--site', 'hall'], 'whatever-password')).code).toBe(2);
    expect(await cli(['add', 'short', '--role', 'viewer'], 'short')).toMatchObject({ code: 1, text: expect.stringContaining('at least 8 characters') });
    expect(await cli(['add', 'file.admin', '--role', 'viewer'], 'whatever-password')).toMatchObject({ code: 1, text: expect.stringContaining('configuration file') });
    expect(await cli(['set', 'file.admin', '--role', 'viewer'])).toMatchObject({ code: 1, text: expect.stringContaining('configuration file') });
    expect((await cli(['set', 'branch.tech'])).code).toBe(2);
    expect(await cli(['add', 'chief', '--role', 'admin'], 'chief-password')).toMatchObject({ code: 0 });
    expect(await cli(['set', 'chief', '--role', 'viewer'])).toMatchObject({ code: 1, text: expect.stringContaining('last enabled administrator') });
    expect(await cli(['set', 'chief', '--disable'])).toMatchObject({ code: 1 });
    expect(await cli(['remove', 'chief'])).toMatchObject({ code: 1 });
    const list = await cli(['list']);
    expect(list.code).toBe(0);
    expect(list.text).toMatch(/^file\.admin\tadmin\t\*\tenabled\tconfiguration file/m);
    expect(list.text).toMatch(/^branch\.tech\ttechnician\tbranch\tenabled\tstore/m);
    expect(list.text).toMatch(/^chief\tadmin\t\*\tenabled\tstore/m);
  });
});

describe('the admin page', () => {
  const form = (cookie: string, url: string, fields: Record<string, string>) =>
    c.app.inject({ method: 'POST', url, payload: new URLSearchParams(fields).toString(), headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' } });

  it('is for administrators only, in both languages', async () => {
    expect((await get('/admin/users')).statusCode).toBe(303);
    const tech = (await login('branch.tech', 'branch-tech-password'))!;
    expect((await get('/admin/users', tech)).statusCode).toBe(403);
    const admin = await formLogin('file.admin', 'file-admin-password');
    const en = await c.app.inject({ url: '/admin/users?lang=en', headers: { cookie: admin } });
    expect(en.statusCode).toBe(200);
    expect(en.body).toContain('Add a user');
    expect(en.body).toContain('data-user="branch.tech"');
    expect(en.body).toMatch(/data-user="file\.admin" data-source="config"/);
    const zh = await c.app.inject({ url: '/admin/users?lang=zh', headers: { cookie: admin } });
    expect(zh.body).toContain('添加用户');
    expect(zh.body).toContain('href="/admin/users"');
  });

  it('adds, changes and removes users with the form\'s token, and refuses to remove the last administrator', async () => {
    const admin = await formLogin('file.admin', 'file-admin-password');
    const page = (await c.app.inject({ url: '/admin/users?lang=en', headers: { cookie: admin } })).body;
    const csrf = /id="add-user"><input type="hidden" name="_csrf" value="([^"]+)"/.exec(page)![1]!;
    // Without the token nothing changes.
    expect((await form(admin, '/admin/users', { name: 'page.user', password: 'page-user-password', role: 'technician', sites: 'branch' })).statusCode).toBe(403);
    expect(await c.ctx.db.users.get('page.user')).toBeUndefined();
    const added = await form(admin, '/admin/users', { _csrf: csrf, name: 'page.user', password: 'page-user-password', role: 'technician', sites: 'branch\nhall annex' });
    expect(added.statusCode).toBe(303);
    expect(await c.ctx.db.users.get('page.user')).toMatchObject({ role: 'technician', sites: ['branch', 'hall annex'], disabled: false });
    expect((await form(admin, '/admin/users', { _csrf: csrf, name: 'page.user', password: 'page-user-password', role: 'viewer' })).statusCode).toBe(409);
    expect((await form(admin, '/admin/users', { _csrf: csrf, name: 'file.admin', password: 'page-user-password', role: 'viewer' })).statusCode).toBe(409);
    const bad = await form(admin, '/admin/users', { _csrf: csrf, name: '../x', password: 'page-user-password', role: 'viewer' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('Please check the form');
    expect((await form(admin, '/admin/users/page.user', { _csrf: csrf, role: 'admin', sites: 'branch' })).statusCode).toBe(400);
    expect((await form(admin, '/admin/users/page.user', { _csrf: csrf, role: 'viewer', sites: '', disabled: '1' })).statusCode).toBe(303);
    expect(await c.ctx.db.users.get('page.user')).toMatchObject({ role: 'viewer', sites: [], disabled: true });
    expect(await login('page.user', 'page-user-password')).toBeUndefined();
    // chief (added with the CLI above) is the store's only enabled administrator.
    const last = await form(admin, '/admin/users/chief', { _csrf: csrf, role: 'technician', sites: '' });
    expect(last.statusCode).toBe(409);
    expect(last.body).toContain('last enabled administrator');
    expect((await form(admin, '/admin/users/chief/remove', { _csrf: csrf, confirm: 'chief' })).statusCode).toBe(409);
    expect((await form(admin, '/admin/users/page.user/remove', { _csrf: csrf, confirm: 'page' })).statusCode).toBe(400);
    expect((await form(admin, '/admin/users/page.user/remove', { _csrf: csrf, confirm: 'page.user' })).statusCode).toBe(303);
    expect(await c.ctx.db.users.get('page.user')).toBeUndefined();
    expect((await c.app.inject({ url: '/admin/users?done=removed&name=page.user', headers: { cookie: admin } })).body).toContain('User page.user removed');
  });
});
