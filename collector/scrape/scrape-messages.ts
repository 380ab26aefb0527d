// What the event loop and the scrape thread say to each other (scrape-listener.ts, scrape-thread.ts).
import type { ScrapeAuth } from '../reliability-config.js';
import type { ScrapeThreadStats } from '../memory-metrics.js';
import type { RealtimeChange, RealtimeConfig } from './scrape-realtime.js';

export interface ScrapeThreadInit {
  host: string;
  port: number;
  /** PEM cert and key, read by the event loop (the same files as listen.tls). */
  tls?: { cert: string; key: string };
  auth?: ScrapeAuth;
  contentType: string;
  headers: Readonly<Record<string, string>>;
  /** A client that trickles its request is cut off after this long (limits.requestTimeoutSeconds). */
  requestTimeoutMs: number;
  /** The thread's nice value (below the process' 0 when allowed: collector/thread-priority.ts). */
  nice: number;
  /** Real-time scheduling within a CPU budget (scrape-realtime.ts). */
  realtime: RealtimeConfig;
  /** The ring the renderings come through (byte-ring.ts). */
  ring: { data: SharedArrayBuffer; control: SharedArrayBuffer };
  /** Where the thread leaves its figures (writeStats), read by the event loop when /collector/metrics is scraped. */
  stats: SharedArrayBuffer;
}

export type ToScrapeThread =
  /** A frame too big for the ring (target-frame.ts); the ring holds an EXTERNAL frame with its id where it belongs. */
  | { type: 'frame'; id: number; bytes: Uint8Array }
  | { type: 'close' };

export type FromScrapeThread =
  | { type: 'listening'; port: number; /** Why its priority could not be raised. */ priorityNotRaised?: string; /** Why it does not run real-time. */ notRealtime?: string }
  | ({ type: 'realtime' } & RealtimeChange)
  | { type: 'failed'; message: string }
  | { type: 'applied'; seq: number }
  | { type: 'closed' };

// The thread's figures through shared memory rather than a message every few seconds: a message
// takes the receiving port's mutex, which the real-time thread would then wait on behind the event loop.
// Each is one aligned 8-byte value; a reader may see one period's figure beside the next one's.
const STATS = ['heapUsedBytes', 'targetBytes', 'loopDelayP99Seconds', 'loopDelayMaxSeconds', 'realtime', 'realtimePauses'] as const;
export const STATS_BYTES = 8 * (STATS.length + 1);

/** [0] is 1 once the thread has written; then each of STATS in order (booleans as 0/1). */
export function writeStats(into: SharedArrayBuffer, s: ScrapeThreadStats): void {
  const a = new Float64Array(into);
  STATS.forEach((k, i) => (a[i + 1] = Number(s[k])));
  a[0] = 1;
}

/** The thread's last figures, or undefined before its first. */
export function readStats(from: SharedArrayBuffer): ScrapeThreadStats | undefined {
  const a = new Float64Array(from);
  if (a[0] !== 1) return undefined;
  const value = (k: (typeof STATS)[number]) => a[STATS.indexOf(k) + 1]!;
  return {
    heapUsedBytes: value('heapUsedBytes'),
    targetBytes: value('targetBytes'),
    loopDelayP99Seconds: value('loopDelayP99Seconds'),
    loopDelayMaxSeconds: value('loopDelayMaxSeconds'),
    realtime: value('realtime') === 1,
    realtimePauses: value('realtimePauses'),
  };
}
