// Backups end to end: a real agent process watches temporary backup directories, a real collector
// exposes what it reports, and the shared real Prometheus evaluates the generated overdue rule. The
// backups are real archives made by tar, gzip, zip and sha256sum; each case is checked through the
// collector's /metrics, not the agent's internals. `backup report` runs while the agent is stopped.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flipByte, makeBackupTree, run } from '../fixtures/backup/make-backups.js';
import { cliPath, freePort, repoRoot, startCli, waitFor, type Proc } from './fixtures/processes.js';
import { configurePrometheus, suiteTimer, waitForSeries } from './fixtures/prometheus.js';

const DEVICE = 'it-backup-01';
const TOKEN = 'integration-backup-token-0123';

/** One sample's value from exposition text, or undefined when the series is absent. */
function valueOf(text: string, metric: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries({ device: DEVICE, ...labels }).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`)) continue;
    const inner = line.slice(metric.length + 1, line.indexOf('}'));
    if (want.every((w) => inner.split(',').includes(w))) return Number(line.slice(line.indexOf('}') + 1));
  }
  return undefined;
}

describe('backup: real backups → agent → collector → Prometheus', () => {
  let dir: string;
  let address: string;
  let collector: Proc;
  let agent: Proc;
  let agentYaml: string;
  const done = suiteTimer('backup');
  const path = (...p: string[]) => join(dir, ...p);

  const metrics = async () => (await fetch(`http://${address}/metrics`)).text();
  /** Waits until the collector shows `metric{labels}` with the value `check` accepts; returns it. */
  const expectMetric = (metric: string, labels: Record<string, string>, check: (v: number | undefined) => boolean, timeoutMs = 20_000) =>
    waitFor(`${metric}${JSON.stringify(labels)} at the collector`, async () => {
      const v = valueOf(await metrics(), metric, labels);
      return check(v) ? (v ?? Number.NaN) : undefined;
    }, timeoutMs).catch((e: Error) => {
      throw new Error(`${e.message}\nagent said:\n${agent.output().slice(-3000)}`);
    });
  const runs = (job: string, result: string, n: number) => expectMetric('stationwatch_backup_runs_total', { backup_job: job, result }, (v) => v === n);
  /** A backup appears the way a careful script writes it: complete, then renamed into place. */
  const land = async (from: string, to: string) => {
    await copyFile(from, `${to}.part`);
    await rename(`${to}.part`, to);
  };

  beforeAll(async () => {
    if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: run "npm run build" first (npm test does)`);
    dir = await mkdtemp(join(tmpdir(), 'stationwatch-it-backup-'));
    for (const d of ['fixtures', 'files', 'dumps', 'nas', 'nightly']) await mkdir(path(d));
    await makeBackupTree(path('fixtures'));
    const port = await freePort();
    address = `127.0.0.1:${port}`;
    await writeFile(path('collector.yaml'), `listen: { host: 127.0.0.1, port: ${port} }\nstaleAfterIntervals: 5\ndevices:\n  - { name: ${DEVICE}, token: ${TOKEN}, site: test-site }\nlog: { level: warn }\n`);
    agentYaml = path('agent.yaml');
    await writeFile(
      agentYaml,
      `device: ${DEVICE}
site: test-site
collector: { url: "http://${address}", token: ${TOKEN} }
intervals: { fastSeconds: 1, slowSeconds: 60 }
stateDir: ${path('agent-state')}
log: { level: info }
probes:
  inventory: { enabled: false }
  backup:
    settings:
      settleSeconds: 0.5
      rescanSeconds: 1
      jobs:
        - { name: files, path: ${path('files')}, pattern: "*.{tar.gz,zip}", kind: full, maxAgeSeconds: 3600 }
        - { name: dumps, path: ${path('dumps')}, pattern: "*.dump", kind: incremental, verify: checksum, maxAgeSeconds: 3600, offsite: { path: ${path('nas')} } }
        - { name: nightly, path: ${path('nightly')}, pattern: "*.tar.gz", kind: incremental, maxAgeSeconds: 4 }
        - { name: remote, kind: full, maxAgeSeconds: 3600 }
`,
    );
    collector = startCli(['collector', '--config', path('collector.yaml')]);
    await waitFor('the collector to listen', async () => ((await fetch(`http://${address}/healthz`)).ok ? true : undefined));
    agent = startCli(['agent', '--config', agentYaml]);
    await configurePrometheus([{ job_name: 'stationwatch', honor_labels: true, static_configs: [{ targets: [address] }] }], [join(repoRoot, 'alerts', 'generated', 'stationwatch.rules.yml')]);
    await runs('files', 'ok', 0);
  });

  afterAll(async () => {
    await agent?.stop();
    await collector?.stop();
    await configurePrometheus([]);
    if (dir) await rm(dir, { recursive: true, force: true });
    done();
  });

  it('a good backup is verified: a success, a fresh timestamp, checksum-level proof', async () => {
    const before = Date.now() / 1000;
    await land(path('fixtures', 'good.tar.gz'), path('files', 'mon.tar.gz'));
    await runs('files', 'ok', 1);
    expect(await expectMetric('stationwatch_backup_last_result', { backup_job: 'files', result: 'ok' }, (v) => v === 1)).toBe(1);
    expect(await expectMetric('stationwatch_backup_last_success_timestamp_seconds', { backup_job: 'files' }, (v) => v !== undefined)).toBeGreaterThan(before - 5);
    await expectMetric('stationwatch_backup_verification_level', { backup_job: 'files', level: 'checksum' }, (v) => v === 1);
  });

  it('one flipped byte, a truncated archive: corrupt; a zero-byte file: failed', async () => {
    await copyFile(path('fixtures', 'good.zip'), path('fixtures', 'tue.zip'));
    await flipByte(path('fixtures', 'tue.zip'), 0.5);
    await land(path('fixtures', 'tue.zip'), path('files', 'tue.zip'));
    await runs('files', 'corrupt', 1);
    await expectMetric('stationwatch_backup_last_result', { backup_job: 'files', result: 'corrupt' }, (v) => v === 1);

    await copyFile(path('fixtures', 'good.tar.gz'), path('fixtures', 'wed.tar.gz'));
    await truncate(path('fixtures', 'wed.tar.gz'), 50_000);
    await land(path('fixtures', 'wed.tar.gz'), path('files', 'wed.tar.gz'));
    await runs('files', 'corrupt', 2);

    await writeFile(path('files', 'thu.tar.gz'), '');
    await runs('files', 'failed', 1);
    await expectMetric('stationwatch_backup_last_result', { backup_job: 'files', result: 'failed' }, (v) => v === 1);
    expect(await expectMetric('stationwatch_backup_runs_total', { backup_job: 'files', result: 'ok' }, (v) => v !== undefined)).toBe(1);
  });

  it('checks a dump against its manifest and its off-site copy: missing, then present and matching; a mismatch is corrupt', async () => {
    await copyFile(path('fixtures', 'db.dump'), path('dumps', 'db1.dump'));
    await writeFile(path('dumps', 'SHA256SUMS'), await run('sha256sum', ['db1.dump'], path('dumps')));
    await runs('dumps', 'ok', 1);
    await expectMetric('stationwatch_backup_offsite_present', { backup_job: 'dumps' }, (v) => v === 0);
    await copyFile(path('dumps', 'db1.dump'), path('nas', 'db1.dump'));
    await expectMetric('stationwatch_backup_offsite_present', { backup_job: 'dumps' }, (v) => v === 1);
    await expectMetric('stationwatch_backup_offsite_match', { backup_job: 'dumps' }, (v) => v === 1);

    // The manifest is written first, as a careful script does; its hash is of other data.
    await writeFile(path('dumps', 'SHA256SUMS'), `${(await readFile(path('dumps', 'SHA256SUMS'), 'utf8')).trim()}\n${'0'.repeat(64)}  db2.dump\n`);
    await land(path('fixtures', 'db.dump'), path('dumps', 'db2.dump'));
    await runs('dumps', 'corrupt', 1);
  });

  it('no backup within the maximum age: a missed run, and the generated overdue rule fires in Prometheus', async () => {
    // With a 4 s limit, one missed run every 4 s since the agent started.
    await expectMetric('stationwatch_backup_runs_total', { backup_job: 'nightly', result: 'missing' }, (v) => v !== undefined && v >= 1);
    await expectMetric('stationwatch_backup_last_result', { backup_job: 'nightly', result: 'missing' }, (v) => v === 1);
    await waitForSeries(`ALERTS{alertname="StationwatchBackupOverdue",alertstate="firing",device="${DEVICE}",backup_job="nightly"}`, 30_000);
    // A verified backup is a success again (with a 4 s limit it is soon overdue once more).
    await land(path('fixtures', 'good.tar.gz'), path('nightly', 'n1.tar.gz'));
    await runs('nightly', 'ok', 1);
  });

  it('a local user without the agent\'s rights cannot report; the agent\'s own report, made while it is stopped, arrives when it starts', async () => {
    const spool = path('agent-state', 'spool', 'backup');
    const refused = await reportAsOutsider(spool);
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(/permission denied|EACCES/);

    expect(await agent.stop()).toBe(0);
    const report = startCli(['backup', 'report', '--config', agentYaml, '--job', 'remote', '--status', 'ok', '--duration', '12.5']);
    expect(await waitForExit(report)).toBe(0);
    expect(report.output()).toContain('reported ok for job remote');
    const unknown = startCli(['backup', 'report', '--config', agentYaml, '--job', 'nope', '--status', 'ok']);
    expect(await waitForExit(unknown)).toBe(1);
    expect(unknown.output()).toContain('job "nope" is not configured');

    agent = startCli(['agent', '--config', agentYaml]);
    await runs('remote', 'ok', 1);
    await expectMetric('stationwatch_backup_reported_duration_seconds', { backup_job: 'remote' }, (v) => v === 12.5);
    // The counters of the first run survived the restart.
    await runs('files', 'corrupt', 2);
    await runs('files', 'ok', 1);
  });
});

async function waitForExit(p: Proc): Promise<number | null> {
  if (p.child.exitCode !== null) return p.child.exitCode;
  return new Promise((resolve) => p.child.once('exit', resolve));
}

/**
 * `backup report` from an account that may not write to the spool: as root, the CLI runs as nobody;
 * otherwise the spool is made read-only for the test's own account for this one call.
 */
async function reportAsOutsider(spool: string): Promise<{ code: number | null; output: string }> {
  const asRoot = process.getuid?.() === 0;
  if (!asRoot) await chmod(spool, 0o500);
  try {
    const child = spawn(process.execPath, [cliPath, 'backup', 'report', '--job', 'remote', '--status', 'ok'], {
      env: { ...process.env, STATIONWATCH_STATE_DIR: join(spool, '..', '..') },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    return { code, output };
  } finally {
    if (!asRoot) await chmod(spool, 0o700);
  }
}
