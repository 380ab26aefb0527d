// Event history: each device's indicator transitions (normal → abnormal → normal, unavailable, not
// reporting) with the time and the readings behind them — the data for the procedure's "summarise
// and prevent recurrence" step. Also the current state per device and indicator, so a restart
// compares against what was last recorded instead of inventing transitions, and the alerts' pending
// times, so a restart does not restart every `for`.
import type { Labels } from '../../protocol/series.js';
import type { Db } from './db.js';

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

interface Row {
  id: number;
  device: string;
  site: string;
  indicator: string;
  from_state: BadgeState;
  to_state: BadgeState;
  at_ms: number;
  detail: string;
}

const fromRow = (r: Row): DeviceEvent => ({ id: r.id, device: r.device, site: r.site, indicator: r.indicator, from: r.from_state, to: r.to_state, atMs: r.at_ms, detail: JSON.parse(r.detail) as EventDetail });

export class EventLog {
  constructor(private readonly db: Db) {}

  /** Records the transitions and the new current states in one transaction. */
  record(events: readonly Omit<DeviceEvent, 'id'>[]): void {
    if (events.length === 0) return;
    const insert = this.db.prepare('INSERT INTO events (device, site, indicator, from_state, to_state, at_ms, detail) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const upsert = this.db.prepare('INSERT INTO indicator_state (device, indicator, state, since_ms) VALUES (?, ?, ?, ?) ON CONFLICT (device, indicator) DO UPDATE SET state = excluded.state, since_ms = excluded.since_ms');
    this.db.transaction(() => {
      for (const e of events) {
        insert.run(e.device, e.site, e.indicator, e.from, e.to, e.atMs, JSON.stringify(e.detail));
        upsert.run(e.device, e.indicator, e.to, e.atMs);
      }
    })();
  }

  /** A device's first states: remembered, but not events (nothing changed yet). */
  setInitial(states: readonly { device: string; indicator: string; state: BadgeState }[], atMs: number): void {
    if (states.length === 0) return;
    const insert = this.db.prepare('INSERT OR IGNORE INTO indicator_state (device, indicator, state, since_ms) VALUES (?, ?, ?, ?)');
    this.db.transaction(() => states.forEach((s) => insert.run(s.device, s.indicator, s.state, atMs)))();
  }

  /** What one status evaluation changed, in one transaction: first states, transitions, pending times. */
  apply(p: { initial: readonly { device: string; indicator: string; state: BadgeState }[]; changes: readonly Omit<DeviceEvent, 'id'>[]; started: readonly { alert: string; labels: Labels; activeAtMs: number }[]; ended: readonly { alert: string; labels: Labels }[] }, atMs: number): void {
    if (p.initial.length + p.changes.length + p.started.length + p.ended.length === 0) return;
    this.db.transaction(() => {
      this.setInitial(p.initial, atMs);
      this.record(p.changes);
      this.updatePendingAlerts(p.started, p.ended);
    })();
  }

  /** The last recorded state of every device and indicator. */
  currentStates(): Map<string, { state: BadgeState; sinceMs: number }> {
    const rows = this.db.prepare('SELECT device, indicator, state, since_ms FROM indicator_state').all() as { device: string; indicator: string; state: BadgeState; since_ms: number }[];
    return new Map(rows.map((r) => [`${r.device}\u0000${r.indicator}`, { state: r.state, sinceMs: r.since_ms }]));
  }

  forDevice(device: string, limit = 50): DeviceEvent[] {
    return (this.db.prepare('SELECT * FROM events WHERE device = ? ORDER BY at_ms DESC, id DESC LIMIT ?').all(device, limit) as Row[]).map(fromRow);
  }

  /** Events with fromMs <= at < toMs, oldest first. */
  between(fromMs: number, toMs: number): DeviceEvent[] {
    return (this.db.prepare('SELECT * FROM events WHERE at_ms >= ? AND at_ms < ? ORDER BY at_ms, id').all(fromMs, toMs) as Row[]).map(fromRow);
  }

  /** Forgets a device's current badge states (its event history stays, for the period reports). */
  forgetStates(device: string): void {
    this.db.prepare('DELETE FROM indicator_state WHERE device = ?').run(device);
  }

  /** Deletes events older than the retention; returns how many. */
  prune(beforeMs: number): number {
    return this.db.prepare('DELETE FROM events WHERE at_ms < ?').run(beforeMs).changes;
  }

  pendingAlerts(): { alert: string; labels: Labels; activeAtMs: number }[] {
    const rows = this.db.prepare('SELECT alert, labels, active_at_ms FROM alert_active').all() as { alert: string; labels: string; active_at_ms: number }[];
    return rows.map((r) => ({ alert: r.alert, labels: JSON.parse(r.labels) as Labels, activeAtMs: r.active_at_ms }));
  }

  /**
   * Keeps the stored pending/firing times in step with the evaluator: adds the alert series that
   * became active, removes those that ended. The evaluator says which (an evaluation at a large site
   * holds hundreds of thousands of active series; comparing them all every 15 s was most of its cost).
   */
  updatePendingAlerts(started: readonly { alert: string; labels: Labels; activeAtMs: number }[], ended: readonly { alert: string; labels: Labels }[]): void {
    if (started.length === 0 && ended.length === 0) return;
    const del = this.db.prepare('DELETE FROM alert_active WHERE alert = ? AND labels = ?');
    const put = this.db.prepare('INSERT OR REPLACE INTO alert_active (alert, labels, active_at_ms) VALUES (?, ?, ?)');
    this.db.transaction(() => {
      for (const a of ended) del.run(a.alert, JSON.stringify(a.labels));
      for (const a of started) put.run(a.alert, JSON.stringify(a.labels), a.activeAtMs);
    })();
  }
}
