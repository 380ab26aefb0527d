// The network probe with a fake ping: counters from recorded outputs, the last-reply time, per-target
// limits, probe errors versus losses, and never two ping processes for one target at a time. Linux:
// one long-running ping per target, here a real child process (a shell script printing recorded
// iputils lines with their timing), restarted when it exits, killed when silent or on stop. Windows
// and macOS: bursts, each with a hard deadline (a fake child). (The real ping against real packets is
// test/integration/network.test.ts.)
import { EventEmitter } from 'node:events';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger.js';
import { createNetwork, NetworkSettings, type NetworkIo } from '../../agent/probes/network.js';
import { readSysfsLinks } from '../../agent/probes/network-links.js';
import { pingCommand, runBurst, type PingChild, type PingCommand } from '../../agent/probes/network-ping-run.js';
import type { ProbeInstance, Reading } from '../../agent/probes/probe.js';
import { systemClock } from '../../agent/clock.js';
import { alive } from '../helpers/alive.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/ping/${name}`, import.meta.url));
const sysRoot = fileURLToPath(new URL('../fixtures/sysfs-net', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A ping process that prints `output` after `delayMs` and exits; SIGKILL ends it `exitAfterKillMs` later. */
class FakePing extends EventEmitter implements PingChild {
  stdout = new PassThrough();
  stderr = new PassThrough();
  killed = false;
  closed = false;
  constructor(output: Buffer | undefined, delayMs: number, private readonly exitAfterKillMs = 0) {
    super();
    if (output) setTimeout(() => this.finish(output), delayMs);
  }
  finish(output: Buffer) {
    if (this.closed || this.killed) return;
    this.stdout.end(output);
    this.stderr.end();
    this.close();
  }
  close() {
    if (this.closed) return;
    this.closed = true;
    setImmediate(() => this.emit('close', this.killed ? null : 0));
  }
  kill() {
    this.killed = true;
    this.stdout.end();
    this.stderr.end();
    setTimeout(() => this.close(), this.exitAfterKillMs);
    return true;
  }
}

const values = (readings: Reading[], metric: string) =>
  Object.fromEntries(readings.flatMap((r) => (r.kind === 'sample' && r.metric.name === metric ? [[Object.values(r.labels ?? {}).join('/'), r.value]] : [])));

let instance: ProbeInstance | undefined;
afterEach(async () => {
  await instance?.stop?.();
  instance = undefined;
});

function probe(settings: Record<string, unknown>, spawner?: (cmd: PingCommand) => PingChild, opts: { deadlineMs?: number; silenceMs?: number; platform?: NodeJS.Platform } = {}): ProbeInstance {
  const platform = opts.platform ?? 'darwin';
  const io: NetworkIo = {
    ...(spawner ? { spawner } : {}),
    ...(opts.deadlineMs === undefined ? {} : { deadlineMs: opts.deadlineMs }),
    ...(opts.silenceMs === undefined ? {} : { silenceMs: opts.silenceMs }),
    // the sysfs fixture stands for the links on every platform (elsewhere they come from systeminformation)
    ...(platform === 'linux' ? {} : { readLinks: (named: readonly string[]) => readSysfsLinks(sysRoot, named) }),
  };
  instance = createNetwork(
    {
      log: silentLogger,
      clock: systemClock(),
      platform,
      stateDir: '/nonexistent',
      procRoot: '/nonexistent',
      sysRoot,
      settings: Value.Default(NetworkSettings, settings) as Record<string, unknown>,
      collectorUrl: 'http://127.0.0.1:9847',
    },
    io,
  );
  return instance;
}

const fast = { count: 10, intervalSeconds: 0.002, timeoutSeconds: 0.05, pauseSeconds: 0 };
const ctx = { signal: new AbortController().signal };

describe('network probe on Windows and macOS: bursts', () => {
  it('counts sent and lost per target from every burst, with the last-reply time, RTT figures and the target\'s own limits', async () => {
    const outputs: Record<string, Buffer> = { '127.0.0.1': fixture('linux/partial.txt'), '10.20.0.5': fixture('linux/100loss.txt') };
    const bursts: Record<string, number> = {};
    const p = probe({ targets: ['collector', { host: '10.20.0.5', label: 'core-banking', maxLossRatio: 0.01, maxRttMs: 50 }], burst: fast }, (cmd) => {
      const host = cmd.args.at(-1)!;
      bursts[host] = (bursts[host] ?? 0) + 1;
      return new FakePing(outputs[host], 2);
    });
    const before = Date.now();
    await p.start!();
    await sleep(150);
    const r = await p.collect(ctx);
    await p.stop!();
    const collector = bursts['127.0.0.1']!;
    expect(collector).toBeGreaterThan(3);
    // partial.txt: 10 sent, 5 answered; 100loss.txt: 5 sent, none answered. A burst may have ended
    // after the collect; the counts at the collect are whole bursts.
    const sent = values(r, 'stationwatch_network_ping_sent_total');
    const lost = values(r, 'stationwatch_network_ping_lost_total');
    expect(sent.collector! % 10).toBe(0);
    expect(lost.collector).toBe(sent.collector! / 2);
    expect(sent['core-banking']! % 5).toBe(0);
    expect(lost['core-banking']).toBe(sent['core-banking']);
    expect(values(r, 'stationwatch_network_target_info')).toEqual({ 'collector/127.0.0.1': 1, 'core-banking/10.20.0.5': 1 });
    // core banking never answered: no last reply, no RTT (absent, not 0)
    expect(Object.keys(values(r, 'stationwatch_network_last_reply_timestamp_seconds'))).toEqual(['collector']);
    expect(values(r, 'stationwatch_network_last_reply_timestamp_seconds').collector! * 1000).toBeGreaterThanOrEqual(before);
    expect(values(r, 'stationwatch_network_rtt_min_seconds')).toEqual({ collector: 0.000041 });
    expect(values(r, 'stationwatch_network_rtt_max_seconds')).toEqual({ collector: 0.000061 });
    expect(Object.keys(values(r, 'stationwatch_network_rtt_avg_seconds'))).toEqual(['collector']);
    expect(Object.keys(values(r, 'stationwatch_network_jitter_seconds'))).toEqual(['collector']);
    expect(values(r, 'stationwatch_network_loss_limit_ratio')).toEqual({ 'core-banking': 0.01 });
    expect(values(r, 'stationwatch_network_rtt_limit_seconds')).toEqual({ 'core-banking': 0.05 });
    // link state from the sysfs fixture
    expect(values(r, 'stationwatch_network_link_up')).toEqual({ enp3s0: 0, eth0: 1, wlan0: 0 });
    expect(values(r, 'stationwatch_network_link_changes_total')).toEqual({ enp3s0: 0, eth0: 0, wlan0: 0 });
  });

  it('never runs two ping processes for one target, however slow they are to exit after a kill', async () => {
    const running = new Map<string, number>();
    let most = 0;
    let spawned = 0;
    let hung = 0;
    const p = probe({ targets: ['collector', '10.0.0.7', '10.0.0.8'], burst: fast }, (cmd) => {
      const host = cmd.args.at(-1)!;
      const now = (running.get(host) ?? 0) + 1;
      running.set(host, now);
      most = Math.max(most, now);
      spawned++;
      // every third burst hangs until it is killed at its 20 ms deadline, and then takes 30 ms to die
      const child = spawned % 3 === 0 ? new FakePing(undefined, 0, 30) : new FakePing(fixture('linux/ok.txt'), Math.random() * 5);
      if (child.closed === false && spawned % 3 === 0) hung++;
      child.once('close', () => running.set(host, running.get(host)! - 1));
      return child;
    }, { deadlineMs: 20 });
    await p.start!();
    await sleep(300);
    await p.stop!();
    expect(spawned).toBeGreaterThan(12);
    expect(hung).toBeGreaterThan(3);
    expect(most).toBe(1);
    expect([...running.values()].every((n) => n === 0)).toBe(true);
  });

  it('reports a target whose ping is not permitted as a probe failure saying so, not as loss', async () => {
    const p = probe({ burst: fast }, () => new FakePing(fixture('linux/not-permitted.txt'), 1));
    await p.start!();
    await sleep(50);
    await expect(p.collect(ctx)).rejects.toThrow(/collector: ping is not permitted to send ICMP/);
  });

  it('counts a name that does not resolve as lost packets', async () => {
    const p = probe({ targets: [{ host: 'core.bank.invalid', label: 'core-banking' }], burst: { ...fast, count: 3 } }, () => new FakePing(fixture('linux/unknown-host.txt'), 1));
    await p.start!();
    await sleep(60);
    const r = await p.collect(ctx);
    expect(values(r, 'stationwatch_network_ping_sent_total')['core-banking']).toBeGreaterThan(0);
    expect(values(r, 'stationwatch_network_ping_lost_total')).toEqual(values(r, 'stationwatch_network_ping_sent_total'));
  });

  it('says which package to install when there is no ping', async () => {
    const p = probe({ burst: fast, pingPath: '/nonexistent/ping' }, (cmd) => {
      throw Object.assign(new Error(`spawn ${cmd.file} ENOENT`), { code: 'ENOENT' });
    });
    await p.start!();
    await sleep(30);
    await expect(p.collect(ctx)).rejects.toThrow(/collector: cannot start \/nonexistent\/ping/);
  });

  it('fails with the configuration mistake when a label is used twice', async () => {
    const p = probe({ targets: ['10.0.0.1', { host: '10.0.0.2', label: '10.0.0.1' }] }, () => new FakePing(undefined, 0));
    await expect(p.collect(ctx)).rejects.toThrow(/"10.0.0.1" is listed twice/);
  });
});

describe('one burst', () => {
  it('is killed at its deadline and resolves only once the process has exited', async () => {
    const child = new FakePing(undefined, 0, 40);
    const t0 = Date.now();
    const result = await runBurst({ file: 'ping', args: [], env: {} }, 5, { deadlineMs: 30, spawner: () => child });
    expect(child.killed).toBe(true);
    expect(child.closed).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(65);
    expect(result).toEqual({ sent: 5, received: 0, rttsMs: [], failure: 'timeout' });
  });

  it('starts a real missing program with a message naming the package', async () => {
    await expect(runBurst({ file: '/nonexistent/ping', args: [], env: {} }, 1, { deadlineMs: 1000 })).rejects.toThrow(/not found: install the system ping \(Debian: apt-get install iputils-ping\)/);
  });
});

describe('ping command lines', () => {
  const burst = { count: 5, intervalSeconds: 0.2, timeoutSeconds: 1.5 };
  it('per platform, with C locale where ping is translated', () => {
    const linux = pingCommand('linux', '10.0.0.1', burst);
    expect([linux.file, ...linux.args]).toEqual(['ping', '-n', '-c', '5', '-i', '0.2', '-W', '1.5', '10.0.0.1']);
    expect(linux.env.LC_ALL).toBe('C');
    const mac = pingCommand('darwin', '10.0.0.1', burst);
    expect([mac.file, ...mac.args]).toEqual(['ping', '-n', '-c', '5', '-i', '0.2', '-W', '1500', '10.0.0.1']);
    expect(pingCommand('darwin', 'fe80::1', burst).file).toBe('ping6');
    const win = pingCommand('win32', '10.0.0.1', burst);
    expect([win.file, ...win.args]).toEqual(['ping', '-n', '5', '-w', '1500', '10.0.0.1']);
  });
});

// Linux: shell scripts standing in for iputils, printing recorded lines (see network-ping-stream.test.ts)
// as the real one does: one line per request as it goes, on a pipe.
const scripts = mkdtempSync(join(tmpdir(), 'stationwatch-fake-ping-'));
afterAll(() => rmSync(scripts, { recursive: true, force: true }));

/** A fake ping: `body` is shell; its arguments are ignored except that they are logged to `<name>.args`. */
function fakePing(name: string, body: string): string {
  const path = join(scripts, name);
  writeFileSync(path, `#!/bin/sh\necho "$*" >> ${path}.args\necho $$ >> ${path}.pids\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

const pids = (script: string) => readFileSync(`${script}.pids`, 'utf8').trim().split('\n').map(Number);

/** Default bursts on Linux: 5 requests per 10 s → ping -i 2. Tests use 10 per 0.2 s → -i 0.02. */
const live = { count: 10, intervalSeconds: 0.002, timeoutSeconds: 0.05, pauseSeconds: 0.18 };

describe('network probe on Linux: one long-running ping per target', () => {
  it('counts sent and lost by icmp_seq from the one process, with the last-reply time, RTT figures and limits', async () => {
    const script = fakePing(
      'lossy',
      `echo 'PING 10.20.0.5 (10.20.0.5) 56(84) bytes of data.'
for l in '64 bytes from 10.20.0.5: icmp_seq=1 ttl=64 time=0.5 ms' 'no answer yet for icmp_seq=2' '64 bytes from 10.20.0.5: icmp_seq=3 ttl=64 time=1.5 ms' 'From 10.20.0.1 icmp_seq=4 Destination Host Unreachable' '64 bytes from 10.20.0.5: icmp_seq=5 ttl=64 time=1.0 ms'; do
  echo "$l"; sleep 0.02
done
exec sleep 600`,
    );
    const before = Date.now();
    const p = probe({ targets: [{ host: '10.20.0.5', label: 'core-banking', maxLossRatio: 0.01, maxRttMs: 50 }], burst: live, pingPath: script }, undefined, { platform: 'linux' });
    await p.start!();
    await sleep(400);
    const r = await p.collect(ctx);
    const again = await p.collect(ctx);
    const [pid] = pids(script);
    expect(pids(script)).toHaveLength(1);
    expect(alive(pid!)).toBe(true);
    expect(readFileSync(`${script}.args`, 'utf8').trim()).toBe('-n -O -i 0.02 -W 0.05 10.20.0.5');
    expect(values(r, 'stationwatch_network_ping_sent_total')).toEqual({ 'core-banking': 5 });
    expect(values(r, 'stationwatch_network_ping_lost_total')).toEqual({ 'core-banking': 2 });
    expect(values(again, 'stationwatch_network_ping_sent_total')).toEqual({ 'core-banking': 5 });
    expect(values(r, 'stationwatch_network_last_reply_timestamp_seconds')['core-banking']! * 1000).toBeGreaterThanOrEqual(before);
    expect(values(r, 'stationwatch_network_rtt_min_seconds')).toEqual({ 'core-banking': 0.0005 });
    expect(values(r, 'stationwatch_network_rtt_max_seconds')).toEqual({ 'core-banking': 0.0015 });
    expect(values(r, 'stationwatch_network_rtt_avg_seconds')).toEqual({ 'core-banking': 0.001 });
    expect(values(r, 'stationwatch_network_jitter_seconds')).toEqual({ 'core-banking': 0.00075 });
    expect(values(r, 'stationwatch_network_target_info')).toEqual({ 'core-banking/10.20.0.5': 1 });
    expect(values(r, 'stationwatch_network_loss_limit_ratio')).toEqual({ 'core-banking': 0.01 });
    expect(values(r, 'stationwatch_network_link_up')).toEqual({ enp3s0: 0, eth0: 1, wlan0: 0 });
    // stop() kills it and waits for it: nothing left behind
    await p.stop!();
    expect(alive(pid!)).toBe(false);
  });

  it('restarts a ping that exits, with backoff, counting the time without one as lost at the configured rate', async () => {
    const script = fakePing('unknown-host', `echo 'ping: core.bank.invalid: Temporary failure in name resolution' >&2; exit 2`);
    const p = probe({ targets: [{ host: 'core.bank.invalid', label: 'core-banking' }], burst: live, pingPath: script }, undefined, { platform: 'linux' });
    const t0 = Date.now();
    await p.start!();
    await sleep(1400);
    const r = await p.collect(ctx);
    // started at 0 and after 1 s; the next after 2 s more
    expect(pids(script)).toHaveLength(2);
    const sent = values(r, 'stationwatch_network_ping_sent_total')['core-banking']!;
    // one request per 20 ms for ~1.4 s
    expect(sent).toBeGreaterThanOrEqual(60);
    expect(sent).toBeLessThanOrEqual((Date.now() - t0) / 20);
    expect(values(r, 'stationwatch_network_ping_lost_total')['core-banking']).toBe(sent);
    expect(values(r, 'stationwatch_network_last_reply_timestamp_seconds')).toEqual({});
  });

  it('kills a ping that falls silent (a hung name lookup), counts its time as lost, and starts another', async () => {
    const script = fakePing('hung', `echo 'PING 10.0.0.7 (10.0.0.7) 56(84) bytes of data.'\nexec sleep 600`);
    const p = probe({ targets: ['10.0.0.7'], burst: live, pingPath: script }, undefined, { platform: 'linux', silenceMs: 600 });
    const t0 = Date.now();
    await p.start!();
    // killed at 0.6 s, the next started 1 s later (backoff), to be killed at 2.2 s
    await sleep(1900);
    const r = await p.collect(ctx);
    const [first, second] = pids(script);
    expect(alive(first!)).toBe(false);
    expect(alive(second!)).toBe(true);
    const sent = values(r, 'stationwatch_network_ping_sent_total')['10.0.0.7']!;
    // from the first one's start to the second one's: ~1.6 s at one request per 20 ms
    expect(sent).toBeGreaterThanOrEqual(75);
    expect(sent).toBeLessThanOrEqual((Date.now() - t0) / 20);
    expect(values(r, 'stationwatch_network_ping_lost_total')['10.0.0.7']).toBe(sent);
    await p.stop!();
    expect(alive(second!)).toBe(false);
  });

  it('reports a ping that is not permitted as a probe failure saying so, not as loss', async () => {
    const script = fakePing('not-permitted', `cat '${fileURLToPath(new URL('../fixtures/ping/linux/not-permitted.txt', import.meta.url))}' >&2; exit 2`);
    const p = probe({ burst: live, pingPath: script }, undefined, { platform: 'linux' });
    await p.start!();
    await expect(failureOnceRun(p)).rejects.toThrow(/collector: ping is not permitted to send ICMP/);
  });

  it('says which package to install when there is no ping', async () => {
    const p = probe({ burst: live, pingPath: '/nonexistent/ping' }, undefined, { platform: 'linux' });
    await p.start!();
    await expect(failureOnceRun(p)).rejects.toThrow(/collector: \/nonexistent\/ping not found: install the system ping \(Debian: apt-get install iputils-ping\)/);
  });
});

/**
 * The probe's collect once its ping has run: a real command started by the probe may take longer than
 * any fixed sleep while the rest of the suite loads the machine (a 100 ms sleep failed in CI), and a
 * collect before it has run reports nothing sent yet. Retries for up to 10 s while collect resolves.
 */
async function failureOnceRun(p: { collect: (c: typeof ctx) => Promise<unknown> }): Promise<unknown> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const r = await p.collect(ctx);
    if (Date.now() > deadline) return r;
    await sleep(50);
  }
}
