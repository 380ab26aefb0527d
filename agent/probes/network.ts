// network — "connection stable, no disconnects, latency or packet loss" (断线、延迟、丢包).
// Each target is pinged in the background from start() to stop(), so a short outage between two
// reports is still caught; collect() only reads the counters. On Linux one long-running iputils ping
// per target (network-ping-live.ts: no process per measurement); elsewhere a loop per target runs a
// small burst, pauses, and runs the next, each burst awaited to its process' exit. Either way never two
// ping processes for one target. Losses (no reply, name not found, no route) are counted; a ping that
// cannot measure at all (no privilege, bad arguments) makes the probe fail with that message.
//
// Per target: requests sent and lost (counters), min/avg/max RTT and jitter over `windowSeconds`, the
// time of the last reply, and the target's own limits when configured. Plus link state per interface.
import { Type, type Static } from '@sinclair/typebox';
import { m } from '../../protocol/metrics.js';
import { describeError } from '../runner.js';
import { LinkTracker, type LinkReading } from './network-links.js';
import { withDeadline } from '../exec/deadline.js';
import { consoleEncodingOf } from '../windows/powershell.js';
import { LivePing, liveIntervalSeconds } from './network-ping-live.js';
import { PingError } from './network-ping-parse.js';
import { burstDeadlineMs, livePing, pingCommand, runBurst, type PingSpawner } from './network-ping-run.js';
import { platformPart, type PlatformFiles } from './platform.js';
import { buildTargets, normaliseTargets, type Target } from './network-targets.js';
import { targetReadings } from './network-target-readings.js';
import { sample, unavailable, type ProbeDefinition, type ProbeInstance, type ProbeSetup, type Reading } from './probe.js';
import { abortableSleep } from './abortable-sleep.js';

// A host or address as ping gets it: never starting with "-", so it cannot be read as an option.
const Host = Type.String({ pattern: '^[A-Za-z0-9_\\[][A-Za-z0-9_.:%\\[\\]-]{0,252}$', description: 'a host name, an address, or the keyword collector or gateway' });

export const NetworkSettings = Type.Object(
  {
    /** `collector` (the collector URL's host) and `gateway` (the default route's gateway) are keywords. */
    targets: Type.Array(
      Type.Union([
        Host,
        Type.Object(
          {
            host: Host,
            label: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[^\\u0000-\\u001f]+$' })),
            maxLossRatio: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
            maxRttMs: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 60_000 })),
          },
          { additionalProperties: false },
        ),
      ]),
      { default: ['collector'], maxItems: 32 },
    ),
    /**
     * Windows and macOS run bursts of `count` requests `intervalSeconds` apart with `pauseSeconds`
     * between them. Linux runs one ping per target that never stops, at the bursts' average rate: one
     * request every (count × intervalSeconds + pauseSeconds) / count seconds (defaults: 2 s), and a
     * request counts as lost once the next is due without its reply; `timeoutSeconds` is ping's -W.
     */
    burst: Type.Object(
      {
        count: Type.Integer({ minimum: 1, maximum: 100, default: 5 }),
        /** Below 0.2 s iputils needs root (or CAP_NET_RAW) and Windows ignores it (always 1 s). */
        intervalSeconds: Type.Number({ minimum: 0.002, maximum: 10, default: 1 }),
        timeoutSeconds: Type.Number({ minimum: 0.05, maximum: 30, default: 2 }),
        /** Pause between the end of one burst and the start of the next. */
        pauseSeconds: Type.Number({ minimum: 0, maximum: 3600, default: 5 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Round-trip statistics cover the bursts that ended within this many seconds. */
    windowSeconds: Type.Number({ minimum: 1, maximum: 3600, default: 60 }),
    /** Virtual interfaces to watch besides the physical ones (a VPN's tun0, a bridge). */
    interfaces: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { default: [], maxItems: 32 }),
    /** The ping program, when it is not `ping` on the PATH. */
    pingPath: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

export type NetworkSettings = Static<typeof NetworkSettings>;

/** The outside world, replaceable in tests. */
export interface NetworkIo {
  spawner?: PingSpawner;
  readLinks?: (named: readonly string[]) => Promise<LinkReading[]>;
  defaultGateway?: () => Promise<string>;
  /** Overrides the burst deadline (tests of the kill path). */
  deadlineMs?: number;
  /** Linux: overrides the silence after which a running ping is killed (tests of the kill path). */
  silenceMs?: number;
}

interface BurstRecord {
  endMono: number;
  rttsMs: number[];
  summary?: { minMs: number; avgMs: number; maxMs: number; devMs?: number };
}

/** One target's loop and counters. */
class TargetMonitor {
  sent = 0;
  lost = 0;
  host?: string;
  lastReplyWallMs?: number;
  error?: string;
  /** Monotonic start of the burst under way; undefined between bursts. */
  runningSinceMono?: number;
  private readonly bursts: BurstRecord[] = [];

  constructor(
    readonly target: Target,
    private readonly setup: ProbeSetup,
    private readonly settings: NetworkSettings,
    private readonly io: NetworkIo,
  ) {}

  get deadlineMs(): number {
    return this.io.deadlineMs ?? burstDeadlineMs(this.setup.platform, this.settings.burst);
  }

  async loop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const t0 = this.setup.clock.monoMs();
      await this.burst(signal);
      // A burst that ended at once (name not found, no route, no gateway) still stands for the time a
      // real one takes, so a dead target is not probed faster than a live one; a ping that cannot run
      // at all is retried no faster than once a second.
      const nominalMs = this.settings.burst.count * this.settings.burst.intervalSeconds * 1000;
      const elapsed = this.setup.clock.monoMs() - t0;
      const rest = this.error ? Math.max(1000, nominalMs) - elapsed : nominalMs - elapsed;
      await abortableSleep(Math.max(0, rest) + this.settings.burst.pauseSeconds * 1000, signal);
    }
  }

  /** One burst. Never overlaps another of this target: `loop` awaits it, and this guard says so. */
  async burst(signal: AbortSignal): Promise<void> {
    if (this.runningSinceMono !== undefined) throw new Error(`ping to ${this.target.label} is already running`);
    this.runningSinceMono = this.setup.clock.monoMs();
    const { count } = this.settings.burst;
    try {
      const host = await this.target.resolve();
      if (host === undefined) {
        // `gateway` without a default route: the network is down as far as this machine knows.
        this.sent += count;
        this.lost += count;
        this.error = undefined;
        return;
      }
      this.host = host;
      const cmd = pingCommand(this.setup.platform, host, this.settings.burst, this.settings.pingPath);
      const result = await runBurst(cmd, count, {
        deadlineMs: this.deadlineMs,
        signal,
        ...(this.io.spawner ? { spawner: this.io.spawner } : {}),
        onReply: () => (this.lastReplyWallMs = this.setup.clock.wallMs()),
      });
      if (signal.aborted) return; // cut short by shutdown: not a measurement
      this.sent += result.sent;
      this.lost += result.sent - result.received;
      const record: BurstRecord = { endMono: this.setup.clock.monoMs(), rttsMs: result.rttsMs };
      if (result.summary) record.summary = result.summary;
      this.bursts.push(record);
      this.error = undefined;
    } catch (err) {
      this.error = err instanceof PingError ? describeError(err) : `unexpected: ${describeError(err)}`;
      this.setup.log.debug({ target: this.target.label, err: this.error }, 'ping burst failed');
    } finally {
      this.runningSinceMono = undefined;
    }
  }

  readings(nowMono: number, windowMs: number): Reading[] {
    while (this.bursts.length > 0 && this.bursts[0]!.endMono < nowMono - windowMs) this.bursts.shift();
    const summary = [...this.bursts].reverse().find((b) => b.summary)?.summary;
    return targetReadings(this.target, this, this.bursts.flatMap((b) => b.rttsMs), summary);
  }

  stuck(now: number): string | undefined {
    if (this.runningSinceMono !== undefined && now - this.runningSinceMono > this.deadlineMs + 5000) {
      return `ping has not exited ${Math.round((now - this.runningSinceMono) / 1000)} s after it started (killed, still waiting for it)`;
    }
    return undefined;
  }
}

/** What each platform's file provides: link states and the default gateway. */
export interface NetworkPart {
  /**
   * Whether reading the links starts a process (PowerShell, ifconfig): then they are read in the
   * background at most once a minute under a deadline, and collect never waits for them.
   */
  linksStartAProcess: boolean;
  readLinks(ctx: NetworkContext, signal: AbortSignal): Promise<LinkReading[]>;
  /** The default route's gateway (the `gateway` target), undefined when there is none. */
  defaultGateway(ctx: NetworkContext, signal: AbortSignal): Promise<string | undefined>;
}

export interface NetworkContext {
  sysRoot: string;
  procRoot: string;
  interfaces: readonly string[];
  consoleEncoding: string;
  nowMs(): number;
}

const files: PlatformFiles<NetworkPart> = {
  linux: () => import('./network.linux.js').then((f) => f.network),
  win32: () => import('./network.win32.js').then((f) => f.network),
  darwin: () => import('./network.darwin.js').then((f) => f.network),
};

/** Link readings that start a process: at most once a minute. */
const SI_LINKS_EVERY_MS = 60_000;
/** A link read outside Linux that takes longer is killed (PowerShell on a broken WMI repository hangs). */
const LINKS_DEADLINE_MS = 10_000;

export function createNetwork(setup: ProbeSetup, io: NetworkIo = {}): ProbeInstance {
  const settings = setup.settings as NetworkSettings;
  const part = platformPart(files, setup.platform);
  const partCtx: NetworkContext = {
    sysRoot: setup.sysRoot,
    procRoot: setup.procRoot,
    interfaces: settings.interfaces,
    consoleEncoding: consoleEncodingOf(setup.settings),
    nowMs: () => setup.clock.monoMs(),
  };
  const controller = new AbortController();
  const gateway = io.defaultGateway
    ? async () => (await io.defaultGateway!()) || undefined
    : async () => {
        const p = await part();
        // Under a deadline: a hung route query costs the gateway target this burst, nothing else.
        return p && withDeadline(LINKS_DEADLINE_MS, 'finding the default gateway', controller.signal, (signal) => p.defaultGateway(partCtx, signal));
      };
  let targets: Target[];
  try {
    targets = buildTargets(normaliseTargets(settings.targets), setup.collectorUrl, gateway);
  } catch (err) {
    // A configuration mistake the schema cannot see (a label used twice): the probe fails with it.
    return { collect: () => Promise.reject(err) };
  }
  const windowMs = settings.windowSeconds * 1000;
  const monitors: (TargetMonitor | LivePing)[] = targets.map((t) =>
    livePing(setup.platform)
      ? new LivePing(
          t,
          setup,
          { intervalSeconds: liveIntervalSeconds(settings.burst), timeoutSeconds: settings.burst.timeoutSeconds },
          {
            windowMs,
            ...(io.spawner ? { spawner: io.spawner } : {}),
            ...(settings.pingPath ? { pingPath: settings.pingPath } : {}),
            ...(io.silenceMs === undefined ? {} : { silenceMs: io.silenceMs }),
          },
        )
      : new TargetMonitor(t, setup, settings, io),
  );
  const tracker = new LinkTracker();
  let loops: Promise<void>[] = [];
  // Outside Linux link state takes a child process (PowerShell, ifconfig): it is refreshed in the
  // background at most every SI_LINKS_EVERY_MS under a deadline, and collect never waits for it, so a
  // hung WMI query costs the link series (unavailable, with why) but never ping loss and round trips.
  let otherLinks: { atMono: number; readings?: LinkReading[]; error?: string } | undefined;
  let refreshing: Promise<void> | undefined;
  function refreshOtherLinks(p: NetworkPart, now: number): void {
    if (refreshing || (otherLinks && now - otherLinks.atMono < SI_LINKS_EVERY_MS)) return;
    refreshing = withDeadline(LINKS_DEADLINE_MS, 'reading the network links', controller.signal, (signal) => p.readLinks(partCtx, signal))
      .then(
        (readings) => void (otherLinks = { atMono: setup.clock.monoMs(), readings }),
        (err: unknown) => void (otherLinks = { atMono: setup.clock.monoMs(), error: describeError(err) }),
      )
      .finally(() => (refreshing = undefined));
  }

  async function links(): Promise<LinkReading[] | string> {
    if (io.readLinks) return io.readLinks(settings.interfaces);
    const p = await part();
    if (!p) return `network links are not read on ${setup.platform}`;
    if (!p.linksStartAProcess) return p.readLinks(partCtx, controller.signal);
    refreshOtherLinks(p, setup.clock.monoMs());
    if (!otherLinks) return 'the first reading of the network links has not finished yet';
    return otherLinks.readings ?? `cannot read the network links: ${otherLinks.error ?? 'unknown error'}`;
  }

  return {
    async start() {
      loops = monitors.map((mon) =>
        mon.loop(controller.signal).catch((err) => {
          mon.error = `ping loop stopped: ${describeError(err)}`;
        }),
      );
    },

    async stop() {
      controller.abort();
      // Each loop ends once its ping process has exited (it is killed on abort); a process that does
      // not die of SIGKILL within 5 s is not waited for (collect would have reported it).
      await Promise.race([Promise.all(loops), new Promise((r) => setTimeout(r, 5000).unref())]);
    },

    async collect() {
      const now = setup.clock.monoMs();
      const problems: string[] = [];
      const readings: Reading[] = [];
      for (const mon of monitors) {
        if (mon.error) problems.push(`${mon.target.label}: ${mon.error}`);
        const stuck = mon.stuck(now);
        if (stuck) problems.push(`${mon.target.label}: ${stuck}`);
        readings.push(...mon.readings(now, windowMs));
      }
      if (problems.length > 0) throw new Error(`cannot measure the network: ${problems.join('; ')}`);
      const read = await links();
      if (typeof read === 'string') {
        readings.push(unavailable(m.linkUp, read), unavailable(m.linkChanges, read));
        return readings;
      }
      const linkStates = tracker.update(read);
      for (const l of linkStates) {
        readings.push(sample(m.linkUp, l.up ? 1 : 0, { interface: l.name }), sample(m.linkChanges, l.changes, { interface: l.name }));
      }
      if (linkStates.length === 0) {
        const reason = 'no physical network interface (name virtual ones under probes.network.settings.interfaces)';
        readings.push(unavailable(m.linkUp, reason), unavailable(m.linkChanges, reason));
      }
      return readings;
    },
  };
}

export const networkProbe: ProbeDefinition = {
  name: 'network',
  interval: 'fast',
  metrics: [m.pingSent, m.pingLost, m.rttMin, m.rttAvg, m.rttMax, m.jitter, m.lastReply, m.lossLimit, m.rttLimit, m.targetInfo, m.linkUp, m.linkChanges],
  settingsSchema: NetworkSettings,
  create: (setup) => createNetwork(setup),
};
