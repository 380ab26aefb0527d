// Logging in and out. Browser: GET/POST /login (form) sets an HttpOnly, SameSite=Strict session
// cookie; POST /logout ends it. Scripts and `stationwatch inspect`: POST /api/v1/sessions with
// {user, password} returns a bearer token; DELETE /api/v1/sessions/current ends it. Sessions expire
// after statusPage.sessionHours and survive collector restarts (they live in the store).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.js';
import { html } from '../status/html.js';
import { acceptForms, authorize, callerOf, safeNext, sessionCookie, type Caller } from '../status/request-auth.js';
import { sendPage } from '../status/respond.js';
import type { StatusService } from '../status/service.js';

export async function authRoutes(app: FastifyInstance, { svc }: { svc: StatusService }): Promise<void> {
  acceptForms(app);
  const cfg = svc.ctx.config.statusPage;
  const lifetimeMs = cfg.sessionHours * 3_600_000;
  const cookie = (value: string, maxAgeSeconds: number) => `${sessionCookie}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${cfg.secureCookies ? '; Secure' : ''}`;

  const loginForm = (req: FastifyRequest, reply: FastifyReply, caller: Caller, next: string, opts: { error?: boolean; status?: number } = {}) => {
    const { t } = caller;
    const body = html`<h2>${t('login')}</h2>
${cfg.requireLogin && !opts.error ? html`<p>${t('loginNeeded')}</p>` : ''}${opts.error ? html`<p class="error" role="alert">${t('loginFailed')}</p>` : ''}
<form method="post" action="/login"><input type="hidden" name="next" value="${next}">
<label for="user">${t('user')}</label><input id="user" name="user" autocomplete="username" required autocapitalize="none" spellcheck="false">
<label for="password">${t('password')}</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<p><button type="submit">${t('login')}</button></p></form>`;
    return sendPage(req, reply, caller, t('login'), body, { status: opts.status ?? 200 });
  };

  app.get<{ Querystring: { next?: string } }>('/login', async (req, reply) => loginForm(req, reply, callerOf(svc, req), safeNext(req.query.next)));

  app.post<{ Body: Record<string, string | undefined> }>('/login', async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    const next = safeNext(body.next);
    const user = await svc.users.authenticate(String(body.user ?? ''), String(body.password ?? ''));
    if (!user) {
      req.log.warn({ user: body.user }, 'failed login');
      return loginForm(req, reply, callerOf(svc, req), next, { error: true, status: 401 });
    }
    const { id } = svc.sessions.create(user.name, svc.ctx.nowMs(), lifetimeMs);
    req.log.info({ user: user.name }, 'login');
    return reply.header('set-cookie', cookie(id, Math.floor(lifetimeMs / 1000))).redirect(next, 303);
  });

  app.post<{ Body: Record<string, string | undefined> }>('/logout', async (req, reply) => {
    const gate = authorize(svc, req, 'viewer', (req.body ?? {}) as Record<string, unknown>);
    if (gate.ok && gate.caller.sessionId) svc.sessions.delete(gate.caller.sessionId);
    return reply.header('set-cookie', cookie('', 0)).redirect('/', 303);
  });

  app.post<{ Body: { user?: unknown; password?: unknown } }>('/api/v1/sessions', async (req, reply) => {
    const { user: name, password } = (req.body ?? {}) as { user?: unknown; password?: unknown };
    if (typeof name !== 'string' || typeof password !== 'string') throw new ApiError('invalid_request', ['/user and /password: strings required']);
    const user = await svc.users.authenticate(name, password);
    if (!user) throw new ApiError('login_failed');
    const { id, session } = svc.sessions.create(user.name, svc.ctx.nowMs(), lifetimeMs);
    return reply.code(201).send({ token: id, user: user.name, role: user.role, expiresAt: new Date(session.expiresMs).toISOString() });
  });

  app.delete('/api/v1/sessions/current', async (req, reply) => {
    const caller = callerOf(svc, req);
    if (!caller.sessionId || caller.viaCookie) throw new ApiError('login_required');
    svc.sessions.delete(caller.sessionId);
    return reply.code(204).send();
  });
}
