// Logging in and out. Browser: GET/POST /login (form) sets an HttpOnly, SameSite=Strict session
// cookie; POST /logout ends it. Scripts and `stationwatch inspect`: POST /api/v1/sessions with
// {user, password} returns a bearer token; DELETE /api/v1/sessions/current ends it. Sessions expire
// after statusPage.sessionHours and survive collector restarts (they live in the store).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.js';
import { LoginGuard } from '../login-limits.js';
import { html } from '../status/html.js';
import { callerOf, safeNext, sessionCookie, type Caller } from '../status/request-auth.js';
import { sendPage } from '../status/respond.js';
import type { StatusService } from '../status/service.js';
import { csrfGuard, csrfToken } from '../web-plugins.js';

export async function authRoutes(app: FastifyInstance, { svc }: { svc: StatusService }): Promise<void> {
  const cfg = svc.ctx.config.statusPage;
  const lifetimeMs = cfg.sessionHours * 3_600_000;
  // Over TLS the cookie is never sent in clear text, whatever the configuration says.
  const secure = cfg.secureCookies || svc.ctx.config.listen.tls !== undefined;
  const setSession = (reply: FastifyReply, value: string, maxAgeSeconds: number) => reply.setCookie(sessionCookie, value, { path: '/', httpOnly: true, sameSite: 'strict', maxAge: maxAgeSeconds, secure });
  const guard = new LoginGuard(app, cfg.login);
  const checkCsrf = csrfGuard(app);
  const checkLoginCsrf = csrfGuard(app, { anonymous: true });

  const loginForm = (req: FastifyRequest, reply: FastifyReply, caller: Caller, next: string, opts: { error?: 'failed' | 'locked'; retryAfter?: number; status?: number } = {}) => {
    const { t } = caller;
    const error = opts.error === 'locked' ? t('loginLocked', { minutes: Math.ceil((opts.retryAfter ?? 60) / 60) }) : opts.error ? t('loginFailed') : undefined;
    const body = html`<h2>${t('login')}</h2>
${cfg.requireLogin && !error ? html`<p>${t('loginNeeded')}</p>` : ''}${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<form method="post" action="/login"><input type="hidden" name="next" value="${next}"><input type="hidden" name="_csrf" value="${csrfToken(req, reply)}">
<label for="user">${t('user')}</label><input id="user" name="user" autocomplete="username" required autocapitalize="none" spellcheck="false">
<label for="password">${t('password')}</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<p><button type="submit">${t('login')}</button></p></form>`;
    return sendPage(req, reply, caller, t('login'), body, { status: opts.status ?? 200 });
  };

  app.get<{ Querystring: { next?: string } }>('/login', async (req, reply) => loginForm(req, reply, await callerOf(svc, req, reply), safeNext(req.query.next)));

  app.post<{ Body: Record<string, string | undefined> }>('/login', { preHandler: checkLoginCsrf }, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    const next = safeNext(body.next);
    const wait = await guard.admit(req);
    if (wait > 0) {
      req.log.warn({ user: body.user, address: req.ip }, 'login refused: too many attempts');
      reply.header('retry-after', String(wait));
      return loginForm(req, reply, await callerOf(svc, req, reply), next, { error: 'locked', retryAfter: wait, status: 429 });
    }
    const user = await svc.users.authenticate(String(body.user ?? ''), String(body.password ?? ''));
    if (!user) {
      await guard.failed(req);
      req.log.warn({ user: body.user, address: req.ip }, 'failed login');
      return loginForm(req, reply, await callerOf(svc, req, reply), next, { error: 'failed', status: 401 });
    }
    const { id } = await svc.sessions.create(user.name, svc.ctx.nowMs(), lifetimeMs);
    req.log.info({ user: user.name }, 'login');
    return setSession(reply, id, Math.floor(lifetimeMs / 1000)).redirect(next, 303);
  });

  app.post<{ Body: Record<string, string | undefined> }>('/logout', { preHandler: checkCsrf }, async (req, reply) => {
    const caller = await callerOf(svc, req);
    if (caller.sessionId) await svc.sessions.delete(caller.sessionId);
    return setSession(reply, '', 0).redirect('/', 303);
  });

  // JSON, for scripts: no cookie is set and the token comes back in the body, which another site's
  // page cannot read, so there is nothing for CSRF to abuse here.
  app.post<{ Body: { user?: unknown; password?: unknown } }>('/api/v1/sessions', async (req, reply) => {
    const { user: name, password } = (req.body ?? {}) as { user?: unknown; password?: unknown };
    if (typeof name !== 'string' || typeof password !== 'string') throw new ApiError('invalid_request', ['/user and /password: strings required']);
    const wait = await guard.admit(req);
    if (wait > 0) {
      req.log.warn({ user: name, address: req.ip }, 'session refused: too many attempts');
      reply.header('retry-after', String(wait));
      throw new ApiError('login_locked');
    }
    const user = await svc.users.authenticate(name, password);
    if (!user) {
      await guard.failed(req);
      req.log.warn({ user: name, address: req.ip }, 'failed login (API)');
      throw new ApiError('login_failed');
    }
    const { id, session } = await svc.sessions.create(user.name, svc.ctx.nowMs(), lifetimeMs);
    return reply.code(201).send({ token: id, user: user.name, role: user.role, sites: user.sites, expiresAt: new Date(session.expiresMs).toISOString() });
  });

  app.delete('/api/v1/sessions/current', async (req, reply) => {
    const caller = await callerOf(svc, req);
    if (!caller.sessionId || caller.viaCookie) throw new ApiError('login_required');
    await svc.sessions.delete(caller.sessionId);
    return reply.code(204).send();
  });
}
