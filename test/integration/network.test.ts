// The network probe end to end with real packets: a network namespace joined to this one by a veth
// pair, iptables in the namespace dropping a random share P of the echo requests, the real agent
// (built CLI) pinging the namespace's address with a fast interval, and a real collector whose
// /metrics must show the loss. Then the namespace's end of the link goes down: a disconnect.
//
// Needs root (namespaces, iptables, ping -i 0.02); CI runs as root. Every packet stays between this
// namespace and the test's own: the addresses are on the veth pair only, and an `unreachable` route
// for the test's /24 keeps them from ever leaving by the default route. Namespace, veth and route are
// removed after the suite, also when it fails or the process exits.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLossyLink, requireNetworkTools, type LossyLink } from './fixtures/netns.js';
import { cliPath, freePort, startCli, waitFor, type Proc } from './fixtures/processes.js';
import { configurePrometheus, suiteTimer, waitForSeries } from './fixtures/prometheus.js';

const DEVICE = 'it-net-01';
const TOKEN = 'network-integration-token-0123456789';
const P = 0.3;
/**
 * Binomial: with n ≥ 200 requests at P = 0.3 the loss share has σ = √(P(1−P)/n) ≤ 0.0324, so ±0.13
 * is 4σ: a correct probe fails this check about once in 16 000 runs.
 */
const TOLERANCE = 0.13;
const MIN_PACKETS = 200;

const link = { current: undefined as LossyLink | undefined };
const net = () => link.current!;

/** `name{labels} value` lines of the collector's exposition for one device. */
function metricValue(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const want = Object.entries({ device: DEVICE, ...labels });
    if (want.every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

/** Pids of the ping processes aimed at the namespace's address right now. */
function pingProcesses(): string[] {
  const pids: string[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (/(^|\/)ping$/.test(argv[0] ?? '') && argv.includes(net().peerAddr)) pids.push(pid);
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

describe('network probe with real packets (netns + veth + iptables statistic)', () => {
  let dir: string;
  let collector: Proc;
  let agent: Proc;
  let address: string;
  const done = suiteTimer('network');

  const metrics = async () => (await fetch(`http://${address}/metrics`)).text();
  const counts = async () => {
    const text = await metrics();
    const sent = metricValue(text, 'stationwatch_network_ping_sent_total', { target: 'ns-peer' });
    const lost = metricValue(text, 'stationwatch_network_ping_lost_total', { target: 'ns-peer' });
    const lastReply = metricValue(text, 'stationwatch_network_last_reply_timestamp_seconds', { target: 'ns-peer' });
    return { sent, lost, lastReply, text };
  };

  beforeAll(async () => {
    requireNetworkTools();
    if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: run "npm run build" first (npm test does)`);
    link.current = createLossyLink(0, P);
    dir = await mkdtemp(join(tmpdir(), 'stationwatch-net-'));
    const port = await freePort();
    address = `127.0.0.1:${port}`;
    await writeFile(join(dir, 'collector.yaml'), `listen: { host: 127.0.0.1, port: ${port} }\nstaleAfterIntervals: 3\ndevices:\n  - { name: ${DEVICE}, token: ${TOKEN}, site: test-site }\nlog: { level: warn }\n`);
    await writeFile(
      join(dir, 'agent.yaml'),
      [
        `device: ${DEVICE}`,
        'site: test-site',
        `collector: { url: "http://${address}", token: ${TOKEN} }`,
        'intervals: { fastSeconds: 1, slowSeconds: 600 }',
        `stateDir: ${join(dir, 'agent-state')}`,
        'probes:',
        '  inventory: { enabled: false }',
        '  displays: { enabled: false }',
        '  network:',
        '    settings:',
        // Only the namespace: nothing else is pinged (no collector keyword, no gateway).
        `      targets: [{ host: ${net().peerAddr}, label: ns-peer, maxLossRatio: 0.5 }]`,
        // Linux: one ping at the bursts' average rate, (20 × 0.02 + 0) / 20 = one request every 20 ms.
        '      burst: { count: 20, intervalSeconds: 0.02, timeoutSeconds: 0.3, pauseSeconds: 0 }',
        '      windowSeconds: 5',
        `      interfaces: [${net().hostIf}]`,
        'log: { level: warn }',
        '',
      ].join('\n'),
    );
    collector = startCli(['collector', '--config', join(dir, 'collector.yaml')]);
    await waitFor('the collector to listen', async () => ((await fetch(`http://${address}/healthz`)).ok ? true : undefined)).catch((e: Error) => {
      throw new Error(`${e.message}\n${collector.output()}`);
    });
    agent = startCli(['agent', '--config', join(dir, 'agent.yaml')]);
    await waitFor('the agent\'s first network counters', async () => ((await counts()).sent !== undefined ? true : undefined)).catch((e: Error) => {
      throw new Error(`${e.message}\nagent said:\n${agent.output()}`);
    });
    await configurePrometheus([{ job_name: 'stationwatch', honor_labels: true, scrape_interval: '1s', static_configs: [{ targets: [address] }] }]);
  });

  afterAll(async () => {
    try {
      await agent?.stop();
      await collector?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    } finally {
      link.current?.cleanup();
      done();
    }
  });

  it(`measures the share iptables drops (P = ${P}) within ±${TOLERANCE} over ≥ ${MIN_PACKETS} requests, and exactly the DROP rule's count up to requests in flight`, async () => {
    // Sample the process table meanwhile: never two ping processes for the one target, and on Linux
    // the same one all along (one long-running ping per target, not one per burst).
    let most = 0;
    const seen = new Set<string>();
    const sampler = setInterval(() => {
      const pids = pingProcesses();
      most = Math.max(most, pids.length);
      for (const pid of pids) seen.add(pid);
    }, 20);
    let c: Awaited<ReturnType<typeof counts>>;
    try {
      c = await waitFor(`${MIN_PACKETS} echo requests counted by the collector`, async () => {
        const now = await counts();
        return (now.sent ?? 0) >= MIN_PACKETS ? now : undefined;
      }, 45_000);
    } finally {
      clearInterval(sampler);
    }
    // Read after the collector: the rule counters can only have grown since.
    const rules = net().counters();
    const sent = c.sent!;
    const lost = c.lost!;
    expect(sent).toBeGreaterThanOrEqual(MIN_PACKETS);
    expect(Math.abs(lost / sent - P)).toBeLessThanOrEqual(TOLERANCE);
    // Every request the agent counted arrived; every one it counted lost was dropped by the rule, and
    // the dropped ones it has not counted yet belong to bursts not yet reported (in flight).
    expect(rules.arrived).toBeGreaterThanOrEqual(sent);
    expect(rules.dropped).toBeGreaterThanOrEqual(lost);
    expect(rules.dropped - lost).toBeLessThanOrEqual(rules.arrived - sent);
    expect(most).toBe(1);
    expect(seen.size).toBe(1);
    // Beside the values: the RTT figures, the target's own limit, the link up on the named veth.
    expect(metricValue(c.text, 'stationwatch_network_rtt_avg_seconds', { target: 'ns-peer' })).toBeGreaterThan(0);
    expect(metricValue(c.text, 'stationwatch_network_loss_limit_ratio', { target: 'ns-peer' })).toBe(0.5);
    expect(metricValue(c.text, 'stationwatch_network_link_up', { interface: net().hostIf })).toBe(1);
    expect(metricValue(c.text, 'stationwatch_network_link_changes_total', { interface: net().hostIf })).toBe(0);
    expect(metricValue(c.text, 'stationwatch_probe_success', { probe: 'network' })).toBe(1);
  });

  it('shows a disconnect when the link goes down: 100 % loss, the last-reply time frozen, a link change on the veth', async () => {
    net().setPeerLink(false);
    const downAt = Date.now() / 1000;
    await waitFor('the collector to show the veth down with one link change', async () => {
      const text = await metrics();
      const up = metricValue(text, 'stationwatch_network_link_up', { interface: net().hostIf });
      const changes = metricValue(text, 'stationwatch_network_link_changes_total', { interface: net().hostIf }) ?? 0;
      return up === 0 && changes >= 1 ? true : undefined;
    });
    // Let the requests in flight at the change be settled and reported, then compare two readings.
    await new Promise((r) => setTimeout(r, 2500));
    const before = await counts();
    const after = await waitFor('40 more requests to be reported', async () => {
      const now = await counts();
      return now.sent! - before.sent! >= 40 ? now : undefined;
    });
    expect(after.lost! - before.lost!).toBe(after.sent! - before.sent!);
    expect(after.lastReply).toBe(before.lastReply);
    expect(after.lastReply!).toBeLessThanOrEqual(downAt + 1);
    expect(metricValue(after.text, 'stationwatch_probe_success', { probe: 'network' })).toBe(1);
    // and Prometheus scraping the collector sees it too
    await waitForSeries(`stationwatch_network_link_up{device="${DEVICE}",interface="${net().hostIf}"} == 0`);
  });
});
