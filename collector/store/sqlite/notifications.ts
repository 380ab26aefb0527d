// Notifications in SQLite: the delivery queue, the record of what was sent or failed, and the alerts
// the all-in-one notifier has announced. One connection serves one collector, so a claim (select and
// lease in one synchronous step) cannot race another claim of this store.
import type { AnnouncedAlert, NewNotificationRecord, NotificationRecord, NotificationStore, QueuedDelivery } from '../store.js';
import type { Notification } from '../../notify/types.js';
import { QUEUE_COLUMNS, RECORD_COLUMNS, announcedFromRow, queuedFromRow, recordFromRow, type AnnouncedRow, type QueueRow, type RecordRow } from '../rows.js';
import { prepared, type SqliteRun } from './run.js';

export class SqliteNotifications implements NotificationStore {
  constructor(private readonly r: SqliteRun) {}

  enqueue(items: readonly { notification: Notification; channel: string }[], nowMs: number): Promise<void> {
    return this.r.run((db) => {
      const ins = prepared(db, 'INSERT INTO notify_queue (notification_id, channel, device, notification, created_ms, attempts, next_attempt_ms, lease_until_ms) VALUES (?, ?, ?, ?, ?, 0, ?, 0)');
      db.transaction(() => {
        for (const { notification: n, channel } of items) ins.run(n.id, channel, n.device ?? null, JSON.stringify(n), nowMs, nowMs);
      })();
    });
  }

  claim(channel: string, nowMs: number, leaseMs: number, limit: number): Promise<QueuedDelivery[]> {
    return this.r.run((db) =>
      db.transaction(() => {
        const rows = prepared(db, `SELECT ${QUEUE_COLUMNS} FROM notify_queue WHERE channel = ? AND next_attempt_ms <= ? AND lease_until_ms <= ? ORDER BY id LIMIT ?`).all(channel, nowMs, nowMs, limit) as QueueRow[];
        const lease = prepared(db, 'UPDATE notify_queue SET lease_until_ms = ? WHERE id = ?');
        for (const r of rows) lease.run(nowMs + leaseMs, r.id);
        return rows.map(queuedFromRow);
      })(),
    );
  }

  settle(ids: readonly number[], records: readonly NewNotificationRecord[]): Promise<void> {
    return this.r.run((db) => {
      const del = prepared(db, 'DELETE FROM notify_queue WHERE id = ?');
      const ins = prepared(db, 'INSERT INTO notify_log (notification_id, channel, site, device, status, repeat, alerts, result, detail, attempts, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
      db.transaction(() => {
        for (const id of ids) del.run(id);
        for (const x of records) ins.run(x.notificationId, x.channel, x.site, x.device, x.status, x.repeat ? 1 : 0, JSON.stringify(x.alerts), x.result, x.detail, x.attempts, x.atMs);
      })();
    });
  }

  release(ids: readonly number[]): Promise<void> {
    return this.r.run((db) => {
      const up = prepared(db, 'UPDATE notify_queue SET lease_until_ms = 0 WHERE id = ?');
      db.transaction(() => {
        for (const id of ids) up.run(id);
      })();
    });
  }

  retryLater(ids: readonly number[], nextAttemptMs: number, error: string): Promise<void> {
    return this.r.run((db) => {
      const up = prepared(db, 'UPDATE notify_queue SET attempts = attempts + 1, next_attempt_ms = ?, lease_until_ms = 0, last_error = ? WHERE id = ?');
      db.transaction(() => {
        for (const id of ids) up.run(nextAttemptMs, error, id);
      })();
    });
  }

  queueLengths(): Promise<Map<string, number>> {
    return this.r.run((db) => new Map((prepared(db, 'SELECT channel, count(*) AS n FROM notify_queue GROUP BY channel').all() as { channel: string; n: number }[]).map((r) => [r.channel, r.n])));
  }

  queuedForDevice(device: string, limit = 20): Promise<QueuedDelivery[]> {
    return this.r.run((db) => (prepared(db, `SELECT ${QUEUE_COLUMNS} FROM notify_queue WHERE device = ? ORDER BY id LIMIT ?`).all(device, limit) as QueueRow[]).map(queuedFromRow));
  }

  forDevice(device: string, limit = 20): Promise<NotificationRecord[]> {
    return this.r.run((db) => (prepared(db, `SELECT ${RECORD_COLUMNS} FROM notify_log WHERE device = ? ORDER BY at_ms DESC, id DESC LIMIT ?`).all(device, limit) as RecordRow[]).map(recordFromRow));
  }

  recent(limit = 50): Promise<NotificationRecord[]> {
    return this.r.run((db) => (prepared(db, `SELECT ${RECORD_COLUMNS} FROM notify_log ORDER BY at_ms DESC, id DESC LIMIT ?`).all(limit) as RecordRow[]).map(recordFromRow));
  }

  prune(beforeMs: number): Promise<number> {
    return this.r.run((db) => prepared(db, 'DELETE FROM notify_log WHERE at_ms < ?').run(beforeMs).changes);
  }

  announced(): Promise<AnnouncedAlert[]> {
    return this.r.run((db) =>
      (prepared(db, 'SELECT key, group_key, alert, last_sent_ms FROM notify_announced ORDER BY key').all() as AnnouncedRow[]).map(announcedFromRow),
    );
  }

  updateAnnounced(set: readonly AnnouncedAlert[], resolved: readonly string[]): Promise<void> {
    return this.r.run((db) => {
      const up = prepared(db, 'INSERT INTO notify_announced (key, group_key, alert, last_sent_ms) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET group_key = excluded.group_key, alert = excluded.alert, last_sent_ms = excluded.last_sent_ms');
      const del = prepared(db, 'DELETE FROM notify_announced WHERE key = ?');
      db.transaction(() => {
        for (const a of set) up.run(a.key, a.groupKey, JSON.stringify(a.alert), a.lastSentMs);
        for (const k of resolved) del.run(k);
      })();
    });
  }
}
