// The status page's history pieces that need no browser: the static files (uPlot, our modules) with
// their types and cache headers, the readable "Current values" with the raw table behind a toggle,
// the chart section's data for the page script, and the Grafana links (uid and variables of the
// dashboards we generate). The charts themselves are tested in Chromium (test/integration/history-page.test.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildCollector, type CollectorApp } from '../../collector/app.js';
import { resolveCollectorConfig } from '../../collector/config.js';
import { deviceDashboardUrl, fleetDashboardUrl } from '../../collector/status/grafana-links.js';
import { staticAssets } from '../../collector/status/static-assets.js';
import { valueName } from '../../collector/status/value-names.js';
import { agentMetrics } from '../../protocol/metrics.js';
import { silentLogger } from '../../common/logger.js';
import { packageRoot } from '../../common/package-root.js';
import { makeReport } from '../helpers/reports.js';

const TOKEN = 'history-ui-token-0123456789';
const apps: CollectorApp[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.app.close();
});

async function collector(extra: Record<string, unknown> = {}): Promise<CollectorApp> {
  const config = resolveCollectorConfig({ devices: [{ name: 'pc-01', token: TOKEN, site: '深圳-01' }], ...extra }, {}, 't');
  const c = await buildCollector(config, { log: silentLogger });
  await c.app.ready();
  apps.push(c);
  return c;
}

function dashboard(lang: string, file: string): { uid: string; templating: { list: { name: string }[] } } {
  return JSON.parse(readFileSync(join(packageRoot(), 'dashboards', 'generated', lang, file), 'utf8'));
}

describe('status page history, server side', () => {
  it('serves uPlot from node_modules with its content type and a year of cache under the current hash', async () => {
    const c = await collector();
    const assets = staticAssets();
    const js = await c.app.inject({ url: assets.url('uplot.min.js') });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.body).toContain('uPlot');
    const css = await c.app.inject({ url: assets.url('uplot.min.css') });
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.body).toContain('.uplot');
    // A page from before an upgrade asks with an old hash: the current file, not cached.
    const old = await c.app.inject({ url: '/static/0000000000000000/uplot.min.js' });
    expect(old.statusCode).toBe(200);
    expect(old.headers['cache-control']).toBe('no-cache');
    expect((await c.app.inject({ url: `/static/${assets.hash}/../../package.json` })).statusCode).toBe(404);
    expect((await c.app.inject({ url: `/static/${assets.hash}/app.js` })).statusCode).toBe(404);
  });

  it('the device page: charts section for the page script, readable values, the raw table behind a toggle, a nonce on every script', async () => {
    const c = await collector({ grafanaUrl: 'http://grafana.example:3000/sub' });
    const now = Date.now();
    const report = makeReport({ device: 'pc-01', site: '深圳-01', createdAt: now, sentAt: now });
    report.samples.push({ metric: 'stationwatch_memory_total_bytes', value: 25_276_200_000 }, { metric: 'stationwatch_firewall_enabled', labels: { profile: 'domain' }, value: 1 });
    expect((await c.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { authorization: `Bearer ${TOKEN}` }, payload: report })).statusCode).toBeLessThan(300);
    const res = await c.app.inject({ url: '/devices/pc-01?range=7d&lang=zh' });
    expect(res.statusCode).toBe(200);
    const page = res.body;
    const nonce = /script-src 'nonce-([^']+)'/.exec(String(res.headers['content-security-policy']))![1]!;
    // Every script and stylesheet carries the nonce; no script without it.
    const scripts = [...page.matchAll(/<script([^>]*)>/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThanOrEqual(3);
    for (const attrs of scripts) expect(attrs).toContain(`nonce="${nonce}"`);
    expect(page).toContain(`<script type="module" nonce="${nonce}" src="${staticAssets().url('history-page.js')}">`);
    expect(page).toMatch(new RegExp(`<link rel="stylesheet" nonce="${nonce.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}" href="/static/[0-9a-f]{16}/uplot.min.css">`));
    expect(page).toContain('data-history-url="/api/v1/history/devices/pc-01"');
    expect(page).toContain('data-range="7d"');
    expect(page).toMatch(/<button type="button" data-range="7d" aria-pressed="true">7 天<\/button>/);
    expect(page).toContain('<button type="button" data-range="quarter" aria-pressed="false">季度</button>');
    // Readable: name, unit, grouping; the raw values stay in a <details>.
    expect(page).toMatch(/<tr data-metric="stationwatch_memory_total_bytes"><th scope="row">内存总量<\/th><td>23.5 GiB<\/td><\/tr>/);
    expect(page).toMatch(/<tr data-metric="stationwatch_cpu_utilisation_ratio"><th scope="row">CPU 使用率<\/th><td>42 %<\/td><\/tr>/);
    expect(page).toMatch(/<tr data-metric="stationwatch_firewall_enabled"><th scope="row">防火墙开启 <span class="muted">domain<\/span><\/th><td>是<\/td><\/tr>/);
    expect(page).toMatch(/<tbody data-group="resources"><tr><th colspan="2" scope="rowgroup" class="group">CPU、内存与磁盘使用<\/th>/);
    expect(page).toMatch(/<details id="raw-values"><summary>全部原始数值<\/summary>[\s\S]*memory_total_bytes<\/td><td><\/td><td>25276200000<\/td>/);
    // The Grafana link opens the Chinese device dashboard on this device and the chosen range.
    const href = /<a id="grafana-link" href="([^"]+)"/.exec(page)![1]!.replace(/&amp;/g, '&');
    const url = new URL(href);
    expect(url.origin + url.pathname).toBe('http://grafana.example:3000/sub/d/stationwatch-device-zh');
    expect(Object.fromEntries(url.searchParams)).toEqual({ 'var-site': '深圳-01', 'var-device': 'pc-01', from: 'now-7d', to: 'now' });
  });

  it('the fleet page: a sparkline slot per card, the site timeline, the fleet dashboard link only when configured', async () => {
    const plain = await collector();
    const without = (await plain.app.inject({ url: '/' })).body;
    expect(without).not.toContain('grafana-link');
    expect(without).toContain('<div class="spark" data-spark="pc-01"></div>');
    expect(without).toContain('data-sparklines-url="/api/v1/history/sparklines"');
    expect(without).toMatch(/<section id="site-timelines"[^>]*data-sites="\[&quot;深圳-01&quot;\]"/);
    const linked = await collector({ grafanaUrl: 'https://grafana.example/' });
    const page = (await linked.app.inject({ url: '/?site=%E6%B7%B1%E5%9C%B3-01&lang=en' })).body;
    expect(page).toContain('data-sparklines-url="/api/v1/history/sparklines?site=%E6%B7%B1%E5%9C%B3-01"');
    const href = /<a id="grafana-link" href="([^"]+)"/.exec(page)![1]!.replace(/&amp;/g, '&');
    expect(href.startsWith('https://grafana.example/d/stationwatch-fleet?')).toBe(true);
    expect(new URL(href).searchParams.get('var-site')).toBe('深圳-01');
  });

  it('names every metric an agent reports (the inventory ones are shown under Inventory instead)', () => {
    const unnamed = agentMetrics.filter((d) => !valueName(d.name) && d.name !== 'stationwatch_device_info' && d.name !== 'stationwatch_disk_info').map((d) => d.name);
    expect(unnamed).toEqual([]);
  });

  it('refuses a grafanaUrl that is not an http(s) URL', () => {
    expect(() => resolveCollectorConfig({ grafanaUrl: 'javascript:alert(1)' }, {}, 't')).toThrow(/grafanaUrl/);
  });

  it('links to dashboards that exist, with variables they define', () => {
    for (const lang of ['en', 'zh'] as const) {
      const device = new URL(deviceDashboardUrl('http://g:3000', lang, 's', 'd', 'quarter'));
      const dev = dashboard(lang, 'device.json');
      expect(device.pathname).toBe(`/d/${dev.uid}`);
      const vars = dev.templating.list.map((v) => v.name);
      for (const key of device.searchParams.keys()) if (key.startsWith('var-')) expect(vars).toContain(key.slice(4));
      expect(device.searchParams.get('from')).toBe('now-92d');
      const fleet = new URL(fleetDashboardUrl('http://g:3000', lang, 's'));
      const fl = dashboard(lang, 'fleet.json');
      expect(fleet.pathname).toBe(`/d/${fl.uid}`);
      for (const key of fleet.searchParams.keys()) if (key.startsWith('var-')) expect(fl.templating.list.map((v) => v.name)).toContain(key.slice(4));
    }
  });
});
