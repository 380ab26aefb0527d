// Fault tests with real processes: the collector SIGKILLed while 20 real agents report, restarted a
// few seconds later — every report applied exactly once (the collector's persisted count of applied
// reports equals each agent's sequence), counters intact, the outage counted, no agent crashed; and
// a process SIGKILLed while writing its outbox leaves every acknowledged report whole on disk.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeDefinitions } from '../../agent/probes/index.js';
import { cliPath, freePort, repoRoot, startCli, waitFor, type Proc } from './fixtures/processes.js';
import { suiteTimer } from './fixtures/prometheus.js';

const AGENTS = 20;
const names = Array.from({ length: AGENTS }, (_, i) => `fault-pc-${String(i).padStart(2, '0')}`);
const token = (name: string) => `fault-token-${name}-0123456789`;
const SOLO = 'fault-solo';

interface DeviceView {
  reporting: boolean;
  reportsAccepted: number;
  agent: { startedAt: string } | null;
  samples: Array<{ metric: string; value: number }>;
}

describe('faults with real processes', () => {
  let dir: string;
  let base: string;
  let collector: Proc | undefined;
  const agents: Proc[] = [];
  const done = suiteTimer('reliability-faults');

  const device = async (name: string) => (await (await fetch(`${base}/api/devices/${name}`)).json()) as DeviceView & { error?: string };
  const sample = (d: DeviceView, metric: string) => d.samples.find((s) => s.metric === metric)?.value;
  const startCollector = async () => {
    collector = startCli(['collector', '--config', join(dir, 'collector.yaml')]);
    await waitFor('the collector to listen', async () => ((await fetch(`${base}/healthz`)).ok ? true : undefined)).catch((e: Error) => {
      throw new Error(`${e.message}\n${collector?.output()}`);
    });
  };

  beforeAll(async () => {
    if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: run "npm run build" first (npm test does)`);
    dir = await mkdtemp(join(tmpdir(), 'stationwatch-faults-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const devices = [...names, SOLO].map((n) => `  - { name: ${n}, token: ${token(n)}, site: fault-site }`).join('\n');
    await writeFile(join(dir, 'collector.yaml'), `listen: { host: 127.0.0.1, port: ${port} }\nstateDir: ${join(dir, 'collector-state')}\nstaleAfterIntervals: 3\ndevices:\n${devices}\nlog: { level: warn }\n`);
    // Only the cheap probes (and stability, whose boot counter is the event that must not be lost).
    const probes = probeDefinitions.map((p) => `  ${p.name}: { enabled: ${p.name === 'resources' || p.name === 'stability'} }`).join('\n');
    for (const n of [...names, SOLO]) {
      await writeFile(join(dir, `${n}.yaml`), `device: ${n}\nsite: fault-site\ncollector: { url: "${base}", token: ${token(n)} }\nintervals: { fastSeconds: 0.5, slowSeconds: 60 }\nstateDir: ${join(dir, n)}\noutbox: { drainPerSecond: 20, maxRetrySeconds: 4 }\nprobes:\n${probes}\nlog: { level: warn }\n`);
    }
    await startCollector();
    for (const n of names) agents.push(startCli(['agent', '--config', join(dir, `${n}.yaml`)]));
  }, 90_000);

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await collector?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    done();
  });

  it('the collector killed with SIGKILL while 20 agents report: after its restart every report is applied exactly once', async () => {
    await waitFor('all 20 agents to report', async () => {
      const views = await Promise.all(names.map(device));
      return views.every((v) => v.reporting && v.reportsAccepted >= 3) ? true : undefined;
    }, 60_000);
    const before = await Promise.all(names.map(device));
    const boots = before.map((v) => sample(v, 'stationwatch_boots_total'));
    expect(boots.every((b) => b !== undefined && b >= 0)).toBe(true); // a fresh state directory starts at 0

    expect(await collector!.stop('SIGKILL')).toBe(null);
    await new Promise((r) => setTimeout(r, 4000)); // agents keep making reports meanwhile
    await startCollector();

    // Restored at once from the store: nothing acknowledged was forgotten.
    const restored = await Promise.all(names.map(device));
    restored.forEach((v, i) => expect(v.reportsAccepted).toBeGreaterThanOrEqual(before[i]!.reportsAccepted));

    const after = await waitFor('every agent to catch up (outbox drained, outage counted)', async () => {
      const views = await Promise.all(names.map(device));
      const ok = views.every((v) => v.reporting && (sample(v, 'stationwatch_agent_collector_outages_total') ?? 0) >= 1 && (sample(v, 'stationwatch_agent_outbox_reports') ?? 99) <= 1);
      return ok ? views : undefined;
    }, 60_000);

    for (const [i, v] of after.entries()) {
      // The count of applied reports (persisted across the kill) equals the agent's own sequence:
      // no report lost, none applied twice.
      // The agents keep reporting meanwhile: the count (memory) and the stored seq (disk) are read
      // one after the other, and a report accepted between the two reads would pair them wrongly, so
      // they are read again until a pair is consistent — a lost or doubly applied report never is.
      const counted = async () => {
        const detail = (await (await fetch(`${base}/api/devices/${names[i]}`)).json()) as { reportsAccepted: number };
        return { reportsAccepted: detail.reportsAccepted, seq: await lastSeq(names[i]!) };
      };
      let pair = await counted();
      for (let tries = 0; tries < 20 && pair.reportsAccepted !== pair.seq + 1; tries++) pair = await counted();
      expect(pair.reportsAccepted, names[i]).toBe(pair.seq + 1);
      expect(sample(v, 'stationwatch_boots_total')).toBe(boots[i]);
      expect(sample(v, 'stationwatch_agent_reports_dropped_total')).toBe(0);
    }
    // No agent crashed.
    for (const a of agents) expect(a.child.exitCode, a.output()).toBe(null);
  }, 150_000);

  /** The seq of the device's last applied report, read from the collector's store (beside it: SQLite WAL). */
  async function lastSeq(name: string): Promise<number> {
    const db = await import('better-sqlite3');
    const conn = new db.default(join(dir, 'collector-state', 'collector.sqlite'), { readonly: true, fileMustExist: true });
    try {
      const row = conn.prepare('SELECT report FROM device_state WHERE device = ?').get(name) as { report: string };
      return (JSON.parse(row.report) as { seq: number }).seq;
    } finally {
      conn.close();
    }
  }

  it('a process SIGKILLed while writing its outbox leaves every acknowledged report whole', async () => {
    const outboxDir = join(dir, 'crash-outbox');
    await mkdir(outboxDir, { recursive: true });
    const script = `
      const { Outbox } = await import(${JSON.stringify(`${repoRoot}dist/agent/outbox/outbox.js`)});
      const { pino } = await import('pino');
      const box = await Outbox.open(process.argv[1], { maxBytes: 1e12, maxReports: 1e9, maxAgeMs: 1e12 }, pino({ level: 'silent' }), Date.now);
      const samples = Array.from({ length: 150 }, (_, i) => ({ metric: 'stationwatch_cpu_utilisation_ratio', value: i }));
      for (let seq = Number(process.argv[2]); ; seq++) {
        await box.append({ schemaVersion: 1, device: 'crash-pc', agent: { version: 't', platform: 'linux', startedAt: 1 }, seq, createdAt: Date.now(), sentAt: Date.now(), intervalSeconds: 1, probes: [], samples, unavailable: [] });
        process.stdout.write(seq + '\\n');
      }`;
    let next = 0;
    for (let round = 0; round < 5; round++) {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script, outboxDir, String(next)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (err += b.toString()));
      await waitFor('the writer to append', async () => (out.split('\n').length > 20 ? true : undefined), 20_000).catch((e: Error) => {
        throw new Error(`${e.message}: ${err}`);
      });
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 200));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const acknowledged = out.split('\n').filter(Boolean).map(Number);

      const files = (await readdir(outboxDir)).filter((n) => /^\d{12}-\d+\.json$/.test(n)).sort();
      const seqs: number[] = [];
      for (const f of files) seqs.push((JSON.parse(await readFile(join(outboxDir, f), 'utf8')) as { seq: number }).seq); // every file parses
      for (const s of acknowledged) expect(seqs).toContain(s);
      // in order, no duplicates
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
      expect(new Set(seqs).size).toBe(seqs.length);
      next = (seqs.at(-1) ?? 0) + 1;
    }
  }, 120_000);

  it('the real agent SIGKILLed while the collector is away: its outbox is intact and delivered after restart', async () => {
    await collector!.stop('SIGTERM');
    const outbox = join(dir, SOLO, 'spool', 'reports');
    const queued = async () => (await readdir(outbox).catch(() => [] as string[])).filter((n) => /^\d{12}-\d+\.json$/.test(n)).sort();
    for (let round = 0; round < 3; round++) {
      const solo = startCli(['agent', '--config', join(dir, `${SOLO}.yaml`)]);
      const had = (await queued()).length;
      await waitFor('the agent to queue reports', async () => ((await queued()).length >= had + 3 ? true : undefined), 20_000).catch((e: Error) => {
        throw new Error(`${e.message}\n${solo.output()}`);
      });
      await new Promise((r) => setTimeout(r, Math.random() * 500));
      expect(await solo.stop('SIGKILL')).toBe(null);
    }
    const files = await queued();
    const seen = new Set<string>();
    for (const f of files) {
      const r = JSON.parse(await readFile(join(outbox, f), 'utf8')) as { device: string; seq: number; agent: { startedAt: number } };
      expect(r.device).toBe(SOLO);
      const key = `${r.agent.startedAt}:${r.seq}`;
      expect(seen.has(key)).toBe(false);
      seen.add(key);
    }
    expect(seen.size).toBeGreaterThanOrEqual(9);

    await startCollector();
    const solo = startCli(['agent', '--config', join(dir, `${SOLO}.yaml`)]);
    agents.push(solo);
    // every report the killed agents queued is applied, once each (plus the new run's)
    await waitFor('the queued reports to be delivered', async () => {
      const v = await device(SOLO);
      return v.reporting && v.reportsAccepted >= files.length && (await queued()).length <= 1 ? true : undefined;
    }, 60_000);
    const v = await device(SOLO);
    expect(sample(v, 'stationwatch_agent_reports_dropped_total')).toBe(0);
  }, 120_000);
});
