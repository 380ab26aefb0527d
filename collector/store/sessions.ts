// Login sessions. The cookie carries a random id; the store keeps only its SHA-256, so a copy of the
// database does not let anyone log in. (The `csrf` column predates @fastify/csrf-protection, which
// now makes the forms' tokens, bound to the session: collector/web-plugins.ts.)
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from './db.js';

export interface Session {
  user: string;
  csrf: string;
  expiresMs: number;
}

const digest = (id: string) => createHash('sha256').update(id).digest('hex');

export class SessionStore {
  constructor(private readonly db: Db) {}

  /** A new session; returns the id for the cookie (never stored as such). */
  create(user: string, nowMs: number, lifetimeMs: number): { id: string; session: Session } {
    const id = randomBytes(32).toString('base64url');
    const session = { user, csrf: randomBytes(24).toString('base64url'), expiresMs: nowMs + lifetimeMs };
    this.db.prepare('INSERT INTO sessions (id_hash, user, csrf, created_ms, expires_ms) VALUES (?, ?, ?, ?, ?)').run(digest(id), user, session.csrf, nowMs, session.expiresMs);
    return { id, session };
  }

  /** The live session with this id; an expired one is deleted and not returned. */
  find(id: string, nowMs: number): Session | undefined {
    const row = this.db.prepare('SELECT user, csrf, expires_ms FROM sessions WHERE id_hash = ?').get(digest(id)) as { user: string; csrf: string; expires_ms: number } | undefined;
    if (!row) return undefined;
    if (row.expires_ms <= nowMs) {
      this.delete(id);
      return undefined;
    }
    return { user: row.user, csrf: row.csrf, expiresMs: row.expires_ms };
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(digest(id));
  }

  prune(nowMs: number): number {
    return this.db.prepare('DELETE FROM sessions WHERE expires_ms <= ?').run(nowMs).changes;
  }
}
