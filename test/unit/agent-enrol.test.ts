// Agent enrolment against a listening collector (real HTTP on loopback): with only a site secret the
// agent enrols at its first send, keeps the token (mode 0600) and reports; a restarted agent uses
// the stored token; a wrong secret keeps the reports queued instead of dropping them.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAgent } from '../../agent/agent.js';
import { resolveAgentConfig } from '../../agent/config.js';
import { buildCollector, type CollectorApp } from '../../collector/app.js';
import { resolveCollectorConfig } from '../../collector/config.js';
import { silentLogger } from '../../common/logger.js';

const SECRET = 'site-secret-for-branch-e-0123';
let dir: string;
let c: CollectorApp;
let url: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sw-enrol-'));
  c = await buildCollector(resolveCollectorConfig({ enrolment: { siteSecrets: [{ site: 'branch-e', secret: SECRET }] } }, {}, 'test'), { log: silentLogger });
  await c.app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(c.app.server.address() as { port: number }).port}`;
});
afterEach(async () => {
  await c.app.close();
  await rm(dir, { recursive: true, force: true });
});

const agentConfig = (secret: string) => resolveAgentConfig({ device: 'pc-e1', site: 'branch-e', stateDir: dir, collector: { url, enrolSecret: secret }, log: { level: 'silent' } }, {}, 'test');

describe('agent enrolment', () => {
  it('enrols with the site secret at its first send, stores the token privately, and reports', async () => {
    const agent = await startAgent(agentConfig(SECRET), { log: silentLogger, probes: [] });
    await agent.cycle();
    await agent.stop();
    const file = join(dir, 'device-token.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(await readFile(file, 'utf8')) as { device: string; token: string };
    expect(stored.device).toBe('pc-e1');
    expect(c.ctx.store.get('pc-e1')?.site).toBe('branch-e');
    const accepted = c.ctx.store.get('pc-e1')!.reportsAccepted;
    expect(accepted).toBeGreaterThanOrEqual(1);

    // restarted, with a configuration that no longer has the secret: the stored token is used
    const again = await startAgent(resolveAgentConfig({ device: 'pc-e1', site: 'branch-e', stateDir: dir, collector: { url }, log: { level: 'silent' } }, {}, 'test'), { log: silentLogger, probes: [] });
    await again.cycle();
    await again.stop();
    expect(c.ctx.store.get('pc-e1')!.reportsAccepted).toBeGreaterThan(accepted);
    expect(await c.ctx.enrolment.list()).toHaveLength(1);
  });

  it('with a wrong secret nothing is enrolled and the reports stay queued', async () => {
    const agent = await startAgent(agentConfig('wrong-secret-0123456789'), { log: silentLogger, probes: [] });
    await agent.cycle();
    await agent.cycle();
    await agent.stop();
    expect(c.ctx.store.get('pc-e1')).toBeUndefined();
    const { Outbox } = await import('../../agent/outbox/outbox.js');
    const box = await Outbox.open(join(dir, 'spool', 'reports'), { maxBytes: 1e9, maxReports: 1e6, maxAgeMs: 1e12 }, silentLogger, Date.now);
    expect(box.length).toBeGreaterThanOrEqual(1);
  });

  it('without a token, a secret or an enrolment the configuration says how to enrol', () => {
    expect(() => resolveAgentConfig({ site: 'x', stateDir: dir, collector: { url } }, {}, 'agent.yaml')).toThrow(/stationwatch agent enrol/);
  });
});
