// Event history and indicator state in PostgreSQL (collector/store/store.ts says what each method
// means). Batches go in as arrays (unnest): one statement per table, whatever the batch size.
import type { Labels } from '../../../protocol/series.js';
import { deviceLabelPattern, eventFromRow, type EventRow } from '../rows.js';
import type { BadgeState, DeviceEvent, EventStore, IndicatorStore, InitialState, NewEvent, PendingAlert, StoredIndicatorState } from '../store.js';
import { NOW_MS, type PgRun } from './run.js';

type Row = EventRow;
const fromRow = eventFromRow;

/** The last entry per key (what a row-by-row upsert would leave; one statement cannot update a row twice). */
export function lastPerKey<T>(items: readonly T[], key: (t: T) => string): T[] {
  return [...new Map(items.map((t) => [key(t), t])).values()];
}

const COLUMNS = 'id, device, site, indicator, from_state, to_state, at_ms, detail';

export class PgEvents implements EventStore {
  constructor(private readonly q: PgRun) {}

  record(events: readonly NewEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    return this.q.atomic(async (q) => {
      await q.count(
        `INSERT INTO events (device, site, indicator, from_state, to_state, at_ms, detail)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[])`,
        [events.map((e) => e.device), events.map((e) => e.site), events.map((e) => e.indicator), events.map((e) => e.from), events.map((e) => e.to), events.map((e) => e.atMs), events.map((e) => JSON.stringify(e.detail))],
      );
      const states = lastPerKey(events, (e) => `${e.device}\u0000${e.indicator}`);
      await q.count(
        `INSERT INTO indicator_state (device, indicator, state, since_ms, updated_ms)
         SELECT d, i, s, a, ${NOW_MS} FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS t(d, i, s, a)
         ON CONFLICT (device, indicator) DO UPDATE SET state = excluded.state, since_ms = excluded.since_ms, updated_ms = excluded.updated_ms`,
        [states.map((e) => e.device), states.map((e) => e.indicator), states.map((e) => e.to), states.map((e) => e.atMs)],
      );
    });
  }

  async forDevice(device: string, limit = 50): Promise<DeviceEvent[]> {
    return (await this.q.rows<Row>(`SELECT ${COLUMNS} FROM events WHERE device = $1 ORDER BY at_ms DESC, id DESC LIMIT $2`, [device, limit])).map(fromRow);
  }

  async between(fromMs: number, toMs: number, device?: string): Promise<DeviceEvent[]> {
    const rows =
      device === undefined
        ? await this.q.rows<Row>(`SELECT ${COLUMNS} FROM events WHERE at_ms >= $1 AND at_ms < $2 ORDER BY at_ms, id`, [fromMs, toMs])
        : await this.q.rows<Row>(`SELECT ${COLUMNS} FROM events WHERE device = $1 AND at_ms >= $2 AND at_ms < $3 ORDER BY at_ms, id`, [device, fromMs, toMs]);
    return rows.map(fromRow);
  }

  prune(beforeMs: number): Promise<number> {
    return this.q.count('DELETE FROM events WHERE at_ms < $1', [beforeMs]);
  }
}

export class PgIndicators implements IndicatorStore {
  constructor(private readonly q: PgRun) {}

  async setInitial(states: readonly InitialState[], atMs: number): Promise<void> {
    if (states.length === 0) return;
    await this.q.count(
      `INSERT INTO indicator_state (device, indicator, state, since_ms, updated_ms)
       SELECT d, i, s, $4, ${NOW_MS} FROM unnest($1::text[], $2::text[], $3::text[]) AS t(d, i, s)
       ON CONFLICT (device, indicator) DO NOTHING`,
      [states.map((s) => s.device), states.map((s) => s.indicator), states.map((s) => s.state), atMs],
    );
  }

  async currentStates(): Promise<Map<string, { state: BadgeState; sinceMs: number }>> {
    const rows = await this.q.rows<{ device: string; indicator: string; state: BadgeState; since_ms: number }>('SELECT device, indicator, state, since_ms FROM indicator_state');
    return new Map(rows.map((r) => [`${r.device}\u0000${r.indicator}`, { state: r.state, sinceMs: r.since_ms }]));
  }

  async forgetDevice(device: string): Promise<void> {
    await this.q.count('DELETE FROM indicator_state WHERE device = $1', [device]);
  }

  async statesSince(sinceMs?: number): Promise<StoredIndicatorState[]> {
    type R = { device: string; indicator: string; state: BadgeState; since_ms: number; updated_ms: number | null };
    const rows =
      sinceMs === undefined
        ? await this.q.rows<R>('SELECT device, indicator, state, since_ms, updated_ms FROM indicator_state')
        : await this.q.rows<R>('SELECT device, indicator, state, since_ms, updated_ms FROM indicator_state WHERE updated_ms >= $1', [sinceMs]);
    return rows.map((r) => ({ device: r.device, indicator: r.indicator, state: r.state, sinceMs: r.since_ms, ...(r.updated_ms !== null ? { updatedMs: r.updated_ms } : {}) }));
  }

  async ofDevice(device: string): Promise<{ states: StoredIndicatorState[]; pending: PendingAlert[] }> {
    const states = await this.q.rows<{ indicator: string; state: BadgeState; since_ms: number }>('SELECT indicator, state, since_ms FROM indicator_state WHERE device = $1', [device]);
    // Labels are stored as JSON text: LIKE narrows the rows down, the parsed labels decide.
    const pending = await this.q.rows<{ alert: string; labels: string; active_at_ms: number }>("SELECT alert, labels, active_at_ms FROM alert_active WHERE labels LIKE $1 ESCAPE '\\'", [deviceLabelPattern(device)]);
    return {
      states: states.map((r) => ({ device, indicator: r.indicator, state: r.state, sinceMs: r.since_ms })),
      pending: pending.map((r) => ({ alert: r.alert, labels: JSON.parse(r.labels) as Labels, activeAtMs: r.active_at_ms })).filter((a) => a.labels.device === device),
    };
  }

  async pendingAlerts(): Promise<PendingAlert[]> {
    const rows = await this.q.rows<{ alert: string; labels: string; active_at_ms: number }>('SELECT alert, labels, active_at_ms FROM alert_active');
    return rows.map((r) => ({ alert: r.alert, labels: JSON.parse(r.labels) as Labels, activeAtMs: r.active_at_ms }));
  }

  updatePendingAlerts(started: readonly PendingAlert[], ended: readonly { alert: string; labels: Labels }[]): Promise<void> {
    if (started.length === 0 && ended.length === 0) return Promise.resolve();
    return this.q.atomic(async (q) => {
      if (ended.length > 0) {
        await q.count('DELETE FROM alert_active a USING unnest($1::text[], $2::text[]) AS e(alert, labels) WHERE a.alert = e.alert AND a.labels = e.labels', [ended.map((a) => a.alert), ended.map((a) => JSON.stringify(a.labels))]);
      }
      const put = lastPerKey(
        started.map((a) => ({ alert: a.alert, labels: JSON.stringify(a.labels), at: a.activeAtMs })),
        (a) => `${a.alert}\u0000${a.labels}`,
      );
      if (put.length > 0) {
        await q.count(
          `INSERT INTO alert_active (alert, labels, active_at_ms) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
           ON CONFLICT (alert, labels) DO UPDATE SET active_at_ms = excluded.active_at_ms`,
          [put.map((a) => a.alert), put.map((a) => a.labels), put.map((a) => a.at)],
        );
      }
    });
  }
}
