// Who is asking, per request: a session cookie (the browser; form posts must also carry the
// session's CSRF token — SameSite=Strict alone does not cover every browser) or a bearer session
// token (`stationwatch inspect`; not sent automatically by browsers, so no CSRF token is needed).
// Each route plugin that needs a user registers these helpers in its own scope.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasRole, type User } from '../store/users.js';
import type { Session } from '../store/sessions.js';
import type { Role } from './config.js';
import { chooseLang, translator, type Lang, type T } from './i18n.js';
import type { StatusService } from './service.js';

export const sessionCookie = 'sw_session';
export const langCookie = 'sw_lang';

export interface Caller {
  user?: User;
  session?: Session;
  /** The session id as presented (cookie or bearer), for logout. */
  sessionId?: string;
  viaCookie: boolean;
  lang: Lang;
  t: T;
}

export function cookies(req: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

export function callerOf(svc: StatusService, req: FastifyRequest): Caller {
  const jar = cookies(req);
  const query = (req.query ?? {}) as Record<string, string | undefined>;
  const lang = chooseLang(query.lang, jar[langCookie], req.headers['accept-language']);
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
  const id = bearer ?? jar[sessionCookie];
  const session = id ? svc.sessions.find(id, svc.ctx.nowMs()) : undefined;
  // A user removed from the configuration loses access even with a live session.
  const user = session ? svc.users.get(session.user) : undefined;
  return { ...(user && session ? { user, session, sessionId: id } : {}), viaCookie: bearer === undefined, lang, t: translator(lang) };
}

/** `application/x-www-form-urlencoded` bodies as plain objects (HTML forms), in this plugin's scope. */
export function acceptForms(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
}

/** Remembers an explicit `?lang=` choice. */
export function rememberLang(req: FastifyRequest, reply: FastifyReply): void {
  const q = ((req.query ?? {}) as Record<string, string | undefined>).lang;
  if (q === 'en' || q === 'zh') reply.header('set-cookie', `${langCookie}=${q}; Path=/; SameSite=Lax; Max-Age=31536000`);
}

/** Local paths only: a login link cannot send the user to another site afterwards. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])/.test(next) ? next : '/';
}

export type Gate = { ok: true; caller: Caller } | { ok: false; status: 401 | 403; caller: Caller };

/** Whether the caller may do what needs `role`; for cookie form posts also checks the CSRF token. */
export function authorize(svc: StatusService, req: FastifyRequest, role: Role | 'view', form?: Record<string, unknown>): Gate {
  const caller = callerOf(svc, req);
  if (role === 'view') {
    if (!svc.ctx.config.statusPage.requireLogin || caller.user) return { ok: true, caller };
    return { ok: false, status: 401, caller };
  }
  if (!caller.user) return { ok: false, status: 401, caller };
  if (!hasRole(caller.user, role)) return { ok: false, status: 403, caller };
  if (form && caller.viaCookie && form._csrf !== caller.session?.csrf) return { ok: false, status: 403, caller };
  return { ok: true, caller };
}
