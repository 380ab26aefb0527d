// Login sessions in PostgreSQL (only the id's SHA-256 is stored): with a shared store, a session made
// on one collector is valid on every other.
import type { Session, SessionStore } from '../store.js';
import { newCsrf, newSessionId, sha256hex } from '../secrets.js';
import type { PgRun } from './run.js';

export class PgSessions implements SessionStore {
  constructor(private readonly q: PgRun) {}

  async create(user: string, nowMs: number, lifetimeMs: number): Promise<{ id: string; session: Session }> {
    const id = newSessionId();
    const session = { user, csrf: newCsrf(), expiresMs: nowMs + lifetimeMs };
    await this.q.count('INSERT INTO sessions (id_hash, user_name, csrf, created_ms, expires_ms) VALUES ($1, $2, $3, $4, $5)', [sha256hex(id), user, session.csrf, nowMs, session.expiresMs]);
    return { id, session };
  }

  async find(id: string, nowMs: number): Promise<Session | undefined> {
    const [row] = await this.q.rows<{ user_name: string; csrf: string; expires_ms: number }>('SELECT user_name, csrf, expires_ms FROM sessions WHERE id_hash = $1', [sha256hex(id)]);
    if (!row) return undefined;
    if (row.expires_ms <= nowMs) {
      await this.delete(id);
      return undefined;
    }
    return { user: row.user_name, csrf: row.csrf, expiresMs: row.expires_ms };
  }

  async delete(id: string): Promise<void> {
    await this.q.count('DELETE FROM sessions WHERE id_hash = $1', [sha256hex(id)]);
  }

  prune(nowMs: number): Promise<number> {
    return this.q.count('DELETE FROM sessions WHERE expires_ms <= $1', [nowMs]);
  }
}
