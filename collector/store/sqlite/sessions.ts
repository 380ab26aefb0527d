// Login sessions in SQLite (only the id's SHA-256 is stored). The `csrf` column predates
// @fastify/csrf-protection, which now makes the forms' tokens, bound to the session: collector/web-plugins.ts.
import type { Session, SessionStore } from '../store.js';
import { newCsrf, newSessionId, sha256hex } from '../secrets.js';
import { prepared, type SqliteRun } from './run.js';

export class SqliteSessions implements SessionStore {
  constructor(private readonly r: SqliteRun) {}

  create(user: string, nowMs: number, lifetimeMs: number): Promise<{ id: string; session: Session }> {
    return this.r.run((db) => {
      const id = newSessionId();
      const session = { user, csrf: newCsrf(), expiresMs: nowMs + lifetimeMs };
      prepared(db, 'INSERT INTO sessions (id_hash, user, csrf, created_ms, expires_ms) VALUES (?, ?, ?, ?, ?)').run(sha256hex(id), user, session.csrf, nowMs, session.expiresMs);
      return { id, session };
    });
  }

  find(id: string, nowMs: number): Promise<Session | undefined> {
    return this.r.run((db) => {
      const row = prepared(db, 'SELECT user, csrf, expires_ms FROM sessions WHERE id_hash = ?').get(sha256hex(id)) as { user: string; csrf: string; expires_ms: number } | undefined;
      if (!row) return undefined;
      if (row.expires_ms <= nowMs) {
        prepared(db, 'DELETE FROM sessions WHERE id_hash = ?').run(sha256hex(id));
        return undefined;
      }
      return { user: row.user, csrf: row.csrf, expiresMs: row.expires_ms };
    });
  }

  delete(id: string): Promise<void> {
    return this.r.run((db) => void prepared(db, 'DELETE FROM sessions WHERE id_hash = ?').run(sha256hex(id)));
  }

  prune(nowMs: number): Promise<number> {
    return this.r.run((db) => prepared(db, 'DELETE FROM sessions WHERE expires_ms <= ?').run(nowMs).changes);
  }
}
