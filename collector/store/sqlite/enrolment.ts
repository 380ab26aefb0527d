// Enrolled devices and one-time enrolment codes in SQLite. A revoked device's token is refused from
// the next request on: the ingest route looks the hash up on every request, so revoking from the
// CLI needs no collector restart.
import type { EnrolledDevice, EnrolmentStore, EnrolOutcome } from '../store.js';
import { newCode, newToken, sha256hex } from '../secrets.js';
import { codeRefusal, type EnrolCodeRow } from '../rows.js';
import type { Db } from './db.js';
import { prepared, type SqliteRun } from './run.js';

const isEnrolledNow = (db: Db, device: string) => prepared(db, 'SELECT 1 FROM device_tokens WHERE device = ? AND revoked_ms IS NULL').get(device) !== undefined;

export class SqliteEnrolment implements EnrolmentStore {
  constructor(private readonly r: SqliteRun) {}

  issueCode(site: string, nowMs: number, ttlMs: number): Promise<{ code: string; expiresMs: number }> {
    return this.r.run((db) => {
      const code = newCode();
      const expiresMs = nowMs + ttlMs;
      prepared(db, 'INSERT INTO enrol_codes (code_hash, site, created_ms, expires_ms) VALUES (?, ?, ?, ?)').run(sha256hex(code), site, nowMs, expiresMs);
      return { code, expiresMs };
    });
  }

  deviceForToken(token: string): Promise<{ device: string; site: string } | undefined> {
    return this.r.run((db) => prepared(db, 'SELECT device, site FROM device_tokens WHERE token_hash = ? AND revoked_ms IS NULL').get(sha256hex(token)) as { device: string; site: string } | undefined);
  }

  isEnrolled(device: string): Promise<boolean> {
    return this.r.run((db) => isEnrolledNow(db, device));
  }

  activeCount(): Promise<number> {
    return this.r.run((db) => (prepared(db, 'SELECT COUNT(*) AS n FROM device_tokens WHERE revoked_ms IS NULL').get() as { n: number }).n);
  }

  enrol(device: string, how: { code: string } | { site: string; via: string }, nowMs: number): Promise<EnrolOutcome> {
    return this.r.run((db) =>
      db.transaction((): EnrolOutcome => {
        if (isEnrolledNow(db, device)) return { refused: 'taken' };
        let site: string;
        let via: string;
        if ('code' in how) {
          const row = prepared(db, 'SELECT site, expires_ms, used_ms FROM enrol_codes WHERE code_hash = ?').get(sha256hex(how.code)) as EnrolCodeRow | undefined;
          const refused = codeRefusal(row, nowMs);
          if (refused || !row) return refused ?? { refused: 'unknown' };
          prepared(db, 'UPDATE enrol_codes SET used_ms = ?, used_by = ? WHERE code_hash = ?').run(nowMs, device, sha256hex(how.code));
          site = row.site;
          via = 'code';
        } else {
          site = how.site;
          via = how.via;
        }
        const token = newToken();
        // A revoked device enrolling again gets a fresh row: the old token stays refused.
        prepared(db, 'DELETE FROM device_tokens WHERE device = ? AND revoked_ms IS NOT NULL').run(device);
        prepared(db, 'INSERT INTO device_tokens (device, site, token_hash, enrolled_ms, enrolled_via) VALUES (?, ?, ?, ?, ?)').run(device, site, sha256hex(token), nowMs, via);
        return { token, site };
      })(),
    );
  }

  list(): Promise<EnrolledDevice[]> {
    return this.r.run((db) => {
      const rows = prepared(db, 'SELECT device, site, enrolled_ms, enrolled_via, revoked_ms FROM device_tokens ORDER BY device').all() as Array<{ device: string; site: string; enrolled_ms: number; enrolled_via: string; revoked_ms: number | null }>;
      return rows.map((r) => ({ device: r.device, site: r.site, enrolledMs: r.enrolled_ms, enrolledVia: r.enrolled_via, revokedMs: r.revoked_ms }));
    });
  }

  forget(device: string): Promise<boolean> {
    return this.r.run((db) => prepared(db, 'DELETE FROM device_tokens WHERE device = ?').run(device).changes > 0);
  }

  hasRecord(device: string): Promise<boolean> {
    return this.r.run((db) => prepared(db, 'SELECT 1 FROM device_tokens WHERE device = ?').get(device) !== undefined);
  }

  revoke(device: string, nowMs: number): Promise<boolean> {
    return this.r.run((db) => prepared(db, 'UPDATE device_tokens SET revoked_ms = ? WHERE device = ? AND revoked_ms IS NULL').run(nowMs, device).changes > 0);
  }
}
