// Enrolled devices and one-time enrolment codes in PostgreSQL. Two collectors may enrol at the same
// moment: the code's row is locked while it is used (a second agent with that code then finds it
// used), and the device name is the tokens' primary key (a second enrolment of one name fails on it
// and is refused as taken, its use of a code rolled back).
import type { EnrolledDevice, EnrolmentStore, EnrolOutcome } from '../store.js';
import { newCode, newToken, sha256hex } from '../secrets.js';
import { codeRefusal, type EnrolCodeRow } from '../rows.js';
import { isUniqueViolation, type PgRun } from './run.js';

const isEnrolledOn = async (q: PgRun, device: string) => (await q.rows('SELECT 1 FROM device_tokens WHERE device = $1 AND revoked_ms IS NULL', [device])).length > 0;

class Taken extends Error {}

export class PgEnrolment implements EnrolmentStore {
  constructor(private readonly q: PgRun) {}

  async issueCode(site: string, nowMs: number, ttlMs: number): Promise<{ code: string; expiresMs: number }> {
    const code = newCode();
    const expiresMs = nowMs + ttlMs;
    await this.q.count('INSERT INTO enrol_codes (code_hash, site, created_ms, expires_ms) VALUES ($1, $2, $3, $4)', [sha256hex(code), site, nowMs, expiresMs]);
    return { code, expiresMs };
  }

  async deviceForToken(token: string): Promise<{ device: string; site: string } | undefined> {
    const [row] = await this.q.rows<{ device: string; site: string }>('SELECT device, site FROM device_tokens WHERE token_hash = $1 AND revoked_ms IS NULL', [sha256hex(token)]);
    return row;
  }

  isEnrolled(device: string): Promise<boolean> {
    return isEnrolledOn(this.q, device);
  }

  async activeCount(): Promise<number> {
    const [row] = await this.q.rows<{ n: number }>('SELECT COUNT(*)::bigint AS n FROM device_tokens WHERE revoked_ms IS NULL');
    return row!.n;
  }

  async enrol(device: string, how: { code: string } | { site: string; via: string }, nowMs: number): Promise<EnrolOutcome> {
    try {
      return await this.q.atomic(async (q): Promise<EnrolOutcome> => {
        if (await isEnrolledOn(q, device)) return { refused: 'taken' };
        let site: string;
        let via: string;
        if ('code' in how) {
          const [row] = await q.rows<EnrolCodeRow>('SELECT site, expires_ms, used_ms FROM enrol_codes WHERE code_hash = $1 FOR UPDATE', [sha256hex(how.code)]);
          const refused = codeRefusal(row, nowMs);
          if (refused || !row) return refused ?? { refused: 'unknown' };
          await q.count('UPDATE enrol_codes SET used_ms = $1, used_by = $2 WHERE code_hash = $3', [nowMs, device, sha256hex(how.code)]);
          site = row.site;
          via = 'code';
        } else {
          site = how.site;
          via = how.via;
        }
        const token = newToken();
        // A revoked device enrolling again gets a fresh row: the old token stays refused.
        await q.count('DELETE FROM device_tokens WHERE device = $1 AND revoked_ms IS NOT NULL', [device]);
        try {
          await q.count('INSERT INTO device_tokens (device, site, token_hash, enrolled_ms, enrolled_via) VALUES ($1, $2, $3, $4, $5)', [device, site, sha256hex(token), nowMs, via]);
        } catch (err) {
          // Another collector enrolled this name meanwhile: roll back (the code stays unused) and refuse.
          if (isUniqueViolation(err)) throw new Taken();
          throw err;
        }
        return { token, site };
      });
    } catch (err) {
      if (err instanceof Taken) return { refused: 'taken' };
      throw err;
    }
  }

  async list(): Promise<EnrolledDevice[]> {
    const rows = await this.q.rows<{ device: string; site: string; enrolled_ms: number; enrolled_via: string; revoked_ms: number | null }>('SELECT device, site, enrolled_ms, enrolled_via, revoked_ms FROM device_tokens ORDER BY device COLLATE "C"');
    return rows.map((r) => ({ device: r.device, site: r.site, enrolledMs: r.enrolled_ms, enrolledVia: r.enrolled_via, revokedMs: r.revoked_ms }));
  }

  async forget(device: string): Promise<boolean> {
    return (await this.q.count('DELETE FROM device_tokens WHERE device = $1', [device])) > 0;
  }

  async hasRecord(device: string): Promise<boolean> {
    return (await this.q.rows('SELECT 1 FROM device_tokens WHERE device = $1', [device])).length > 0;
  }

  async revoke(device: string, nowMs: number): Promise<boolean> {
    return (await this.q.count('UPDATE device_tokens SET revoked_ms = $1 WHERE device = $2 AND revoked_ms IS NULL', [nowMs, device])) > 0;
  }
}
