// The device_state upsert, shared by the connection that commits device states: the collector's own
// (in memory, inside a transaction) and the commit thread's (device-state-worker.ts).
import type { DeviceStateRow } from '../store.js';

export const UPSERT = `INSERT INTO device_state (device, site, report, received_at_ms, clock_offset_seconds, reports_accepted, gaps, holder, saved_ms, interval_seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (device) DO UPDATE SET site = excluded.site, report = excluded.report, received_at_ms = excluded.received_at_ms,
         clock_offset_seconds = excluded.clock_offset_seconds, reports_accepted = excluded.reports_accepted, gaps = excluded.gaps,
         holder = excluded.holder, saved_ms = excluded.saved_ms, interval_seconds = excluded.interval_seconds`;

/** The upsert's parameters for one row, in UPSERT's order. */
export const upsertParams = (d: DeviceStateRow): unknown[] => [d.name, d.site, d.reportJson, d.receivedAtMs ?? null, d.clockOffsetSeconds ?? null, d.reportsAccepted, JSON.stringify(d.gaps), d.holder ?? null, d.savedMs ?? null, d.intervalSeconds ?? null];
