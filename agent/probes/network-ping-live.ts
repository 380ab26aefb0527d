// Linux: ONE long-running iputils ping per target instead of a process per burst. Forking a ~55 MiB
// agent every ten seconds per target cost about a third of its CPU per collection cycle; a ping that
// keeps running costs only the lines it prints.
//
// `ping -n -O -i <interval> -W <timeout> <host>` in the C locale writes one line per request on a pipe
// as it goes (iputils flushes per line: a reply, or with -O "no answer yet for icmp_seq=N" when the
// next request is due without a reply), read line by line and accounted by icmp_seq
// (network-ping-stream.ts). The process is restarted when it exits (name not found, no route,
// interface gone), after a backoff; for the time without a running ping, requests are counted sent
// and lost at the configured rate, as the bursts count a failed burst, so the loss ratio reads 100 %
// during an outage. A ping that cannot measure at all (not permitted, bad arguments, missing) is a
// probe error, as with bursts. A ping silent for several intervals is killed and restarted. At most
// one process per target: the next is started only after the previous one has closed.
import { spawnPing, type PingCommand, type PingChild, type PingSpawner } from './network-ping-run.js';
import { parsePingOutput, PingError } from './network-ping-parse.js';
import { parseStreamLine, SeqAccount } from './network-ping-stream.js';
import { targetReadings } from './network-target-readings.js';
import type { Target } from './network-targets.js';
import type { ProbeSetup, Reading } from './probe.js';
import { describeError } from '../runner.js';
import { abortableSleep } from './abortable-sleep.js';

export interface LiveSettings {
  /** Seconds between echo requests. */
  intervalSeconds: number;
  /** iputils -W: the wait for a reply when none has come yet. A request counts lost once the next is due. */
  timeoutSeconds: number;
}

/**
 * The interval that keeps the bursts' average rate: `count` requests per `count × interval + pause`
 * (defaults: 5 per 10 s → one every 2 s). Evenly spread requests see the same loss ratio and catch a
 * short outage sooner than bursts with a pause between them.
 */
export function liveIntervalSeconds(burst: { count: number; intervalSeconds: number; pauseSeconds: number }): number {
  return (burst.count * burst.intervalSeconds + burst.pauseSeconds) / burst.count;
}

const trim = (n: number) => String(Number(n.toFixed(3)));

export function livePingCommand(host: string, live: LiveSettings, pingPath?: string): PingCommand {
  return {
    file: pingPath ?? 'ping',
    args: ['-n', '-O', '-i', trim(live.intervalSeconds), '-W', trim(live.timeoutSeconds), host],
    env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
  };
}

export interface LiveOptions {
  spawner?: PingSpawner;
  pingPath?: string;
  /** Silence after which a running ping is killed; default max(15 s, 3 intervals + the timeout). */
  silenceMs?: number;
  windowMs: number;
}

const MAX_BACKOFF_MS = 30_000;
/** Output kept to tell why a ping exited (the words are near its start). */
const TAIL_BYTES = 4096;
/** How often the `gateway` keyword is looked up again while its ping runs (a laptop changes networks). */
const GATEWAY_RECHECK_MS = 60_000;

export class LivePing {
  sent = 0;
  lost = 0;
  host?: string;
  lastReplyWallMs?: number;
  error?: string;
  /** Pid of the running ping (tests, diagnostics). */
  pid?: number;
  private rtts: { mono: number; ms: number }[] = [];
  private downSinceMono?: number;
  private downCounted = 0;
  private failures = 0;
  private killedAtMono?: number;
  private readonly intervalMs: number;

  constructor(
    readonly target: Target,
    private readonly setup: ProbeSetup,
    private readonly live: LiveSettings,
    private readonly opts: LiveOptions,
  ) {
    this.intervalMs = live.intervalSeconds * 1000;
  }

  /** Counts the requests that would have been sent while no ping ran, as sent and lost. */
  private accrueDown(now: number): void {
    if (this.downSinceMono === undefined) return;
    const n = Math.floor((now - this.downSinceMono) / this.intervalMs);
    this.sent += n - this.downCounted;
    this.lost += n - this.downCounted;
    this.downCounted = n;
  }

  private markDown(sinceMono: number): void {
    if (this.downSinceMono !== undefined) return;
    this.downSinceMono = sinceMono;
    this.downCounted = 0;
  }

  async loop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const host = await this.target.resolve().catch(() => undefined);
      if (signal.aborted) break;
      if (host === undefined) {
        // `gateway` without a default route: the network is down as far as this machine knows.
        this.markDown(this.setup.clock.monoMs());
        this.error = undefined;
        this.failures++;
      } else {
        this.host = host;
        const now = this.setup.clock.monoMs();
        this.accrueDown(now);
        this.downSinceMono = undefined;
        await this.runOnce(host, signal);
      }
      if (signal.aborted) break;
      const backoff = Math.min(MAX_BACKOFF_MS, Math.max(1000, this.intervalMs) * 2 ** Math.max(0, this.failures - 1));
      await abortableSleep(backoff, signal);
    }
  }

  /** One ping process, from spawn to close. Resolves only once it has exited. */
  private runOnce(host: string, signal: AbortSignal): Promise<void> {
    const cmd = livePingCommand(host, this.live, this.opts.pingPath);
    const started = this.setup.clock.monoMs();
    let child: PingChild;
    try {
      child = (this.opts.spawner ?? spawnPing)(cmd);
    } catch (cause) {
      this.fail(new PingError(`cannot start ${cmd.file}`, { cause }), started);
      return Promise.resolve();
    }
    this.pid = (child as { pid?: number }).pid;
    const account = new SeqAccount();
    let sawSeq = false;
    let pending = '';
    let tail = '';
    let killed = false;
    let replaced = false;
    let spawnError: Error | undefined;
    const silenceMs = this.opts.silenceMs ?? Math.max(15_000, 3 * this.intervalMs + this.live.timeoutSeconds * 1000);
    const kill = () => {
      if (killed) return;
      killed = true;
      this.killedAtMono = this.setup.clock.monoMs();
      child.kill('SIGKILL');
    };
    let watchdog = setTimeout(kill, silenceMs);
    const keep = (line: string) => {
      if (tail.length < TAIL_BYTES) tail += `${line}\n`;
    };
    const onLine = (line: string) => {
      const parsed = parseStreamLine(line);
      if (!parsed) return keep(line);
      clearTimeout(watchdog);
      watchdog = setTimeout(kill, silenceMs);
      if (!sawSeq) {
        sawSeq = true;
        this.error = undefined;
        this.failures = 0;
      }
      const d = account.feed(parsed);
      this.sent += d.sent;
      this.lost += d.lost;
      if (d.rttMs !== undefined) {
        const now = this.setup.clock.monoMs();
        this.lastReplyWallMs = this.setup.clock.wallMs();
        this.rtts.push({ mono: now, ms: d.rttMs });
        this.prune(now);
      }
    };
    child.stdout?.on('data', (b: Buffer) => {
      const lines = (pending + b.toString('utf8')).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    });
    child.stderr?.on('data', (b: Buffer) => keep(b.toString('utf8')));
    signal.addEventListener('abort', kill, { once: true });
    const gatewayCheck =
      this.target.spec.host === 'gateway'
        ? setInterval(() => {
            void this.target.resolve().then((now) => {
              if (now !== host) {
                replaced = true;
                kill();
              }
            }, () => undefined);
          }, GATEWAY_RECHECK_MS)
        : undefined;
    child.once('error', (err) => (spawnError = err));
    return new Promise<void>((resolve) => {
      child.once('close', () => {
        clearTimeout(watchdog);
        if (gatewayCheck) clearInterval(gatewayCheck);
        signal.removeEventListener('abort', kill);
        this.killedAtMono = undefined;
        this.pid = undefined;
        if (pending) onLine(pending);
        this.lost += account.close();
        const now = this.setup.clock.monoMs();
        if (signal.aborted) return resolve(); // stopping: not a measurement
        if (replaced) {
          this.failures = 0;
          return resolve();
        }
        if (spawnError) {
          const missing = (spawnError as NodeJS.ErrnoException).code === 'ENOENT';
          this.fail(new PingError(missing ? `${cmd.file} not found: install the system ping (Debian: apt-get install iputils-ping)` : `cannot start ${cmd.file}`, { cause: spawnError }), started);
          return resolve();
        }
        // Until the next ping runs, its requests are lost: counted from the exit, or from the start
        // when this one never got a request out (name lookup hung, no route).
        this.markDown(sawSeq ? now : started);
        this.failures++;
        try {
          // Words of a ping that could not start (not permitted, bad arguments) make an error;
          // a name not found or no route is a loss; a ping that ran and ended is restarted.
          if (!sawSeq) parsePingOutput(tail, 0, { killed });
          this.error = undefined;
        } catch (err) {
          this.error = describeError(err);
        }
        this.setup.log.debug({ target: this.target.label, output: tail.slice(0, 200), killed }, 'ping exited; restarting it');
        resolve();
      });
    });
  }

  private fail(err: Error, started: number): void {
    this.error = describeError(err);
    this.failures++;
    this.markDown(started);
  }

  private prune(now: number): void {
    while (this.rtts.length > 0 && this.rtts[0]!.mono < now - this.opts.windowMs) this.rtts.shift();
  }

  /** Problems to report beside the error: a killed ping that has not exited. */
  stuck(now: number): string | undefined {
    if (this.killedAtMono !== undefined && now - this.killedAtMono > 5000) return `ping has not exited ${Math.round((now - this.killedAtMono) / 1000)} s after it was killed (still waiting for it)`;
    return undefined;
  }

  readings(now: number): Reading[] {
    this.accrueDown(now);
    this.prune(now);
    return targetReadings(this.target, this, this.rtts.map((r) => r.ms));
  }
}
