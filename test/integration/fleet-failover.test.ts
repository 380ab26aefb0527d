// Issue 21's acceptance: two real collectors (CLI processes) on one real PostgreSQL 15 (private
// cluster, loopback), one real agent reporting every 0.5 s. A device enrolled through collector A
// with a one-time code lists A first and B as its failover address. An inspection recorded on A
// shows on B's page (B lists the devices A holds, "held by collector-a"); A is killed with SIGKILL,
// the agent goes on with B, which takes the device over from the store. Afterwards the store shows
// every report the agent made applied exactly once (reports accepted = last seq + 1: a resend applied
// twice would count one more, a lost report one fewer) and the indicator transitions as one chain
// per indicator (no transition recorded twice, no state skipped). Then PostgreSQL is stopped for two
// minutes under B and the agent: B keeps acknowledging, spools the state writes and the transitions of
// the agent going silent and coming back, and drains all of it once PostgreSQL is back.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeDefinitions } from '../../agent/probes/index.js';
import { hashPassword } from '../../collector/store/users.js';
import { startPostgres, type PrivatePostgres } from './fixtures/postgres.js';
import { cliPath, freePort, startCli, waitFor, type Proc } from './fixtures/processes.js';
import { suiteTimer } from './fixtures/prometheus.js';

const run = promisify(execFile);
const DEVICE = 'fleet-pc-01';
const SITE = 'fleet-site';
const PASSWORD = 'fleet-tech-password-01';
// Issue 21's acceptance: "PostgreSQL stopped for 2 minutes and restarted → queued state drained, no event lost".
const OUTAGE_MS = 120_000;

async function cli(args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [cliPath, ...args], { timeout: 30_000 });
  return stdout;
}

interface StatusDevice {
  name: string;
  reporting: boolean;
  collector: string | null;
  badges: { indicator: string; state: string }[];
}

describe('two collectors on one PostgreSQL store: the whole fleet on each page, take-over after a collector is killed', () => {
  let dir: string;
  let postgres: PrivatePostgres | undefined;
  let url: string;
  let a: Proc | undefined;
  let b: Proc | undefined;
  let agent: Proc | undefined;
  let agentYaml = '';
  const base: Record<'a' | 'b', string> = { a: '', b: '' };
  const done = suiteTimer('fleet-failover');

  const json = async <T>(u: string, init?: RequestInit): Promise<T> => {
    const res = await fetch(u, init);
    if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${u}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const statusOn = async (which: 'a' | 'b'): Promise<StatusDevice | undefined> => (await json<{ devices: StatusDevice[] }>(`${base[which]}/api/v1/status`)).devices.find((d) => d.name === DEVICE);
  const output = () => `\n--- collector A:\n${a?.output()}\n--- collector B:\n${b?.output()}\n--- agent:\n${agent?.output()}`;

  beforeAll(async () => {
    if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: run "npm run build" first (npm test does)`);
    dir = await mkdtemp(join(tmpdir(), 'stationwatch-fleet-'));
    postgres = await startPostgres();
    url = await postgres.createDatabase('fleet');
    const hash = await hashPassword(PASSWORD);
    const ports = { a: await freePort(), b: await freePort() };
    for (const which of ['a', 'b'] as const) {
      base[which] = `http://127.0.0.1:${ports[which]}`;
      await writeFile(
        join(dir, `${which}.yaml`),
        `name: collector-${which}\nlisten: { host: 127.0.0.1, port: ${ports[which]} }\nstateDir: ${join(dir, `${which}-state`)}\nstore: { postgres: { url: "${url}", outageRetrySeconds: 0.5 } }\nstatusPage: { evaluateEverySeconds: 0.5 }\nhistory: { enabled: false }\nusers: [{ name: tech, role: technician, passwordHash: "${hash}" }]\nlog: { level: warn }\n`,
      );
    }
    // A first: it migrates the schema; B finds it current.
    a = startCli(['collector', '--config', join(dir, 'a.yaml')]);
    await waitFor('collector A to listen', async () => ((await fetch(`${base.a}/healthz`).catch(() => undefined))?.ok ? true : undefined)).catch((e: Error) => {
      throw new Error(`${e.message}${output()}`);
    });
    b = startCli(['collector', '--config', join(dir, 'b.yaml')]);
    await waitFor('collector B to listen', async () => ((await fetch(`${base.b}/healthz`).catch(() => undefined))?.ok ? true : undefined)).catch((e: Error) => {
      throw new Error(`${e.message}${output()}`);
    });

    // Enrolled through A with a one-time code; B is the failover address.
    const code = (await cli(['collector', 'enrol-code', '--site', SITE, '--config', join(dir, 'a.yaml')])).trim();
    const probes = probeDefinitions.map((p) => `  ${p.name}: { enabled: ${p.name === 'resources'} }`).join('\n');
    agentYaml = join(dir, 'agent.yaml');
    await writeFile(
      agentYaml,
      `device: ${DEVICE}\nsite: ${SITE}\ncollector: { url: "${base.a}", failoverUrls: ["${base.b}"], returnToFirstMinutes: 60 }\nintervals: { fastSeconds: 0.5, slowSeconds: 60 }\nstateDir: ${join(dir, 'agent-state')}\noutbox: { drainPerSecond: 50, maxRetrySeconds: 1 }\nprobes:\n${probes}\nlog: { level: warn }\n`,
    );
    await cli(['agent', 'enrol', '--config', agentYaml, '--code', code]);
    agent = startCli(['agent', '--config', agentYaml]);
  }, 60_000);

  afterAll(async () => {
    await agent?.stop();
    await a?.stop('SIGKILL');
    await b?.stop();
    await postgres?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    done();
  });

  it('an inspection recorded on A shows on B; after A is killed the device reports to B with nothing lost or applied twice', async () => {
    // A holds the device; B lists it from the store, held by A.
    await waitFor('A to hold the reporting device and B to list it', async () => {
      const [onA, onB] = await Promise.all([statusOn('a'), statusOn('b')]);
      return onA?.reporting && onA.collector === 'collector-a' && onB?.collector === 'collector-a' && onB.reporting ? true : undefined;
    }, 20_000).catch((e: Error) => {
      throw new Error(`${e.message}${output()}`);
    });

    const { token } = await json<{ token: string }>(`${base.a}/api/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'tech', password: PASSWORD }) });
    const note = 'fan noisy / 风扇异响';
    await json(`${base.a}/api/v1/inspections`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ device: DEVICE, result: 'fault', note }) });
    const pageB = await (await fetch(`${base.b}/devices/${DEVICE}`)).text();
    expect(pageB).toContain(note);
    expect(pageB).toMatch(/id="held-by" data-collector="collector-a"/);
    // The fleet page of B has A's device card, with its holder.
    const listB = await (await fetch(`${base.b}/`)).text();
    expect(listB).toMatch(new RegExp(`data-device="${DEVICE}"[\\s\\S]*?data-collector="collector-a"`));
    // And its devices export, with the holder in the last column.
    const csvB = (await (await fetch(`${base.b}/export/devices.csv`)).text()).split('\r\n');
    expect(csvB[0]).toMatch(/,collector$/);
    expect(csvB.find((l) => l.startsWith(`${DEVICE},`))).toMatch(/,collector-a$/);

    const before = (await json<{ reportsAccepted: number }>(`${base.a}/api/devices/${DEVICE}`)).reportsAccepted;
    await a!.stop('SIGKILL');
    a = undefined;
    await waitFor('B to take the device over and accept its reports', async () => {
      const onB = await statusOn('b');
      if (onB?.collector !== 'collector-b' || !onB.reporting) return undefined;
      const d = await json<{ reportsAccepted: number }>(`${base.b}/api/devices/${DEVICE}`);
      // B counts on from what A applied (taken from the store), not from zero.
      return d.reportsAccepted > before + 4 ? true : undefined;
    }, 20_000).catch((e: Error) => {
      throw new Error(`${e.message}${output()}`);
    });
    // A few more reports to B, evaluated by B, then the agent stops (SIGINT: it finishes what it sends).
    await new Promise((r) => setTimeout(r, 2000));
    await agent!.stop('SIGINT');
    agent = undefined;

    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const { rows: [state] } = await c.query<{ report: string; reports_accepted: string; holder: string }>('SELECT report, reports_accepted, holder FROM device_state WHERE device = $1', [DEVICE]);
      const last = JSON.parse(state!.report) as { seq: number };
      expect(state!.holder).toBe('collector-b');
      // Seqs 0..last, each applied once: on A, then on B from A's saved state onwards.
      expect(Number(state!.reports_accepted)).toBe(last.seq + 1);
      // Reports on both sides of the kill: those A applied and more that B applied after it.
      expect(Number(state!.reports_accepted)).toBeGreaterThan(before + 4);

      const { rows: events } = await c.query<{ indicator: string; from_state: string; to_state: string; at_ms: string }>('SELECT indicator, from_state, to_state, at_ms FROM events WHERE device = $1 ORDER BY at_ms, id', [DEVICE]);
      const { rows: states } = await c.query<{ indicator: string; state: string }>('SELECT indicator, state FROM indicator_state WHERE device = $1', [DEVICE]);
      expect(states.length).toBeGreaterThan(0);
      const lastTo = new Map<string, string>();
      for (const e of events) {
        expect(e.from_state, `${e.indicator} at ${e.at_ms}`).not.toBe(e.to_state);
        // Each transition starts where the previous one of its indicator ended: none recorded twice.
        if (lastTo.has(e.indicator)) expect(e.from_state, `${e.indicator} at ${e.at_ms}: ${JSON.stringify(events)}`).toBe(lastTo.get(e.indicator));
        lastTo.set(e.indicator, e.to_state);
      }
      for (const s of states) if (lastTo.has(s.indicator)) expect(s.state, s.indicator).toBe(lastTo.get(s.indicator));
      // The inspection recorded on A is in the store once, and B's page still shows it.
      const { rows: insp } = await c.query<{ n: string }>('SELECT count(*) AS n FROM inspections WHERE device = $1', [DEVICE]);
      expect(Number(insp[0]!.n)).toBe(1);
    } finally {
      await c.end();
    }
    const after = await (await fetch(`${base.b}/devices/${DEVICE}`)).text();
    expect(after).toContain(note);
    expect(after).toMatch(/id="held-by" data-collector="collector-b"/);
  }, 60_000);

  it('PostgreSQL stopped for two minutes under B: every report acknowledged and applied once, the silent spell recorded, all drained when it is back', async () => {
    const metric = async (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(await (await fetch(`${base.b}/collector/metrics`)).text())?.[1]);
    const refusedUnavailable = () => metric('stationwatch_collector_reports_received_total\\{result="store_unavailable"\\}');
    // A is gone: the agent, started again, fails over to B at once.
    agent = startCli(['agent', '--config', agentYaml]);
    const reportsOnB = async () => (await json<{ reportsAccepted: number }>(`${base.b}/api/devices/${DEVICE}`)).reportsAccepted;
    const start = await reportsOnB();
    await waitFor('the agent to report to B again', async () => ((await reportsOnB()) > start + 2 ? true : undefined), 20_000).catch((e: Error) => {
      throw new Error(`${e.message}${output()}`);
    });
    const refusedBefore = (await refusedUnavailable()) || 0;

    await postgres!.pause();
    const awayFrom = Date.now();
    await waitFor('B to notice the store is away', async () => ((await metric('stationwatch_collector_store_reachable')) === 0 ? true : undefined), 20_000);
    const duringOutage = await reportsOnB();
    // The agent goes silent for a while, then comes back: both transitions happen while the store is away.
    await new Promise((r) => setTimeout(r, 20_000));
    await agent.stop('SIGINT');
    await waitFor('B to see the device not reporting', async () => ((await statusOn('b'))?.reporting === false ? true : undefined), 20_000);
    agent = startCli(['agent', '--config', agentYaml]);
    await waitFor('B to see the device reporting again', async () => ((await statusOn('b'))?.reporting ? true : undefined), 20_000).catch((e: Error) => {
      throw new Error(`${e.message}${output()}`);
    });
    await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - awayFrom))));
    const spooled = await metric('stationwatch_collector_store_spool_entries');
    expect(spooled, 'state writes waiting in the spool after two minutes away').toBeGreaterThan(0);
    expect(await reportsOnB(), 'B kept applying reports while the store was away').toBeGreaterThan(duringOutage + 100);
    await postgres!.resume();
    const backAt = Date.now();
    await waitFor('the spool to drain', async () => ((await metric('stationwatch_collector_store_spool_entries')) === 0 && (await metric('stationwatch_collector_store_reachable')) === 1 ? true : undefined), 60_000).catch((e: Error) => {
      throw new Error(`${e.message}${output()}`);
    });
    // No report was refused for the store being away: every one was acknowledged (and is in the store below).
    expect(((await refusedUnavailable()) || 0) - refusedBefore).toBe(0);
    await agent.stop('SIGINT');
    agent = undefined;
    // What the agent sent last may still be in the spool's last batch: wait until it is drained too.
    await waitFor('the last reports to drain', async () => ((await metric('stationwatch_collector_store_spool_entries')) === 0 ? true : undefined), 20_000);

    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const { rows: [state] } = await c.query<{ report: string; reports_accepted: string }>('SELECT report, reports_accepted FROM device_state WHERE device = $1', [DEVICE]);
      const last = JSON.parse(state!.report) as { seq: number; agent: { startedAt: number } };
      // The agent restarted (a new process: seq starts again), so count by what B holds in memory and the store.
      expect(Number(state!.reports_accepted)).toBe(await reportsOnB());
      expect(last.seq).toBeGreaterThan(0);
      const { rows: events } = await c.query<{ indicator: string; from_state: string; to_state: string; at_ms: string }>('SELECT indicator, from_state, to_state, at_ms FROM events WHERE device = $1 ORDER BY at_ms, id', [DEVICE]);
      const inOutage = events.filter((e) => Number(e.at_ms) >= awayFrom && Number(e.at_ms) < backAt);
      // Both transitions of the silent spell, recorded during the outage, reached the store with their times.
      expect(inOutage.some((e) => e.to_state === 'not_reporting'), JSON.stringify(events)).toBe(true);
      expect(inOutage.some((e) => e.from_state === 'not_reporting'), JSON.stringify(events)).toBe(true);
      const lastTo = new Map<string, string>();
      for (const e of events) {
        if (lastTo.has(e.indicator)) expect(e.from_state, `${e.indicator} at ${e.at_ms}: ${JSON.stringify(events)}`).toBe(lastTo.get(e.indicator));
        lastTo.set(e.indicator, e.to_state);
      }
    } finally {
      await c.end();
    }
  }, OUTAGE_MS + 120_000);
});
