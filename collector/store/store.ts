// The collector's persistent store, as one asynchronous interface with two implementations:
// SQLite (collector/store/sqlite/, the embedded default: one file in the state directory, no server
// to run in a branch office or the all-in-one) and PostgreSQL (collector/store/postgres/, chosen by
// `store.postgres` in collector.yaml: one database several collectors can share). The methods are
// grouped by concern; every multi-row write that must land together is one call (one transaction),
// and `transaction` runs several calls as one. Callers never see SQL, rows or the driver.
import type { Labels } from '../../protocol/series.js';
import type { Report } from '../../protocol/report.js';
import type { Gap } from '../device-store.js';
import type { Notification, NotifiedAlert } from '../notify/types.js';

// ---- events and indicator state ---------------------------------------------------------------

export type BadgeState = 'normal' | 'abnormal' | 'unavailable' | 'not_reporting';

export interface EventDetail {
  /** Firing alerts of the indicator at the transition, with the value of each series. */
  alerts: { alert: string; severity: string; labels: Labels; value: number }[];
  /** The device's readings of the metrics the indicator's alerts read. */
  readings: { metric: string; labels: Labels; value: number }[];
}

export interface DeviceEvent {
  id: number;
  device: string;
  site: string;
  indicator: string;
  from: BadgeState;
  to: BadgeState;
  atMs: number;
  detail: EventDetail;
}

export type NewEvent = Omit<DeviceEvent, 'id'>;

export interface InitialState {
  device: string;
  indicator: string;
  state: BadgeState;
}

export interface PendingAlert {
  alert: string;
  labels: Labels;
  activeAtMs: number;
}

/** What one status evaluation changed: first states, transitions, alert series that started or ended. */
export interface StatusChanges {
  initial: readonly InitialState[];
  changes: readonly NewEvent[];
  started: readonly PendingAlert[];
  ended: readonly { alert: string; labels: Labels }[];
}

/**
 * Event history: each device's indicator transitions with the readings behind them. Appended to,
 * read by device and by time range (the page, the CSV exports and the history charts), pruned by age.
 */
export interface EventStore {
  /** Appends the transitions and sets each one's new current state, in one transaction. */
  record(events: readonly NewEvent[]): Promise<void>;
  /** A device's newest events, newest first. */
  forDevice(device: string, limit?: number): Promise<DeviceEvent[]>;
  /** Events with fromMs <= at < toMs, oldest first; of one device when `device` is given. */
  between(fromMs: number, toMs: number, device?: string): Promise<DeviceEvent[]>;
  /** Deletes events older than `beforeMs`; returns how many. */
  prune(beforeMs: number): Promise<number>;
}

/**
 * The current state per device and indicator (so a restart compares against what was last recorded
 * instead of inventing transitions) and the alerts' pending times (so a restart does not restart
 * every `for`).
 */
export interface IndicatorStore {
  /** A device's first states: remembered, but not events (nothing changed yet). Existing states stay. */
  setInitial(states: readonly InitialState[], atMs: number): Promise<void>;
  /** Keyed `device\0indicator`. */
  currentStates(): Promise<Map<string, { state: BadgeState; sinceMs: number }>>;
  /** Forgets a device's current states (its event history stays, for the period reports). */
  forgetDevice(device: string): Promise<void>;
  pendingAlerts(): Promise<PendingAlert[]>;
  /** Adds the alert series that became active, removes those that ended, in one transaction. */
  updatePendingAlerts(started: readonly PendingAlert[], ended: readonly { alert: string; labels: Labels }[]): Promise<void>;
  /**
   * States written at or after `sinceMs` by the store's clock (every state without it): how another
   * collector of a shared store follows the badges of devices it does not hold, a little at a time.
   */
  statesSince(sinceMs?: number): Promise<StoredIndicatorState[]>;
  /** One device's states and the pending times of its alert series: what a collector taking the device over starts from. */
  ofDevice(device: string): Promise<{ states: StoredIndicatorState[]; pending: PendingAlert[] }>;
}

export interface StoredIndicatorState {
  device: string;
  indicator: string;
  state: BadgeState;
  sinceMs: number;
  /** When the row was last written, by the store's clock (PostgreSQL's own, whichever collector wrote it). */
  updatedMs?: number;
}

// ---- device state --------------------------------------------------------------------------------

/** A device's last accepted state, as restored at start (so a restart forgets nothing acknowledged). */
export interface SavedDevice {
  name: string;
  site: string;
  report: Report;
  /** The JSON text `report` was parsed from, as stored: the restored record keeps it (device-store.ts). */
  reportText?: string;
  receivedAtMs?: number;
  clockOffsetSeconds?: number;
  reportsAccepted: number;
  gaps: Gap[];
  /** The collector that saved it (the one holding the device); absent in rows saved before issue 21. */
  holder?: string;
  /** When it was saved, by the store's clock (PostgreSQL's own, whichever collector saved it). */
  savedMs?: number;
}

/** One device's state to save: the report as JSON text (stored as it is). */
export interface DeviceStateRow {
  name: string;
  site: string;
  reportJson: string;
  receivedAtMs?: number;
  clockOffsetSeconds?: number;
  reportsAccepted: number;
  gaps: readonly Gap[];
  /** The collector saving it: from now on, the one holding the device. */
  holder?: string;
  /** SQLite stores it as given; PostgreSQL uses its own clock, so that collectors whose clocks differ read one order. */
  savedMs?: number;
  intervalSeconds?: number;
}

/** A device's saved state without its report: what every collector of a shared store lists of the others' devices. */
export interface DeviceSummary {
  name: string;
  site: string;
  holder?: string;
  savedMs?: number;
  receivedAtMs?: number;
  intervalSeconds?: number;
  reportsAccepted: number;
}

export interface DeviceStateStore {
  /** Every saved device; with `holder`, only those this collector holds (and rows saved before holders were recorded). */
  loadAll(holder?: string): Promise<SavedDevice[]>;
  /** One device's saved state (a collector taking the device over from another). */
  load(device: string): Promise<SavedDevice | undefined>;
  /** Summaries of the rows saved at or after `sinceMs` (every row without it), by saved time. */
  summariesSince(sinceMs?: number): Promise<DeviceSummary[]>;
  /** Upserts every row in one transaction: all are committed when this resolves, none when it rejects. */
  saveMany(rows: readonly DeviceStateRow[]): Promise<void>;
  forget(device: string): Promise<void>;
}

// ---- enrolment and device tokens -----------------------------------------------------------------

export interface EnrolledDevice {
  device: string;
  site: string;
  enrolledMs: number;
  enrolledVia: string;
  revokedMs: number | null;
}

export type EnrolOutcome = { token: string; site: string } | { refused: 'unknown' | 'used' | 'expired' | 'taken' };

/**
 * Enrolled devices and one-time enrolment codes. Only SHA-256 hashes of tokens and codes are stored:
 * a copy of the database lets nobody report as a device or enrol one.
 */
export interface EnrolmentStore {
  /** A new one-time code for a site; returns the code (shown once, stored as a hash). */
  issueCode(site: string, nowMs: number, ttlMs: number): Promise<{ code: string; expiresMs: number }>;
  /** The device with this token, unless revoked. */
  deviceForToken(token: string): Promise<{ device: string; site: string } | undefined>;
  /** Whether a name is taken by a device that is enrolled and not revoked. */
  isEnrolled(device: string): Promise<boolean>;
  activeCount(): Promise<number>;
  /**
   * Uses a code (once) and enrols the device with a new token, in one transaction: two agents racing
   * with one code (or for one name) cannot both succeed. `via` says how, for `devices list`.
   */
  enrol(device: string, how: { code: string } | { site: string; via: string }, nowMs: number): Promise<EnrolOutcome>;
  list(): Promise<EnrolledDevice[]>;
  /** Deletes the device's token rows (live or revoked): the name is free, the token refused. */
  forget(device: string): Promise<boolean>;
  /** Whether the device has a token row, live or revoked. */
  hasRecord(device: string): Promise<boolean>;
  /** Revokes the device's token; false when no such enrolled device. */
  revoke(device: string, nowMs: number): Promise<boolean>;
}

// ---- inspections and first sightings -------------------------------------------------------------

export type InspectionResult = 'ok' | 'fault';

export interface Inspection {
  id: number;
  device: string;
  site: string;
  atMs: number;
  user: string;
  result: InspectionResult;
  note: string;
}

export interface InspectionStore {
  record(i: Omit<Inspection, 'id'>): Promise<Inspection>;
  forDevice(device: string, limit?: number): Promise<Inspection[]>;
  /** Inspections with fromMs <= at < toMs, oldest first; of one device when `device` is given. */
  between(fromMs: number, toMs: number, device?: string): Promise<Inspection[]>;
  /** Each device's latest inspection. */
  latest(): Promise<Map<string, Inspection>>;
  /** When the collector first saw each device. */
  firstSeen(): Promise<Map<string, number>>;
  /** Notes devices not seen before; a first sighting already stored is kept. */
  markSeen(devices: readonly string[], atMs: number): Promise<void>;
  /** Forgets when the device was first seen: enrolled again under its name, it starts afresh. */
  forgetFirstSeen(device: string): Promise<void>;
}

// ---- maintenance ---------------------------------------------------------------------------------

export interface Maintenance {
  id: number;
  device: string;
  startsMs: number;
  endsMs: number;
  user: string;
  reason: string;
  silenceId: string | null;
  silenceError: string | null;
  createdMs: number;
}

export interface MaintenanceStore {
  create(m: Omit<Maintenance, 'id'>): Promise<Maintenance>;
  get(id: number): Promise<Maintenance | undefined>;
  /** Ends a period now (the work finished early). */
  end(id: number, nowMs: number): Promise<void>;
  /** Periods that have not ended yet (current or planned), by start. */
  open(nowMs: number): Promise<Maintenance[]>;
  forDevice(device: string, limit?: number): Promise<Maintenance[]>;
}

// ---- sessions ------------------------------------------------------------------------------------

export interface Session {
  user: string;
  csrf: string;
  expiresMs: number;
}

/** Login sessions. The cookie carries a random id; the store keeps only its SHA-256. */
export interface SessionStore {
  /** A new session; returns the id for the cookie (never stored as such). */
  create(user: string, nowMs: number, lifetimeMs: number): Promise<{ id: string; session: Session }>;
  /** The live session with this id; an expired one is deleted and not returned. */
  find(id: string, nowMs: number): Promise<Session | undefined>;
  delete(id: string): Promise<void>;
  prune(nowMs: number): Promise<number>;
}

// ---- users ---------------------------------------------------------------------------------------

export type UserRole = 'viewer' | 'technician' | 'admin';

/**
 * A status-page user kept in the store (managed with `stationwatch collector users` and the admin
 * page), shared by every collector of the store. `sites`: the sites the user is limited to; empty
 * means every site (an administrator is never limited).
 */
export interface StoredUser {
  name: string;
  role: UserRole;
  sites: string[];
  /** scrypt, as collector/store/users.ts makes it; never the password. */
  passwordHash: string;
  disabled: boolean;
  createdMs: number;
  updatedMs: number;
}

export interface UserChanges {
  role?: UserRole;
  sites?: readonly string[];
  disabled?: boolean;
  passwordHash?: string;
}

/**
 * Users, read on every request (a change takes effect on the next request of every collector). Each
 * write is one transaction that checks the "at least one enabled administrator stays" rule itself, so
 * two administrators demoting each other at once cannot both succeed.
 */
export interface UserStore {
  get(name: string): Promise<StoredUser | undefined>;
  /** Every user, by name. */
  list(): Promise<StoredUser[]>;
  add(u: Omit<StoredUser, 'updatedMs'>): Promise<{ ok: true } | { refused: 'exists' }>;
  update(name: string, changes: UserChanges, nowMs: number): Promise<{ ok: true } | { refused: 'not_found' | 'last_admin' }>;
  /** Removes the user and ends the user's sessions. */
  remove(name: string): Promise<{ ok: true } | { refused: 'not_found' | 'last_admin' }>;
}

// ---- notifications -------------------------------------------------------------------------------

/** One notification waiting to be delivered to one channel (the durable queue; survives a restart). */
export interface QueuedDelivery {
  id: number;
  channel: string;
  notification: Notification;
  /** Failed attempts so far. */
  attempts: number;
  nextAttemptMs: number;
  lastError: string | null;
}

export type DeliveryResult = 'sent' | 'failed';

/** What happened to one notification on one channel: sent, or failed for good. Shown on the device page. */
export interface NotificationRecord {
  id: number;
  notificationId: string;
  channel: string;
  site: string;
  device: string | null;
  status: 'firing' | 'resolved';
  repeat: boolean;
  /** The alert names of the notification, for the page. */
  alerts: string[];
  result: DeliveryResult;
  /** The channel's own answer (secrets removed by the channel). */
  detail: string;
  attempts: number;
  atMs: number;
}

export type NewNotificationRecord = Omit<NotificationRecord, 'id'>;

/** An alert the collector's own notifier has announced and not yet announced resolved (all-in-one mode). */
export interface AnnouncedAlert {
  /** alert name + labels: unique per alert series. */
  key: string;
  groupKey: string;
  alert: NotifiedAlert;
  /** When it was last announced (first time or repeat): the next repeat is due one repeat interval later. */
  lastSentMs: number;
}

/**
 * Notifications: the durable delivery queue (one row per notification and channel, with its attempts
 * and next attempt time), the record of every notification sent or failed, and the alerts the
 * all-in-one notifier has announced (so a restart neither announces them again nor forgets to resolve
 * them). Claiming is atomic: two collectors sharing a PostgreSQL store never deliver one row twice.
 */
export interface NotificationStore {
  /** Queues each notification for each of its channels, due now. */
  enqueue(items: readonly { notification: Notification; channel: string }[], nowMs: number): Promise<void>;
  /**
   * Takes up to `limit` due rows of a channel, oldest first, and leases them until `nowMs + leaseMs`:
   * nobody else claims them meanwhile; a collector that dies holding them frees them when the lease ends.
   */
  claim(channel: string, nowMs: number, leaseMs: number, limit: number): Promise<QueuedDelivery[]>;
  /** Delivered or failed for good: the rows leave the queue and their records are written, together. */
  settle(ids: readonly number[], records: readonly NewNotificationRecord[]): Promise<void>;
  /** Claimed but not attempted: the lease is released, nothing else changes. */
  release(ids: readonly number[]): Promise<void>;
  /** Failed, to be tried again at `nextAttemptMs`: attempts counted, lease released. */
  retryLater(ids: readonly number[], nextAttemptMs: number, error: string): Promise<void>;
  /** Rows waiting per channel (leased or not). */
  queueLengths(): Promise<Map<string, number>>;
  /** Rows waiting that concern a device (the device page), oldest first. */
  queuedForDevice(device: string, limit?: number): Promise<QueuedDelivery[]>;
  /** A device's records, newest first. */
  forDevice(device: string, limit?: number): Promise<NotificationRecord[]>;
  /** Records of every device, newest first. */
  recent(limit?: number): Promise<NotificationRecord[]>;
  /** Deletes records older than `beforeMs`; returns how many. */
  prune(beforeMs: number): Promise<number>;
  announced(): Promise<AnnouncedAlert[]>;
  /** Stores (insert or replace) these announced alerts and forgets `resolved` keys, in one transaction. */
  updateAnnounced(set: readonly AnnouncedAlert[], resolved: readonly string[]): Promise<void>;
}

// ---- history (issue 19) ---------------------------------------------------------------------------

/** One stored chunk of a device's history: `tier` (bucket minutes) and the chunk's first bucket. */
export interface HistoryChunkKey {
  device: string;
  tier: number;
  startMs: number;
}

/** The chunk's bytes are collector/history/chunk.ts's format; the store keeps them as they are. */
export interface HistoryChunk extends HistoryChunkKey {
  data: Uint8Array;
}

/** A moment only the reports tell: a boot, an unclean shutdown, a backup run (collector/history/extract.ts). */
export interface HistoryMarkRow {
  device: string;
  kind: 'boot' | 'unclean_shutdown' | 'backup';
  atMs: number;
  key: string;
  outcome: string;
}

/**
 * The downsampled history of the charted series (collector/history/): chunks of buckets per device
 * and tier, read and rewritten whole by the history writer (one transaction per batch), and marks.
 */
export interface HistoryStore {
  /** The chunks with these keys that exist. */
  get(keys: readonly HistoryChunkKey[]): Promise<HistoryChunk[]>;
  /** Inserts or replaces each chunk, in one transaction. */
  put(chunks: readonly HistoryChunk[]): Promise<void>;
  /** The tier's chunks of these devices with fromStartMs <= startMs < toMs, by device then start. */
  range(devices: readonly string[], tier: number, fromStartMs: number, toMs: number): Promise<HistoryChunk[]>;
  /** Deletes the tier's chunks that start before `beforeStartMs`; returns how many. */
  prune(tier: number, beforeStartMs: number): Promise<number>;
  /** Adds marks; one already stored (same device, kind, time and key) is kept. */
  addMarks(marks: readonly HistoryMarkRow[]): Promise<void>;
  /** A device's marks with fromMs <= at < toMs, oldest first. */
  marks(device: string, fromMs: number, toMs: number): Promise<HistoryMarkRow[]>;
  pruneMarks(beforeMs: number): Promise<number>;
}

// ---- the store -----------------------------------------------------------------------------------

/** Every concern of the store; inside `transaction`, every call belongs to that transaction. */
export interface StoreConcerns {
  readonly events: EventStore;
  readonly indicators: IndicatorStore;
  readonly devices: DeviceStateStore;
  readonly enrolment: EnrolmentStore;
  readonly inspections: InspectionStore;
  readonly maintenance: MaintenanceStore;
  readonly sessions: SessionStore;
  readonly users: UserStore;
  readonly notifications: NotificationStore;
  readonly history: HistoryStore;
}

export interface Store extends StoreConcerns {
  readonly kind: 'sqlite' | 'postgres';
  /** Where it is, for logs: a file, or host, port and database (never a password). */
  readonly where: string;
  /**
   * Runs `fn` in one transaction: committed when it resolves, rolled back (and the error rethrown)
   * when it rejects or the commit fails. Other callers of this store wait meanwhile (SQLite: one
   * connection) or work on other connections (PostgreSQL).
   */
  transaction<T>(fn: (tx: StoreConcerns) => Promise<T>): Promise<T>;
  /** The schema version the store has (the number of migrations applied). */
  schemaVersion(): Promise<number>;
  close(): Promise<void>;
}

/** What one status evaluation changed, written in one transaction. */
export async function recordStatusChanges(store: Store, p: StatusChanges, atMs: number): Promise<void> {
  if (p.initial.length + p.changes.length + p.started.length + p.ended.length === 0) return;
  await store.transaction(async (tx) => {
    await tx.indicators.setInitial(p.initial, atMs);
    await tx.events.record(p.changes);
    await tx.indicators.updatePendingAlerts(p.started, p.ended);
  });
}

/** Raised when a client (the CLI) finds a schema it must not upgrade, or one from a newer version. */
export class SchemaError extends Error {}

export const schemaTooNew = (current: number, known: number) => new SchemaError(`the store was written by a newer stationwatch (schema ${current}, this one knows ${known})`);
export const schemaTooOld = (current: number, known: number) =>
  new SchemaError(`the collector's store has an older schema (${current}, this stationwatch writes ${known}): start this version's collector once to upgrade it, then run the command again`);
