// TLS, enrolment and scrape auth with real processes: a private CA made here with openssl, the
// collector serving HTTPS, an agent enrolled with a one-time code from the CLI (token file 0600)
// reporting over verified TLS, the shared Prometheus scraping over HTTPS with a bearer token (static
// and through HTTP SD), a replayed code and an unverified certificate refused, plain HTTP to a
// remote host refused, and a revoked device's reports refused.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, freePort, startCli, waitFor, type Proc } from './fixtures/processes.js';
import { configurePrometheus, suiteTimer, targets, waitForSeries } from './fixtures/prometheus.js';

const run = promisify(execFile);
const SCRAPE = 'scrape-token-for-tls-suite-0123';
const DEVICE = 'tls-pc-01';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cliPath, ...args], { timeout: 30_000 });
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : -1, out: x.stdout ?? '', err: x.stderr ?? '' };
  }
}

function httpsJson(url: string, ca: Buffer, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    get(url, { ca, headers, timeout: 5000 }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text }));
    }).on('error', reject);
  });
}

describe('TLS, enrolment and scrape auth', () => {
  let dir: string;
  let base: string;
  let address: string;
  let ca: Buffer;
  let collector: Proc | undefined;
  let agent: Proc | undefined;
  let untrusting: Proc | undefined;
  const done = suiteTimer('tls-enrolment');
  const device = async (name: string) => (await httpsJson(`${base}/api/devices/${name}`, ca)).body as { reporting?: boolean; error?: string; reportsAccepted?: number };

  beforeAll(async () => {
    if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: run "npm run build" first (npm test does)`);
    dir = await mkdtemp(join(tmpdir(), 'stationwatch-tls-'));
    const ssl = (args: string[]) =>
      run('openssl', args, { cwd: dir }).catch((e: Error & { code?: string }) => {
        throw new Error(e.code === 'ENOENT' ? 'openssl not found: install it with apt-get install -y --no-install-recommends openssl' : e.message);
      });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    await ssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=stationwatch test CA']);
    await ssl(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
    await writeFile(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    await ssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '1', '-extfile', 'ext.cnf']);
    ca = await readFile(join(dir, 'ca.crt'));

    const port = await freePort();
    address = `127.0.0.1:${port}`;
    base = `https://${address}`;
    await writeFile(
      join(dir, 'collector.yaml'),
      `listen: { host: 127.0.0.1, port: ${port}, tls: { cert: server.crt, key: server.key } }\nstateDir: ${join(dir, 'collector-state')}\nscrapeAuth: { bearerToken: ${SCRAPE} }\nenrolment: { siteSecrets: [{ site: tls-site, secret: tls-site-secret-0123456789 }] }\nlog: { level: warn }\n`,
    );
    collector = startCli(['collector', '--config', join(dir, 'collector.yaml')]);
    await waitFor('the collector to listen over HTTPS', async () => ((await httpsJson(`${base}/healthz`, ca)).status === 200 ? true : undefined)).catch((e: Error) => {
      throw new Error(`${e.message}\n${collector?.output()}`);
    });
  }, 60_000);

  afterAll(async () => {
    await agent?.stop();
    await untrusting?.stop();
    await collector?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    done();
  });

  it('an agent enrols with a one-time code, stores its token privately and reports over verified TLS', async () => {
    const issued = await cli(['collector', 'enrol-code', '--site', 'tls-site', '--config', join(dir, 'collector.yaml')]);
    expect(issued.code, issued.err).toBe(0);
    const code = issued.out.trim();
    const agentYaml = join(dir, 'agent.yaml');
    await writeFile(agentYaml, `device: ${DEVICE}\nsite: tls-site\ncollector: { url: "${base}", caFile: ${join(dir, 'ca.crt')} }\nintervals: { fastSeconds: 1, slowSeconds: 60 }\nstateDir: ${join(dir, 'agent-state')}\nprobes: { network: { enabled: false } }\nlog: { level: warn }\n`);
    // Before enrolling, the configuration says what is missing.
    const unenrolled = await cli(['check-config', agentYaml]);
    expect(unenrolled.code).toBe(1);
    expect(unenrolled.err + unenrolled.out).toContain('stationwatch agent enrol');

    const enrolled = await cli(['agent', 'enrol', '--config', agentYaml, '--code', code]);
    expect(enrolled.code, enrolled.err).toBe(0);
    const tokenFile = join(dir, 'agent-state', 'device-token.json');
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(await readFile(tokenFile, 'utf8')) as { token: string };
    // the collector keeps only a hash
    const db = await readFile(join(dir, 'collector-state', 'collector.sqlite'));
    expect(db.includes(Buffer.from(stored.token))).toBe(false);

    // the code works once
    const replay = await cli(['agent', 'enrol', '--config', agentYaml, '--code', code, '--device', 'tls-pc-99']);
    expect(replay.code).toBe(1);
    expect(replay.err).toContain('403');

    agent = startCli(['agent', '--config', agentYaml]);
    await waitFor('the enrolled agent to report over HTTPS', async () => ((await device(DEVICE)).reporting ? true : undefined), 30_000).catch((e: Error) => {
      throw new Error(`${e.message}\nagent said:\n${agent?.output()}`);
    });
    const list = await cli(['collector', 'devices', 'list', '--config', join(dir, 'collector.yaml')]);
    expect(list.out).toMatch(new RegExp(`^${DEVICE}\\ttls-site\\t\\S+\\tcode\\t-$`, 'm'));
  });

  it('Prometheus scrapes over HTTPS with the bearer token; without it the collector answers 401', async () => {
    expect((await httpsJson(`${base}/metrics`, ca)).status).toBe(401);
    expect((await httpsJson(`${base}/sd`, ca)).status).toBe(401);
    const caFile = join(dir, 'ca.crt');
    // type: Bearer spelled out: Prometheus 2.42's HTTP SD sends the bare credentials without it.
    const auth = { authorization: { type: 'Bearer', credentials: SCRAPE }, tls_config: { ca_file: caFile } };
    await configurePrometheus([
      { job_name: 'tls-static', scheme: 'https', honor_labels: true, ...auth, static_configs: [{ targets: [address] }] },
      { job_name: 'tls-devices', honor_labels: true, ...auth, http_sd_configs: [{ url: `${base}/sd`, refresh_interval: '2s', ...auth }] },
    ]);
    for (const job of ['tls-static', 'tls-devices']) {
      await waitForSeries(`stationwatch_cpu_utilisation_ratio{job="${job}",device="${DEVICE}"}`, 30_000).catch(async (e: Error) => {
        throw new Error(`${e.message}\ntargets: ${JSON.stringify(await targets())}`);
      });
    }
    const t = (await targets()).filter((x) => x.scrapePool === 'tls-devices');
    expect(t.map((x) => [x.labels.device, x.health])).toEqual([[DEVICE, 'up']]);
  });

  it('refuses an unverifiable certificate and plain HTTP to a remote collector', async () => {
    // Enrolling with the site secret but without the CA: the certificate cannot be verified, so
    // the agent never talks to the collector and is never enrolled.
    const yaml = join(dir, 'untrusting.yaml');
    await writeFile(yaml, `device: tls-pc-02\nsite: tls-site\ncollector: { url: "${base}", enrolSecret: tls-site-secret-0123456789 }\nintervals: { fastSeconds: 0.5, slowSeconds: 60 }\nstateDir: ${join(dir, 'untrusting-state')}\nprobes: { network: { enabled: false } }\nlog: { level: warn }\n`);
    untrusting = startCli(['agent', '--config', yaml]);
    await waitFor('the agent to refuse the certificate', async () => (/self[- ]signed|unable to verify|UNABLE_TO_VERIFY|SELF_SIGNED/i.test(untrusting!.output()) ? true : undefined), 20_000).catch((e: Error) => {
      throw new Error(`${e.message}\nagent said:\n${untrusting?.output()}`);
    });
    expect((await device('tls-pc-02')).error).toBe('not_found');
    expect((await cli(['collector', 'devices', 'list', '--config', join(dir, 'collector.yaml')])).out).not.toContain('tls-pc-02');
    await untrusting.stop();

    const remote = join(dir, 'remote.yaml');
    // Never contacted: the configuration is refused before anything is sent.
    await writeFile(remote, `device: tls-pc-03\nsite: tls-site\ncollector: { url: "http://collector.branch.invalid:9847", token: some-token-0123456789 }\n`);
    const refused = await cli(['check-config', remote]);
    expect(refused.code).toBe(1);
    expect(refused.err + refused.out).toContain('allowInsecure');
    await writeFile(remote, `device: tls-pc-03\nsite: tls-site\ncollector: { url: "http://collector.branch.invalid:9847", token: some-token-0123456789, allowInsecure: true }\n`);
    expect((await cli(['check-config', remote])).code).toBe(0);
  });

  it('a revoked device is refused from its next report on', async () => {
    const before = (await device(DEVICE)).reportsAccepted!;
    const revoked = await cli(['collector', 'devices', 'revoke', DEVICE, '--config', join(dir, 'collector.yaml')]);
    expect(revoked.code, revoked.err).toBe(0);
    await waitFor('the device to stop reporting', async () => ((await device(DEVICE)).reporting === false ? true : undefined), 20_000);
    const after = (await device(DEVICE)).reportsAccepted!;
    expect(after - before).toBeLessThanOrEqual(2); // at most the reports already in flight
    await waitFor('the agent to say its token is refused', async () => (agent!.output().includes('refuses this agent') ? true : undefined), 20_000);
    expect(agent!.child.exitCode).toBe(null); // it keeps running, and keeps its reports
    expect((await cli(['collector', 'devices', 'list', '--config', join(dir, 'collector.yaml')])).out).toMatch(new RegExp(`^${DEVICE}\\t.*\\t\\d{4}-\\S+Z$`, 'm'));
  });
});
