// Row shapes and decisions both store implementations share: the SQLite and PostgreSQL schemas use
// the same table and column names (their migrations differ only in column types), so a row read from
// either becomes the store's type the same way, and a code is judged the same way on both.
import type { Report } from '../../protocol/report.js';
import type { Gap } from '../device-store.js';
import type { Notification } from '../notify/types.js';
import type { AnnouncedAlert, BadgeState, DeviceEvent, DeviceSummary, EnrolOutcome, EventDetail, NotificationRecord, QueuedDelivery, SavedDevice } from './store.js';

export interface EventRow {
  id: number;
  device: string;
  site: string;
  indicator: string;
  from_state: BadgeState;
  to_state: BadgeState;
  at_ms: number;
  detail: string;
}

export const eventFromRow = (r: EventRow): DeviceEvent => ({ id: r.id, device: r.device, site: r.site, indicator: r.indicator, from: r.from_state, to: r.to_state, atMs: r.at_ms, detail: JSON.parse(r.detail) as EventDetail });

export interface DeviceStateStoredRow {
  device: string;
  site: string;
  report: string;
  received_at_ms: number | null;
  clock_offset_seconds: number | null;
  reports_accepted: number;
  gaps: string;
  holder: string | null;
  saved_ms: number | null;
}

export interface DeviceSummaryRow {
  device: string;
  site: string;
  holder: string | null;
  saved_ms: number | null;
  received_at_ms: number | null;
  interval_seconds: number | null;
  reports_accepted: number;
}

export const deviceSummaryFromRow = (r: DeviceSummaryRow): DeviceSummary => ({
  name: r.device,
  site: r.site,
  ...(r.holder !== null ? { holder: r.holder } : {}),
  ...(r.saved_ms !== null ? { savedMs: r.saved_ms } : {}),
  ...(r.received_at_ms !== null ? { receivedAtMs: r.received_at_ms } : {}),
  ...(r.interval_seconds !== null ? { intervalSeconds: r.interval_seconds } : {}),
  reportsAccepted: r.reports_accepted,
});

/** `labels` as stored in alert_active (JSON text) names this device: a cheap prefilter, checked exactly after parsing. */
export const deviceLabelPattern = (device: string): string => `%"device":${JSON.stringify(device).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export const savedDeviceFromRow = (r: DeviceStateStoredRow): SavedDevice => ({
  name: r.device,
  site: r.site,
  report: JSON.parse(r.report) as Report,
  reportText: r.report,
  ...(r.received_at_ms !== null ? { receivedAtMs: r.received_at_ms } : {}),
  ...(r.clock_offset_seconds !== null ? { clockOffsetSeconds: r.clock_offset_seconds } : {}),
  reportsAccepted: r.reports_accepted,
  gaps: JSON.parse(r.gaps) as Gap[],
  ...(r.holder !== null && r.holder !== undefined ? { holder: r.holder } : {}),
  ...(r.saved_ms !== null && r.saved_ms !== undefined ? { savedMs: r.saved_ms } : {}),
});

export interface EnrolCodeRow {
  site: string;
  expires_ms: number;
  used_ms: number | null;
}

/** Why a one-time code cannot enrol a device now; undefined when it can. */
export function codeRefusal(row: EnrolCodeRow | undefined, nowMs: number): Extract<EnrolOutcome, { refused: unknown }> | undefined {
  if (!row) return { refused: 'unknown' };
  if (row.used_ms !== null) return { refused: 'used' };
  if (row.expires_ms <= nowMs) return { refused: 'expired' };
  return undefined;
}

// ---- notifications -------------------------------------------------------------------------------

export interface QueueRow {
  id: number;
  channel: string;
  notification: string;
  attempts: number;
  next_attempt_ms: number;
  last_error: string | null;
}

export interface RecordRow {
  id: number;
  notification_id: string;
  channel: string;
  site: string;
  device: string | null;
  status: 'firing' | 'resolved';
  /** BOOLEAN in PostgreSQL, 0/1 in SQLite. */
  repeat: boolean | number;
  alerts: string;
  result: 'sent' | 'failed';
  detail: string;
  attempts: number;
  at_ms: number;
}

export interface AnnouncedRow {
  key: string;
  group_key: string;
  alert: string;
  last_sent_ms: number;
}

export const QUEUE_COLUMNS = 'id, channel, notification, attempts, next_attempt_ms, last_error';
export const RECORD_COLUMNS = 'id, notification_id, channel, site, device, status, repeat, alerts, result, detail, attempts, at_ms';

export const queuedFromRow = (r: QueueRow): QueuedDelivery => ({ id: r.id, channel: r.channel, notification: JSON.parse(r.notification) as Notification, attempts: r.attempts, nextAttemptMs: r.next_attempt_ms, lastError: r.last_error });

export const recordFromRow = (r: RecordRow): NotificationRecord => ({
  id: r.id,
  notificationId: r.notification_id,
  channel: r.channel,
  site: r.site,
  device: r.device,
  status: r.status,
  repeat: r.repeat === true || r.repeat === 1,
  alerts: JSON.parse(r.alerts) as string[],
  result: r.result,
  detail: r.detail,
  attempts: r.attempts,
  atMs: r.at_ms,
});

export const announcedFromRow = (r: AnnouncedRow): AnnouncedAlert => ({ key: r.key, groupKey: r.group_key, alert: JSON.parse(r.alert) as AnnouncedAlert['alert'], lastSentMs: r.last_sent_ms });
