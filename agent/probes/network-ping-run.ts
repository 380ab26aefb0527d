// Running the system ping: the command line per platform, and one burst as one child process with a
// hard deadline. The caller (one loop per target) awaits each burst before starting the next, and a
// burst resolves only once its process has exited — after a kill too — so a target never has two
// ping processes at once, however slow the network or the name lookup.
import { spawnTracked } from '../exec/children.js';
import { decodePingOutput, parsePingOutput, PingError, type PingBurst } from './network-ping-parse.js';

export interface BurstSettings {
  /** Echo requests per burst. */
  count: number;
  /** Seconds between echo requests within a burst (Windows' ping cannot change its 1 s). */
  intervalSeconds: number;
  /** Seconds to wait for each reply. */
  timeoutSeconds: number;
}

export interface PingCommand {
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

const trim = (n: number) => String(Number(n.toFixed(3)));

/** The ping command line for this platform; `pingPath` overrides the program (tests, odd installs). */
export function pingCommand(platform: NodeJS.Platform, host: string, burst: BurstSettings, pingPath?: string): PingCommand {
  if (platform === 'win32') {
    // -n count, -w per-reply timeout in ms; the interval is fixed at 1 s. Output is in the console's
    // code page: decodePingOutput copes with 936 and 950.
    return { file: pingPath ?? 'ping', args: ['-n', String(burst.count), '-w', String(Math.round(burst.timeoutSeconds * 1000)), host], env: process.env };
  }
  // C locale: iputils and macOS ping print English then (iputils translates some messages).
  const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };
  if (platform === 'darwin' || platform === 'freebsd' || platform === 'openbsd') {
    // BSD ping: -W is the per-reply wait in milliseconds; IPv6 needs ping6, which has no -W.
    if (host.includes(':')) return { file: pingPath ?? 'ping6', args: ['-n', '-c', String(burst.count), '-i', trim(burst.intervalSeconds), host], env };
    return { file: pingPath ?? 'ping', args: ['-n', '-c', String(burst.count), '-i', trim(burst.intervalSeconds), '-W', String(Math.round(burst.timeoutSeconds * 1000)), host], env };
  }
  // iputils: -W per-reply wait in (fractional) seconds; one binary for IPv4 and IPv6.
  return { file: pingPath ?? 'ping', args: ['-n', '-c', String(burst.count), '-i', trim(burst.intervalSeconds), '-W', trim(burst.timeoutSeconds), host], env };
}

/**
 * Whether targets are pinged by one long-running ping each (network-ping-live.ts): iputils on Linux
 * prints every reply and, with -O, every missing one as it happens. Elsewhere ping runs in bursts.
 */
export function livePing(platform: NodeJS.Platform): boolean {
  return platform === 'linux';
}

/** Longest a burst may take before it is killed: every request, the last reply's wait, and slack for a name lookup. */
export function burstDeadlineMs(platform: NodeJS.Platform, burst: BurstSettings): number {
  const interval = platform === 'win32' ? 1 : burst.intervalSeconds;
  return Math.ceil((burst.count * (interval + (platform === 'win32' ? burst.timeoutSeconds : 0)) + burst.timeoutSeconds + 10) * 1000);
}

/** What a child process looks like to the runner (node's ChildProcess; a fake in tests). */
export interface PingChild {
  stdout: NodeJS.ReadableStream | null;
  stderr: NodeJS.ReadableStream | null;
  kill(signal?: NodeJS.Signals): boolean;
  once(event: 'close', listener: (code: number | null) => void): unknown;
  once(event: 'error', listener: (err: Error) => void): unknown;
}

export type PingSpawner = (cmd: PingCommand) => PingChild;

/** Registered and in its own process group (agent/exec/children.ts): the agent's stop ends it. */
export const spawnPing: PingSpawner = (cmd) => spawnTracked(cmd.file, cmd.args, { env: cmd.env, stdio: ['ignore', 'pipe', 'pipe'] });

/** A line that carries a reply's round-trip time; ASCII parts suffice, so no decoding is needed. */
const REPLY_LINE = /[=<]\s*\d+(?:\.\d+)?\s*ms\b/i;

export interface RunBurstOptions {
  spawner?: PingSpawner;
  deadlineMs: number;
  /** Called as each reply arrives (the last-reply time is the moment it came, not the end of the burst). */
  onReply?: () => void;
  /** Ends the burst early (the agent is stopping); the process is killed and awaited like on a timeout. */
  signal?: AbortSignal;
}

/**
 * Runs one burst and parses it. Resolves only after the process is gone. Losses (no reply, name not
 * found, no route) are in the result; a PingError is thrown when the probe cannot measure.
 */
export function runBurst(cmd: PingCommand, requested: number, opts: RunBurstOptions): Promise<PingBurst> {
  return new Promise<PingBurst>((resolve, reject) => {
    let child: PingChild;
    try {
      child = (opts.spawner ?? spawnPing)(cmd);
    } catch (cause) {
      reject(new PingError(`cannot start ${cmd.file}`, { cause }));
      return;
    }
    const chunks: Buffer[] = [];
    let pending = '';
    let killed = false;
    let spawnError: Error | undefined;
    child.stdout?.on('data', (b: Buffer) => {
      chunks.push(b);
      if (!opts.onReply) return;
      const lines = (pending + b.toString('latin1')).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        // Windows' summary line has three times; a reply line has one.
        if (REPLY_LINE.test(line) && (line.match(/ms\b/gi)?.length ?? 0) === 1 && !/DUP!/.test(line)) opts.onReply();
      }
    });
    child.stderr?.on('data', (b: Buffer) => chunks.push(b));
    const kill = () => {
      killed = true;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(kill, opts.deadlineMs);
    opts.signal?.addEventListener('abort', kill, { once: true });
    child.once('error', (err) => (spawnError = err));
    child.once('close', () => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', kill);
      if (spawnError) {
        const missing = (spawnError as NodeJS.ErrnoException).code === 'ENOENT';
        reject(new PingError(missing ? `${cmd.file} not found: install the system ping (Debian: apt-get install iputils-ping)` : `cannot start ${cmd.file}`, { cause: spawnError }));
        return;
      }
      try {
        resolve(parsePingOutput(decodePingOutput(Buffer.concat(chunks)), requested, { killed }));
      } catch (err) {
        reject(err);
      }
    });
  });
}
