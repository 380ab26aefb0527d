// Notifications in PostgreSQL. Several collectors may share the database: a claim leases due rows
// with one UPDATE over a SELECT … FOR UPDATE SKIP LOCKED, so two collectors claiming at the same
// moment take different rows and never deliver one message twice.
import type { AnnouncedAlert, NewNotificationRecord, NotificationRecord, NotificationStore, QueuedDelivery } from '../store.js';
import type { Notification } from '../../notify/types.js';
import { QUEUE_COLUMNS, RECORD_COLUMNS, announcedFromRow, queuedFromRow, recordFromRow, type AnnouncedRow, type QueueRow, type RecordRow } from '../rows.js';
import type { PgRun } from './run.js';

export class PgNotifications implements NotificationStore {
  constructor(private readonly q: PgRun) {}

  async enqueue(items: readonly { notification: Notification; channel: string }[], nowMs: number): Promise<void> {
    if (items.length === 0) return;
    await this.q.count(
      `INSERT INTO notify_queue (notification_id, channel, device, notification, created_ms, attempts, next_attempt_ms, lease_until_ms)
       SELECT i, c, d, n, $5, 0, $5, 0 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u(i, c, d, n)`,
      [items.map((x) => x.notification.id), items.map((x) => x.channel), items.map((x) => x.notification.device ?? null), items.map((x) => JSON.stringify(x.notification)), nowMs],
    );
  }

  async claim(channel: string, nowMs: number, leaseMs: number, limit: number): Promise<QueuedDelivery[]> {
    const rows = await this.q.rows<QueueRow>(
      `UPDATE notify_queue SET lease_until_ms = $3 WHERE id IN (
         SELECT id FROM notify_queue WHERE channel = $1 AND next_attempt_ms <= $2 AND lease_until_ms <= $2 ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED
       ) RETURNING ${QUEUE_COLUMNS}`,
      [channel, nowMs, nowMs + leaseMs, limit],
    );
    return rows.sort((a, b) => a.id - b.id).map(queuedFromRow);
  }

  async settle(ids: readonly number[], records: readonly NewNotificationRecord[]): Promise<void> {
    await this.q.atomic(async (q) => {
      if (ids.length > 0) await q.count('DELETE FROM notify_queue WHERE id = ANY($1::bigint[])', [ids]);
      for (const x of records) {
        await q.count('INSERT INTO notify_log (notification_id, channel, site, device, status, repeat, alerts, result, detail, attempts, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)', [
          x.notificationId, x.channel, x.site, x.device, x.status, x.repeat, JSON.stringify(x.alerts), x.result, x.detail, x.attempts, x.atMs,
        ]);
      }
    });
  }

  async release(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.q.count('UPDATE notify_queue SET lease_until_ms = 0 WHERE id = ANY($1::bigint[])', [ids]);
  }

  async retryLater(ids: readonly number[], nextAttemptMs: number, error: string): Promise<void> {
    if (ids.length === 0) return;
    await this.q.count('UPDATE notify_queue SET attempts = attempts + 1, next_attempt_ms = $1, lease_until_ms = 0, last_error = $2 WHERE id = ANY($3::bigint[])', [nextAttemptMs, error, ids]);
  }

  async queueLengths(): Promise<Map<string, number>> {
    return new Map((await this.q.rows<{ channel: string; n: number }>('SELECT channel, count(*)::int AS n FROM notify_queue GROUP BY channel')).map((r) => [r.channel, r.n]));
  }

  async queuedForDevice(device: string, limit = 20): Promise<QueuedDelivery[]> {
    return (await this.q.rows<QueueRow>(`SELECT ${QUEUE_COLUMNS} FROM notify_queue WHERE device = $1 ORDER BY id LIMIT $2`, [device, limit])).map(queuedFromRow);
  }

  async forDevice(device: string, limit = 20): Promise<NotificationRecord[]> {
    return (await this.q.rows<RecordRow>(`SELECT ${RECORD_COLUMNS} FROM notify_log WHERE device = $1 ORDER BY at_ms DESC, id DESC LIMIT $2`, [device, limit])).map(recordFromRow);
  }

  async recent(limit = 50): Promise<NotificationRecord[]> {
    return (await this.q.rows<RecordRow>(`SELECT ${RECORD_COLUMNS} FROM notify_log ORDER BY at_ms DESC, id DESC LIMIT $1`, [limit])).map(recordFromRow);
  }

  prune(beforeMs: number): Promise<number> {
    return this.q.count('DELETE FROM notify_log WHERE at_ms < $1', [beforeMs]);
  }

  async announced(): Promise<AnnouncedAlert[]> {
    return (await this.q.rows<AnnouncedRow>('SELECT key, group_key, alert, last_sent_ms FROM notify_announced ORDER BY key')).map(announcedFromRow);
  }

  async updateAnnounced(set: readonly AnnouncedAlert[], resolved: readonly string[]): Promise<void> {
    if (set.length + resolved.length === 0) return;
    await this.q.atomic(async (q) => {
      if (set.length > 0) {
        await q.count(
          `INSERT INTO notify_announced (key, group_key, alert, last_sent_ms) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])
           ON CONFLICT (key) DO UPDATE SET group_key = EXCLUDED.group_key, alert = EXCLUDED.alert, last_sent_ms = EXCLUDED.last_sent_ms`,
          [set.map((a) => a.key), set.map((a) => a.groupKey), set.map((a) => JSON.stringify(a.alert)), set.map((a) => a.lastSentMs)],
        );
      }
      if (resolved.length > 0) await q.count('DELETE FROM notify_announced WHERE key = ANY($1::text[])', [resolved]);
    });
  }
}
