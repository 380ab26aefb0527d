// Status-page users in PostgreSQL, shared by every collector of the database. A change that could
// take away the last enabled administrator locks the users table for its transaction (user changes
// are rare; SHARE ROW EXCLUSIVE lets reads go on), so two administrators demoting each other on two
// collectors at once cannot both succeed.
import type { StoredUser, UserChanges, UserStore } from '../store.js';
import { applyUserChanges, checkNewUser, checkUserName, losesAdmin } from '../user-rules.js';
import type { PgRun } from './run.js';

interface Row {
  name: string;
  role: StoredUser['role'];
  sites: string;
  password_hash: string;
  disabled: boolean;
  created_ms: number;
  updated_ms: number;
}

const fromRow = (r: Row): StoredUser => ({ name: r.name, role: r.role, sites: JSON.parse(r.sites) as string[], passwordHash: r.password_hash, disabled: r.disabled, createdMs: r.created_ms, updatedMs: r.updated_ms });
const COLUMNS = 'name, role, sites, password_hash, disabled, created_ms, updated_ms';

async function lockedUser(q: PgRun, name: string): Promise<StoredUser | undefined> {
  await q.count('LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE');
  const [row] = await q.rows<Row>(`SELECT ${COLUMNS} FROM users WHERE name = $1`, [name]);
  return row && fromRow(row);
}

async function otherEnabledAdmins(q: PgRun, name: string): Promise<number> {
  const [r] = await q.rows<{ n: number }>("SELECT count(*)::int AS n FROM users WHERE role = 'admin' AND NOT disabled AND name <> $1", [name]);
  return r!.n;
}

export class PgUsers implements UserStore {
  constructor(private readonly q: PgRun) {}

  async get(name: string): Promise<StoredUser | undefined> {
    const [row] = await this.q.rows<Row>(`SELECT ${COLUMNS} FROM users WHERE name = $1`, [name]);
    return row && fromRow(row);
  }

  async list(): Promise<StoredUser[]> {
    return (await this.q.rows<Row>(`SELECT ${COLUMNS} FROM users ORDER BY name`)).map(fromRow);
  }

  async add(user: Omit<StoredUser, 'updatedMs'>): Promise<{ ok: true } | { refused: 'exists' }> {
    const u = checkNewUser(user);
    const n = await this.q.count(`INSERT INTO users (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (name) DO NOTHING`, [u.name, u.role, JSON.stringify(u.sites), u.passwordHash, u.disabled, u.createdMs]);
    return n === 1 ? { ok: true } : { refused: 'exists' };
  }

  update(name: string, changes: UserChanges, nowMs: number): Promise<{ ok: true } | { refused: 'not_found' | 'last_admin' }> {
    return this.q.atomic(async (q) => {
      const before = await lockedUser(q, name);
      if (!before) return { refused: 'not_found' as const };
      const after = applyUserChanges(before, changes, nowMs);
      if (losesAdmin(before, after) && (await otherEnabledAdmins(q, name)) === 0) return { refused: 'last_admin' as const };
      await q.count('UPDATE users SET role = $1, sites = $2, password_hash = $3, disabled = $4, updated_ms = $5 WHERE name = $6', [after.role, JSON.stringify(after.sites), after.passwordHash, after.disabled, nowMs, name]);
      // A disabled user, or one with a new password, logs in again (or not at all).
      if ((after.disabled && !before.disabled) || after.passwordHash !== before.passwordHash) await q.count('DELETE FROM sessions WHERE user_name = $1', [name]);
      return { ok: true as const };
    });
  }

  remove(name: string): Promise<{ ok: true } | { refused: 'not_found' | 'last_admin' }> {
    return this.q.atomic(async (q) => {
      const before = await lockedUser(q, checkUserName(name));
      if (!before) return { refused: 'not_found' as const };
      if (losesAdmin(before, undefined) && (await otherEnabledAdmins(q, name)) === 0) return { refused: 'last_admin' as const };
      await q.count('DELETE FROM users WHERE name = $1', [name]);
      await q.count('DELETE FROM sessions WHERE user_name = $1', [name]);
      return { ok: true as const };
    });
  }
}
