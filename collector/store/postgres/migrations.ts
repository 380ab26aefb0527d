// The PostgreSQL schema, as explicit numbered migrations: version N is the N-th entry, applied once,
// in order, and recorded in `schema_migrations`. Never edit an entry that has shipped: add one.
// Times are milliseconds since the epoch (BIGINT), as in SQLite, so both stores hold the same
// values; JSON documents (reports, event details, labels) are stored as the text they were written
// as. `user` is a reserved word in PostgreSQL, hence `user_name`.
export interface Migration {
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    name: 'events, indicator state, alert pending times, inspections, first sightings, sessions, maintenance',
    sql: `
CREATE TABLE events (
  id BIGSERIAL PRIMARY KEY,
  device TEXT NOT NULL,
  site TEXT NOT NULL,
  indicator TEXT NOT NULL,
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  at_ms BIGINT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX events_device_at ON events (device, at_ms);
CREATE INDEX events_at ON events (at_ms);
CREATE TABLE indicator_state (
  device TEXT NOT NULL,
  indicator TEXT NOT NULL,
  state TEXT NOT NULL,
  since_ms BIGINT NOT NULL,
  PRIMARY KEY (device, indicator)
);
CREATE TABLE alert_active (
  alert TEXT NOT NULL,
  labels TEXT NOT NULL,
  active_at_ms BIGINT NOT NULL,
  PRIMARY KEY (alert, labels)
);
CREATE TABLE inspections (
  id BIGSERIAL PRIMARY KEY,
  device TEXT NOT NULL,
  site TEXT NOT NULL,
  at_ms BIGINT NOT NULL,
  user_name TEXT NOT NULL,
  result TEXT NOT NULL CHECK (result IN ('ok', 'fault')),
  note TEXT NOT NULL
);
CREATE INDEX inspections_device_at ON inspections (device, at_ms);
CREATE INDEX inspections_at ON inspections (at_ms);
CREATE TABLE device_first_seen (
  device TEXT PRIMARY KEY,
  first_seen_ms BIGINT NOT NULL
);
CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  user_name TEXT NOT NULL,
  csrf TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  expires_ms BIGINT NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_ms);
CREATE TABLE maintenance (
  id BIGSERIAL PRIMARY KEY,
  device TEXT NOT NULL,
  starts_ms BIGINT NOT NULL,
  ends_ms BIGINT NOT NULL,
  user_name TEXT NOT NULL,
  reason TEXT NOT NULL,
  silence_id TEXT,
  silence_error TEXT,
  created_ms BIGINT NOT NULL,
  ended_early_ms BIGINT
);
CREATE INDEX maintenance_device ON maintenance (device, ends_ms);
CREATE INDEX maintenance_ends ON maintenance (ends_ms);`,
  },
  {
    name: 'device state, device tokens, enrolment codes',
    sql: `
CREATE TABLE device_state (
  device TEXT PRIMARY KEY,
  site TEXT NOT NULL,
  report TEXT NOT NULL,
  received_at_ms BIGINT,
  clock_offset_seconds DOUBLE PRECISION,
  reports_accepted BIGINT NOT NULL,
  gaps TEXT NOT NULL
);
CREATE TABLE device_tokens (
  device TEXT PRIMARY KEY,
  site TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  enrolled_ms BIGINT NOT NULL,
  enrolled_via TEXT NOT NULL,
  revoked_ms BIGINT
);
CREATE TABLE enrol_codes (
  code_hash TEXT PRIMARY KEY,
  site TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  expires_ms BIGINT NOT NULL,
  used_ms BIGINT,
  used_by TEXT
);`,
  },
  {
    name: 'notifications: delivery queue, sent/failed record, announced alerts',
    sql: `
CREATE TABLE notify_queue (
  id BIGSERIAL PRIMARY KEY,
  notification_id TEXT NOT NULL,
  channel TEXT NOT NULL,
  device TEXT,
  notification TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_ms BIGINT NOT NULL,
  lease_until_ms BIGINT NOT NULL,
  last_error TEXT,
  UNIQUE (notification_id, channel)
);
CREATE INDEX notify_queue_due ON notify_queue (channel, next_attempt_ms);
CREATE INDEX notify_queue_device ON notify_queue (device);
CREATE TABLE notify_log (
  id BIGSERIAL PRIMARY KEY,
  notification_id TEXT NOT NULL,
  channel TEXT NOT NULL,
  site TEXT NOT NULL,
  device TEXT,
  status TEXT NOT NULL,
  repeat BOOLEAN NOT NULL,
  alerts TEXT NOT NULL,
  result TEXT NOT NULL CHECK (result IN ('sent', 'failed')),
  detail TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  at_ms BIGINT NOT NULL
);
CREATE INDEX notify_log_device_at ON notify_log (device, at_ms);
CREATE INDEX notify_log_at ON notify_log (at_ms);
CREATE TABLE notify_announced (
  key TEXT PRIMARY KEY,
  group_key TEXT NOT NULL,
  alert TEXT NOT NULL,
  last_sent_ms BIGINT NOT NULL
);`,
  },
  {
    name: 'history chunks and marks (issue 19)',
    sql: `
CREATE TABLE history_chunks (
  device TEXT NOT NULL,
  tier INTEGER NOT NULL,
  start_ms BIGINT NOT NULL,
  data BYTEA NOT NULL,
  PRIMARY KEY (device, tier, start_ms)
);
CREATE INDEX history_chunks_tier_start ON history_chunks (tier, start_ms);
CREATE TABLE history_marks (
  device TEXT NOT NULL,
  kind TEXT NOT NULL,
  at_ms BIGINT NOT NULL,
  key TEXT NOT NULL,
  outcome TEXT NOT NULL,
  PRIMARY KEY (device, kind, at_ms, key)
);
CREATE INDEX history_marks_at ON history_marks (at_ms);`,
  },
  {
    name: 'users (issue 21)',
    sql: `
CREATE TABLE users (
  name TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
  role TEXT NOT NULL CHECK (role IN ('viewer', 'technician', 'admin')),
  sites TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  disabled BOOLEAN NOT NULL,
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_name);`,
  },
  {
    name: 'which collector holds each device, and when it last saved it (issue 21)',
    sql: `
ALTER TABLE device_state ADD COLUMN holder TEXT;
ALTER TABLE device_state ADD COLUMN saved_ms BIGINT;
ALTER TABLE device_state ADD COLUMN interval_seconds DOUBLE PRECISION;
CREATE INDEX device_state_saved ON device_state (saved_ms);
ALTER TABLE indicator_state ADD COLUMN updated_ms BIGINT;
CREATE INDEX indicator_state_updated ON indicator_state (updated_ms);`,
  },
];

/**
 * The key of the advisory lock under which migrations run (any constant both sides agree on): several
 * collectors starting at once against one database upgrade it once, one after the other.
 */
export const MIGRATION_LOCK_KEY = 0x73776d67; // "swmg"
