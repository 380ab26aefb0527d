// What the event loop and the scrape thread say to each other (scrape-listener.ts, scrape-thread.ts).
import type { ScrapeAuth } from '../reliability-config.js';
import type { RingSlot } from './byte-ring.js';
import type { ScrapeThreadStats } from '../memory-metrics.js';

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
  /** The ring the renderings come through (byte-ring.ts). */
  ring: { data: SharedArrayBuffer; control: SharedArrayBuffer };
}

/** A device as a target: what the thread needs to answer for it without asking the event loop. */
export interface TargetEntry {
  name: string;
  /** Last report (or poll) on the collector's clock; absent: never reported. */
  receivedAtMs?: number;
  /** Until when the device counts as reporting (DeviceStore.isReporting), on the collector's clock. */
  reportingUntilMs?: number;
  /** Its record (target-record.ts): [offset, offset + length) of the batch's bytes; length -1: none (never reported). */
  offset: number;
  length: number;
}

/** Where a batch's records are: a stretch of the ring, or (too big for it, or the ring full) a buffer of their own. */
export type BatchBytes = { ring: RingSlot } | { bytes: Uint8Array };

export type ToScrapeThread =
  /** `clockMs` minus the thread's Date.now() at posting: the collector's clock (a test's fake clock too). */
  | { type: 'targets'; clockSkewMs: number; set: TargetEntry[]; batch: BatchBytes; remove: string[]; seq: number }
  | { type: 'close' };

export type FromScrapeThread = { type: 'listening'; port: number; /** Why its priority could not be raised. */ priorityNotRaised?: string } | { type: 'failed'; message: string } | { type: 'applied'; seq: number } | { type: 'closed' } | ({ type: 'stats' } & ScrapeThreadStats);
