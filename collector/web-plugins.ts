// The web plumbing every route relies on, from fastify's own well-kept plugins rather than written
// here: cookies (@fastify/cookie: a malformed cookie is kept as sent, never an exception), HTML form
// bodies (@fastify/formbody), CSRF tokens for forms (@fastify/csrf-protection) and rate limits
// (@fastify/rate-limit, used by the login routes only: collector/login-limits.ts). Registered once
// at the root so every route plugin sees the same decorators.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import { ApiError } from './errors.js';

export const sessionCookie = 'sw_session';
export const csrfCookie = 'sw_csrf';

/** Whether the request authenticates with a bearer token: browsers never add one by themselves, so no CSRF token is needed. */
export const viaBearer = (req: FastifyRequest): boolean => /^Bearer\s+\S+\s*$/i.test(req.headers.authorization ?? '');

/**
 * The key that binds CSRF tokens to a session (an HMAC key, so a token minted for one session is
 * worthless in another even when someone can plant the secret cookie). Kept in the state directory
 * so that pages open across a collector restart still post; without one it lives as long as the process.
 */
function csrfHmacKey(stateDir: string | undefined): Buffer {
  if (!stateDir) return randomBytes(32);
  const file = join(stateDir, 'csrf-hmac.key');
  try {
    const key = readFileSync(file);
    if (key.length >= 32) return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  writeFileSync(file, key, { mode: 0o600 });
  chmodSync(file, 0o600);
  return key;
}

export async function registerWebPlugins(app: FastifyInstance, opts: { secureCookies: boolean; stateDir: string | undefined }): Promise<void> {
  await app.register(fastifyCookie);
  // HTML forms are small; a form body far beyond this is not a person typing.
  await app.register(fastifyFormbody, { bodyLimit: 64 * 1024 });
  await app.register(fastifyCsrf, {
    cookieKey: csrfCookie,
    cookieOpts: { path: '/', sameSite: 'strict', httpOnly: true, secure: opts.secureCookies },
    getUserInfo: formOwner,
    csrfOpts: { hmacKey: csrfHmacKey(opts.stateDir), userInfo: true },
  });
  // Only where a route asks for it (createRateLimit); nothing is limited globally.
  await app.register(fastifyRateLimit, { global: false });
}

/**
 * The session a form belongs to (none before logging in: the login form itself is protected too).
 * Never empty: @fastify/csrf refuses an empty one.
 */
const formOwner = (req: FastifyRequest): string => `session:${req.cookies[sessionCookie] ?? ''}`;

/** A form's CSRF token for this request's session (sets the secret cookie the first time). */
export function csrfToken(req: FastifyRequest, reply: FastifyReply): string {
  return reply.generateCsrf({ userInfo: formOwner(req) });
}

/**
 * preHandler for state-changing routes: a request that relies on the session cookie must carry the
 * form's token (`_csrf` field or `x-csrf-token` header); a bearer token needs none, and neither does
 * a request with no session at all (the route refuses it as not logged in) — except where the route
 * itself starts a session (`anonymous`: the login form, against login CSRF).
 */
export function csrfGuard(app: FastifyInstance, opts: { anonymous?: boolean } = {}): preHandlerHookHandler {
  return function (req, reply, done) {
    if (viaBearer(req) || (!opts.anonymous && req.cookies[sessionCookie] === undefined)) return done();
    app.csrfProtection(req, reply, done as () => void);
  };
}

/** @fastify/csrf-protection's refusals, answered like every other refusal (collector/errors.ts). */
export function fromCsrfError(err: { code?: string }): ApiError | undefined {
  return err.code === 'FST_CSRF_INVALID_TOKEN' || err.code === 'FST_CSRF_MISSING_SECRET' ? new ApiError('csrf_failed') : undefined;
}
