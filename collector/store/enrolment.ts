// Enrolled devices and one-time enrolment codes. Only SHA-256 hashes of tokens and codes are stored:
// a copy of the database lets nobody report as a device or enrol one. A code works once and until
// it expires; a revoked device's token is refused from the next request on (the ingest route looks
// the hash up on every request, so revoking from the CLI needs no collector restart).
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from './db.js';

export const sha256hex = (s: string) => createHash('sha256').update(s).digest('hex');

export interface EnrolledDevice {
  device: string;
  site: string;
  enrolledMs: number;
  enrolledVia: string;
  revokedMs: number | null;
}

export class EnrolmentStore {
  constructor(private readonly db: Db) {}

  /** A new one-time code for a site; returns the code (shown once, stored as a hash). */
  issueCode(site: string, nowMs: number, ttlMs: number): { code: string; expiresMs: number } {
    const code = randomBytes(15).toString('base64url');
    const expiresMs = nowMs + ttlMs;
    this.db.prepare('INSERT INTO enrol_codes (code_hash, site, created_ms, expires_ms) VALUES (?, ?, ?, ?)').run(sha256hex(code), site, nowMs, expiresMs);
    return { code, expiresMs };
  }

  /** The device with this token, unless revoked. */
  deviceForToken(token: string): { device: string; site: string } | undefined {
    const row = this.db.prepare('SELECT device, site FROM device_tokens WHERE token_hash = ? AND revoked_ms IS NULL').get(sha256hex(token)) as { device: string; site: string } | undefined;
    return row;
  }

  /** Whether a name is taken by a device that is enrolled and not revoked. */
  isEnrolled(device: string): boolean {
    return this.db.prepare('SELECT 1 FROM device_tokens WHERE device = ? AND revoked_ms IS NULL').get(device) !== undefined;
  }

  activeCount(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM device_tokens WHERE revoked_ms IS NULL').get() as { n: number }).n;
  }

  /**
   * Uses a code (once) and enrols the device with a new token, in one transaction: two agents racing
   * with one code cannot both succeed. `via` says how (code or site secret) for `devices list`.
   */
  enrol(device: string, how: { code: string } | { site: string; via: string }, nowMs: number): { token: string; site: string } | { refused: 'unknown' | 'used' | 'expired' | 'taken' } {
    return this.db.transaction(() => {
      if (this.isEnrolled(device)) return { refused: 'taken' as const };
      let site: string;
      let via: string;
      if ('code' in how) {
        const row = this.db.prepare('SELECT site, expires_ms, used_ms FROM enrol_codes WHERE code_hash = ?').get(sha256hex(how.code)) as { site: string; expires_ms: number; used_ms: number | null } | undefined;
        if (!row) return { refused: 'unknown' as const };
        if (row.used_ms !== null) return { refused: 'used' as const };
        if (row.expires_ms <= nowMs) return { refused: 'expired' as const };
        this.db.prepare('UPDATE enrol_codes SET used_ms = ?, used_by = ? WHERE code_hash = ?').run(nowMs, device, sha256hex(how.code));
        site = row.site;
        via = 'code';
      } else {
        site = how.site;
        via = how.via;
      }
      const token = randomBytes(32).toString('base64url');
      // A revoked device enrolling again gets a fresh row: the old token stays refused.
      this.db.prepare('DELETE FROM device_tokens WHERE device = ? AND revoked_ms IS NOT NULL').run(device);
      this.db.prepare('INSERT INTO device_tokens (device, site, token_hash, enrolled_ms, enrolled_via) VALUES (?, ?, ?, ?, ?)').run(device, site, sha256hex(token), nowMs, via);
      return { token, site };
    })();
  }

  list(): EnrolledDevice[] {
    const rows = this.db.prepare('SELECT device, site, enrolled_ms, enrolled_via, revoked_ms FROM device_tokens ORDER BY device').all() as Array<{ device: string; site: string; enrolled_ms: number; enrolled_via: string; revoked_ms: number | null }>;
    return rows.map((r) => ({ device: r.device, site: r.site, enrolledMs: r.enrolled_ms, enrolledVia: r.enrolled_via, revokedMs: r.revoked_ms }));
  }

  /** Deletes the device's token rows (live or revoked): the name is free, the token refused. */
  forget(device: string): boolean {
    return this.db.prepare('DELETE FROM device_tokens WHERE device = ?').run(device).changes > 0;
  }

  /** Whether the device has a token row, live or revoked. */
  hasRecord(device: string): boolean {
    return this.db.prepare('SELECT 1 FROM device_tokens WHERE device = ?').get(device) !== undefined;
  }

  /** Revokes the device's token; false when no such enrolled device. */
  revoke(device: string, nowMs: number): boolean {
    return this.db.prepare('UPDATE device_tokens SET revoked_ms = ? WHERE device = ? AND revoked_ms IS NULL').run(nowMs, device).changes > 0;
  }
}
