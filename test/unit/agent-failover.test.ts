// Failover between collector addresses (agent/failover.ts) over real HTTP on loopback: real
// collectors, a port nobody listens on (a collector that is gone) and a server answering 503 (one
// that is overloaded). Reports go to the next address at once, nothing is lost while every
// collector is away, the agent goes back to the first collector after the configured time, and an
// agent that has still to enrol enrols with the collector it can reach.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAgent } from '../../agent/agent.js';
import { resolveAgentConfig } from '../../agent/config.js';
import { failoverTransport } from '../../agent/failover.js';
import { httpTransport } from '../../agent/push.js';
import { buildCollector, type CollectorApp } from '../../collector/app.js';
import { resolveCollectorConfig } from '../../collector/config.js';
import { ConfigError } from '../../common/config-file.js';
import { silentLogger } from '../../common/logger.js';
import type { Report } from '../../protocol/report.js';
import { makeReport } from '../helpers/reports.js';

const TOKEN = 'failover-token-0123456789';
const SECRET = 'site-secret-for-branch-f-0123';
let dir: string;
const collectors: CollectorApp[] = [];
const servers: Server[] = [];

async function collector(port = 0): Promise<{ c: CollectorApp; url: string }> {
  const c = await buildCollector(
    resolveCollectorConfig({ devices: [{ name: 'pc-f1', token: TOKEN, site: 'branch-f' }], enrolment: { siteSecrets: [{ site: 'branch-f', secret: SECRET }] } }, {}, 'test'),
    { log: silentLogger },
  );
  await c.app.listen({ host: '127.0.0.1', port });
  collectors.push(c);
  return { c, url: `http://127.0.0.1:${(c.app.server.address() as { port: number }).port}` };
}

/** A loopback port with nothing listening on it: a collector that is gone. */
async function deadUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

async function overloaded(): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  const s = createServer((_req, res) => {
    hits++;
    res.writeHead(503, { 'retry-after': '7' }).end('busy');
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  servers.push(s);
  return { url: `http://127.0.0.1:${(s.address() as { port: number }).port}`, hits: () => hits };
}

const accepted = async (c: CollectorApp) => ((await c.app.inject({ url: '/api/devices/pc-f1' })).json() as { reportsAccepted?: number; lastReportAt: string | null });

const report = (seq: number): Report => makeReport({ device: 'pc-f1', site: 'branch-f', seq, createdAt: Date.now() });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sw-failover-'));
});
afterEach(async () => {
  await Promise.all(collectors.splice(0).map((c) => c.app.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  await rm(dir, { recursive: true, force: true });
});

describe('collector failover', () => {
  it('sends to the next collector when the first is gone or busy, and stays there', async () => {
    const gone = await deadUrl();
    const busy = await overloaded();
    const b = await collector();
    const switches: string[] = [];
    const t = failoverTransport(
      [gone, busy.url, b.url].map((url) => ({ url, transport: httpTransport(url, TOKEN, 2000) })),
      { returnAfterMs: 60_000, onSwitch: (from, to) => switches.push(`${from} -> ${to}`) },
    );
    expect(await t.send(report(1))).toEqual({ kind: 'sent' });
    expect(t.current()).toBe(b.url);
    expect(switches).toEqual([`${gone} -> ${b.url}`]);
    expect(busy.hits()).toBe(1);
    // Staying: the next report goes straight to the collector that took the last one.
    expect(await t.send(report(2))).toEqual({ kind: 'sent' });
    expect(busy.hits()).toBe(1);
    expect((await accepted(b.c)).lastReportAt).not.toBeNull();
  });

  it('answers "retry" with every collector\'s reason when none takes the report, keeping the soonest Retry-After', async () => {
    const gone = await deadUrl();
    const busy = await overloaded();
    const t = failoverTransport([gone, busy.url].map((url) => ({ url, transport: httpTransport(url, TOKEN, 2000) })), { returnAfterMs: 60_000 });
    const r = await t.send(report(1));
    expect(r.kind).toBe('retry');
    if (r.kind !== 'retry') return;
    expect(r.reason).toContain(`${gone}: ECONNREFUSED`);
    expect(r.reason).toContain(`${busy.url}: HTTP 503 busy`);
    expect(r.retryAfterMs).toBe(7000);
    expect(t.current()).toBe(gone);
  });

  it('goes back to the first collector once returnAfterMs has passed', async () => {
    const a = await collector();
    const b = await collector();
    let nowMs = 0;
    const closedA = a.url;
    await a.c.app.close();
    collectors.splice(collectors.indexOf(a.c), 1);
    const t = failoverTransport([closedA, b.url].map((url) => ({ url, transport: httpTransport(url, TOKEN, 2000) })), { returnAfterMs: 1000, now: () => nowMs });
    expect(await t.send(report(1))).toEqual({ kind: 'sent' });
    expect(t.current()).toBe(b.url);
    // The first collector is back on its address.
    const again = await collector(Number(new URL(closedA).port));
    nowMs = 500;
    await t.send(report(2));
    expect(t.current()).toBe(b.url);
    nowMs = 1500;
    expect(await t.send(report(3))).toEqual({ kind: 'sent' });
    expect(t.current()).toBe(closedA);
    expect((await accepted(again.c)).lastReportAt).not.toBeNull();
  });

  it('passes an "unauthorized" answer on rather than hiding it behind another collector', async () => {
    const b = await collector();
    const c2 = await collector();
    const t = failoverTransport([b.url, c2.url].map((url) => ({ url, transport: httpTransport(url, 'not-the-token-000000', 2000) })), { returnAfterMs: 60_000 });
    const r = await t.send(report(1));
    expect(r.kind).toBe('unauthorized');
    expect(t.current()).toBe(b.url);
  });

  it('an agent whose first collector is gone enrols with, and reports to, the next one', async () => {
    const gone = await deadUrl();
    const b = await collector();
    const config = resolveAgentConfig({ device: 'pc-f2', site: 'branch-f', stateDir: dir, collector: { url: gone, failoverUrls: [b.url], enrolSecret: SECRET }, log: { level: 'silent' } }, {}, 'test');
    const agent = await startAgent(config, { log: silentLogger, probes: [] });
    await agent.cycle();
    await agent.stop();
    const dev = (await b.c.app.inject({ url: '/api/devices/pc-f2' })).json() as { lastReportAt: string | null };
    expect(dev.lastReportAt).not.toBeNull();
  });

  it('refuses a failover address given twice or plain http to another machine, naming the entry', () => {
    const attempt = (failoverUrls: string[]) => resolveAgentConfig({ site: 's', collector: { token: 'x', url: 'http://127.0.0.1:9847', failoverUrls } }, {}, 'agent.yaml');
    expect(() => attempt(['http://127.0.0.1:9847/'])).toThrow(/failoverUrls\/0: http:\/\/127\.0\.0\.1:9847\/ is already listed/);
    expect(() => attempt(['http://10.1.2.3:9847'])).toThrow(ConfigError);
    expect(() => attempt(['http://10.1.2.3:9847'])).toThrow(/failoverUrls\/0: plain http:\/\/ to 10\.1\.2\.3:9847/);
    expect(attempt(['https://collector-b.example:9847']).collector.failoverUrls).toEqual(['https://collector-b.example:9847']);
  });
});
