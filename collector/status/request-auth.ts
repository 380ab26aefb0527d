// Who is asking, per request: a session cookie (the browser; its state-changing forms also carry a
// CSRF token, checked by @fastify/csrf-protection in collector/web-plugins.ts — SameSite=Strict
// alone does not cover every browser) or a bearer session token (`stationwatch inspect`; not sent
// automatically by browsers, so no CSRF token is needed).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { hasRole, type User } from '../store/users.js';
import type { Session } from '../store/store.js';
import { csrfToken, sessionCookie } from '../web-plugins.js';
import type { Role } from './config.js';
import { chooseLang, translator, type Lang, type T } from './i18n.js';
import { checkSiteScope } from './site-scope.js';
import type { StatusService } from './service.js';

export { sessionCookie };
export const langCookie = 'sw_lang';

export interface Caller {
  user?: User;
  session?: Session;
  /** The session id as presented (cookie or bearer), for logout. */
  sessionId?: string;
  viaCookie: boolean;
  lang: Lang;
  t: T;
  /** The CSRF token for the forms on a page shown to a logged-in user (set when a reply is at hand). */
  csrf?: string;
}

/** Who asked, once per request: the site guard (collector/status/site-scope.ts) and the route share one lookup. */
const asked = new WeakMap<FastifyRequest, Promise<Omit<Caller, 'csrf'>>>();

async function lookUp(svc: StatusService, req: FastifyRequest): Promise<Omit<Caller, 'csrf'>> {
  const jar = req.cookies;
  const query = (req.query ?? {}) as Record<string, string | undefined>;
  const lang = chooseLang(query.lang, jar[langCookie], req.headers['accept-language']);
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
  const id = bearer ?? jar[sessionCookie];
  const session = id ? await svc.sessions.find(id, svc.ctx.nowMs()) : undefined;
  // Read on every request, never cached: a user removed, disabled or changed (on any collector of
  // the store, or in the configuration file) has that effect on the next request.
  const user = session ? await svc.users.get(session.user) : undefined;
  const logged = user && session ? { user, session, sessionId: id } : {};
  return { ...logged, viaCookie: bearer === undefined, lang, t: translator(lang) };
}

/** The caller; with `reply` (pages), also the CSRF token its forms need. */
export async function callerOf(svc: StatusService, req: FastifyRequest, reply?: FastifyReply): Promise<Caller> {
  let pending = asked.get(req);
  if (!pending) asked.set(req, (pending = lookUp(svc, req)));
  const caller = await pending;
  return reply && caller.user && caller.viaCookie ? { ...caller, csrf: csrfToken(req, reply) } : { ...caller };
}

/** Remembers an explicit `?lang=` choice. */
export function rememberLang(req: FastifyRequest, reply: FastifyReply): void {
  const q = ((req.query ?? {}) as Record<string, string | undefined>).lang;
  if (q === 'en' || q === 'zh') reply.setCookie(langCookie, q, { path: '/', sameSite: 'lax', maxAge: 31_536_000 });
}

/**
 * Where to go after logging in: a path on this collector only, decided the way a browser will read
 * it — parsed against a base and required to keep the base's origin (a pattern on the raw text let
 * `/%09/evil.example` through: browsers strip the tab and go to `//evil.example`). Anything else is `/`.
 */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.length > 2048) return '/';
  // Control characters and backslashes are what browsers strip or turn into slashes.
  if (/[\u0000-\u001f\u007f\\]/.test(next) || /%(0[0-9a-f]|1[0-9a-f]|7f|5c)/i.test(next)) return '/';
  const base = 'http://collector.invalid';
  let url: URL;
  try {
    url = new URL(next, base);
  } catch {
    return '/';
  }
  if (url.origin !== base || !url.pathname.startsWith('/') || url.pathname.startsWith('//')) return '/';
  return `${url.pathname}${url.search}${url.hash}`;
}

export type Gate = { ok: true; caller: Caller } | { ok: false; status: 401 | 403; caller: Caller };

/**
 * Whether the caller may do what needs `role` (CSRF tokens of form posts are checked before, by the
 * route's csrfGuard). `reply`: for pages, so that their forms get a token. Then, for a site-limited
 * user, whether the device or site the request names is one of theirs: if not, HiddenFromCaller is
 * thrown, answered as a device that does not exist (collector/status/site-scope.ts).
 */
export async function authorize(svc: StatusService, req: FastifyRequest, role: Role | 'view', reply?: FastifyReply): Promise<Gate> {
  const caller = await callerOf(svc, req, reply);
  if (role === 'view') {
    if (svc.ctx.config.statusPage.requireLogin && !caller.user) return { ok: false, status: 401, caller };
    checkSiteScope(svc, req, caller);
    return { ok: true, caller };
  }
  if (!caller.user) return { ok: false, status: 401, caller };
  if (!hasRole(caller.user, role)) return { ok: false, status: 403, caller };
  checkSiteScope(svc, req, caller);
  return { ok: true, caller };
}
