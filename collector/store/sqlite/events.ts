// Event history and indicator state in SQLite (collector/store/store.ts says what each method means).
import type { Labels } from '../../../protocol/series.js';
import { deviceLabelPattern, eventFromRow, type EventRow } from '../rows.js';
import type { BadgeState, DeviceEvent, EventStore, IndicatorStore, InitialState, NewEvent, PendingAlert, StoredIndicatorState } from '../store.js';
import type { Db } from './db.js';
import { prepared, type SqliteRun } from './run.js';

type Row = EventRow;
const fromRow = eventFromRow;

const INSERT_EVENT = 'INSERT INTO events (device, site, indicator, from_state, to_state, at_ms, detail) VALUES (?, ?, ?, ?, ?, ?, ?)';
// updated_ms: when the row was written (one collector per SQLite file, so its clock: the time of the change).
const UPSERT_STATE = 'INSERT INTO indicator_state (device, indicator, state, since_ms, updated_ms) VALUES (?, ?, ?, ?, ?) ON CONFLICT (device, indicator) DO UPDATE SET state = excluded.state, since_ms = excluded.since_ms, updated_ms = excluded.updated_ms';

/** Synchronous parts, shared by the methods (better-sqlite3 nests a transaction in another as a savepoint). */
function recordNow(db: Db, events: readonly NewEvent[]): void {
  if (events.length === 0) return;
  const insert = prepared(db, INSERT_EVENT);
  const upsert = prepared(db, UPSERT_STATE);
  db.transaction(() => {
    for (const e of events) {
      insert.run(e.device, e.site, e.indicator, e.from, e.to, e.atMs, JSON.stringify(e.detail));
      upsert.run(e.device, e.indicator, e.to, e.atMs, e.atMs);
    }
  })();
}

export class SqliteEvents implements EventStore {
  constructor(private readonly r: SqliteRun) {}

  record(events: readonly NewEvent[]): Promise<void> {
    return this.r.run((db) => recordNow(db, events));
  }

  forDevice(device: string, limit = 50): Promise<DeviceEvent[]> {
    return this.r.run((db) => (prepared(db, 'SELECT * FROM events WHERE device = ? ORDER BY at_ms DESC, id DESC LIMIT ?').all(device, limit) as Row[]).map(fromRow));
  }

  between(fromMs: number, toMs: number, device?: string): Promise<DeviceEvent[]> {
    return this.r.run((db) =>
      (device === undefined
        ? (prepared(db, 'SELECT * FROM events WHERE at_ms >= ? AND at_ms < ? ORDER BY at_ms, id').all(fromMs, toMs) as Row[])
        : (prepared(db, 'SELECT * FROM events WHERE device = ? AND at_ms >= ? AND at_ms < ? ORDER BY at_ms, id').all(device, fromMs, toMs) as Row[])
      ).map(fromRow),
    );
  }

  prune(beforeMs: number): Promise<number> {
    return this.r.run((db) => prepared(db, 'DELETE FROM events WHERE at_ms < ?').run(beforeMs).changes);
  }
}

export class SqliteIndicators implements IndicatorStore {
  constructor(private readonly r: SqliteRun) {}

  setInitial(states: readonly InitialState[], atMs: number): Promise<void> {
    return this.r.run((db) => {
      if (states.length === 0) return;
      const insert = prepared(db, 'INSERT OR IGNORE INTO indicator_state (device, indicator, state, since_ms, updated_ms) VALUES (?, ?, ?, ?, ?)');
      db.transaction(() => states.forEach((s) => insert.run(s.device, s.indicator, s.state, atMs, atMs)))();
    });
  }

  currentStates(): Promise<Map<string, { state: BadgeState; sinceMs: number }>> {
    return this.r.run((db) => {
      const rows = prepared(db, 'SELECT device, indicator, state, since_ms FROM indicator_state').all() as { device: string; indicator: string; state: BadgeState; since_ms: number }[];
      return new Map(rows.map((r) => [`${r.device}\u0000${r.indicator}`, { state: r.state, sinceMs: r.since_ms }]));
    });
  }

  forgetDevice(device: string): Promise<void> {
    return this.r.run((db) => void prepared(db, 'DELETE FROM indicator_state WHERE device = ?').run(device));
  }

  statesSince(sinceMs?: number): Promise<StoredIndicatorState[]> {
    return this.r.run((db) => {
      type R = { device: string; indicator: string; state: BadgeState; since_ms: number; updated_ms: number | null };
      const cols = 'SELECT device, indicator, state, since_ms, updated_ms FROM indicator_state';
      const rows = sinceMs === undefined ? (prepared(db, cols).all() as R[]) : (prepared(db, `${cols} WHERE updated_ms >= ?`).all(sinceMs) as R[]);
      return rows.map((r) => ({ device: r.device, indicator: r.indicator, state: r.state, sinceMs: r.since_ms, ...(r.updated_ms !== null ? { updatedMs: r.updated_ms } : {}) }));
    });
  }

  ofDevice(device: string): Promise<{ states: StoredIndicatorState[]; pending: PendingAlert[] }> {
    return this.r.run((db) => {
      const states = prepared(db, 'SELECT indicator, state, since_ms FROM indicator_state WHERE device = ?').all(device) as { indicator: string; state: BadgeState; since_ms: number }[];
      // Labels are stored as JSON text: LIKE narrows the rows down, the parsed labels decide.
      const pending = prepared(db, "SELECT alert, labels, active_at_ms FROM alert_active WHERE labels LIKE ? ESCAPE '\\'").all(deviceLabelPattern(device)) as { alert: string; labels: string; active_at_ms: number }[];
      return {
        states: states.map((r) => ({ device, indicator: r.indicator, state: r.state, sinceMs: r.since_ms })),
        pending: pending.map((r) => ({ alert: r.alert, labels: JSON.parse(r.labels) as Labels, activeAtMs: r.active_at_ms })).filter((a) => a.labels.device === device),
      };
    });
  }

  pendingAlerts(): Promise<PendingAlert[]> {
    return this.r.run((db) => {
      const rows = prepared(db, 'SELECT alert, labels, active_at_ms FROM alert_active').all() as { alert: string; labels: string; active_at_ms: number }[];
      return rows.map((r) => ({ alert: r.alert, labels: JSON.parse(r.labels) as Labels, activeAtMs: r.active_at_ms }));
    });
  }

  updatePendingAlerts(started: readonly PendingAlert[], ended: readonly { alert: string; labels: Labels }[]): Promise<void> {
    return this.r.run((db) => {
      if (started.length === 0 && ended.length === 0) return;
      const del = prepared(db, 'DELETE FROM alert_active WHERE alert = ? AND labels = ?');
      const put = prepared(db, 'INSERT OR REPLACE INTO alert_active (alert, labels, active_at_ms) VALUES (?, ?, ?)');
      db.transaction(() => {
        for (const a of ended) del.run(a.alert, JSON.stringify(a.labels));
        for (const a of started) put.run(a.alert, JSON.stringify(a.labels), a.activeAtMs);
      })();
    });
  }
}
