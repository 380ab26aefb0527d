// Status-page users in SQLite. Each write checks and changes in one transaction on the one
// connection, so the "an enabled administrator stays" rule holds against the CLI writing beside the
// collector (the other writer waits for SQLite's lock).
import type { StoredUser, UserChanges, UserStore } from '../store.js';
import { applyUserChanges, checkNewUser, checkUserName, losesAdmin } from '../user-rules.js';
import { prepared, type SqliteRun } from './run.js';
import type { Db } from './db.js';

interface Row {
  name: string;
  role: StoredUser['role'];
  sites: string;
  password_hash: string;
  disabled: number;
  created_ms: number;
  updated_ms: number;
}

const fromRow = (r: Row): StoredUser => ({ name: r.name, role: r.role, sites: JSON.parse(r.sites) as string[], passwordHash: r.password_hash, disabled: r.disabled === 1, createdMs: r.created_ms, updatedMs: r.updated_ms });
const COLUMNS = 'name, role, sites, password_hash, disabled, created_ms, updated_ms';

const getRow = (db: Db, name: string) => prepared(db, `SELECT ${COLUMNS} FROM users WHERE name = ?`).get(name) as Row | undefined;
const otherEnabledAdmins = (db: Db, name: string) => (prepared(db, "SELECT count(*) AS n FROM users WHERE role = 'admin' AND disabled = 0 AND name <> ?").get(name) as { n: number }).n;
const endSessions = (db: Db, name: string) => prepared(db, 'DELETE FROM sessions WHERE user = ?').run(name);

/** `work` in a transaction of its own, or a savepoint inside the caller's. */
const atomically = <T>(db: Db, work: () => T): T => db.transaction(work)();

export class SqliteUsers implements UserStore {
  constructor(private readonly r: SqliteRun) {}

  get(name: string): Promise<StoredUser | undefined> {
    return this.r.run((db) => {
      const row = getRow(db, name);
      return row && fromRow(row);
    });
  }

  list(): Promise<StoredUser[]> {
    return this.r.run((db) => (prepared(db, `SELECT ${COLUMNS} FROM users ORDER BY name`).all() as Row[]).map(fromRow));
  }

  add(user: Omit<StoredUser, 'updatedMs'>): Promise<{ ok: true } | { refused: 'exists' }> {
    return this.r.run((db) => {
      const u = checkNewUser(user);
      const { changes } = prepared(db, `INSERT INTO users (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`).run(u.name, u.role, JSON.stringify(u.sites), u.passwordHash, u.disabled ? 1 : 0, u.createdMs, u.createdMs);
      return changes === 1 ? { ok: true as const } : { refused: 'exists' as const };
    });
  }

  update(name: string, changes: UserChanges, nowMs: number): Promise<{ ok: true } | { refused: 'not_found' | 'last_admin' }> {
    return this.r.run((db) =>
      atomically(db, () => {
        const row = getRow(db, name);
        if (!row) return { refused: 'not_found' as const };
        const before = fromRow(row);
        const after = applyUserChanges(before, changes, nowMs);
        if (losesAdmin(before, after) && otherEnabledAdmins(db, name) === 0) return { refused: 'last_admin' as const };
        prepared(db, 'UPDATE users SET role = ?, sites = ?, password_hash = ?, disabled = ?, updated_ms = ? WHERE name = ?').run(after.role, JSON.stringify(after.sites), after.passwordHash, after.disabled ? 1 : 0, nowMs, name);
        // A disabled user, or one with a new password, logs in again (or not at all).
        if ((after.disabled && !before.disabled) || after.passwordHash !== before.passwordHash) endSessions(db, name);
        return { ok: true as const };
      }),
    );
  }

  remove(name: string): Promise<{ ok: true } | { refused: 'not_found' | 'last_admin' }> {
    return this.r.run((db) =>
      atomically(db, () => {
        const row = getRow(db, checkUserName(name));
        if (!row) return { refused: 'not_found' as const };
        if (losesAdmin(fromRow(row), undefined) && otherEnabledAdmins(db, name) === 0) return { refused: 'last_admin' as const };
        prepared(db, 'DELETE FROM users WHERE name = ?').run(name);
        endSessions(db, name);
        return { ok: true as const };
      }),
    );
  }
}
