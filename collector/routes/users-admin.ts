// The admin page for users: GET /admin/users lists them; POST /admin/users adds one, POST
// /admin/users/<name> changes role, sites and disabled, POST /admin/users/<name>/remove removes one
// (the name typed again). Administrators only; every form carries the session's CSRF token
// (collector/web-plugins.ts). The store refuses to leave no enabled administrator, atomically
// (collector/store/user-rules.ts); the configuration file's users are shown, never changed here.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.js';
import { checkRole, checkSites, checkUserName, UserInputError } from '../store/user-rules.js';
import { hashPassword } from '../store/users.js';
import { html } from '../status/html.js';
import { authorize, type Caller } from '../status/request-auth.js';
import { sendPage } from '../status/respond.js';
import { renderUsers } from '../status/render-users.js';
import type { StatusService } from '../status/service.js';
import { csrfGuard } from '../web-plugins.js';

const done = { added: 'usersAdded', changed: 'usersChanged', removed: 'usersRemoved' } as const;

/** One site per line (commas belong to site names). */
const sitesOf = (v: unknown) =>
  typeof v === 'string'
    ? v
        .split(/\r?\n/)
        .map((s) => s.trim())
        .filter((s) => s.length > 0)
    : [];

export async function usersAdminRoutes(app: FastifyInstance, { svc }: { svc: StatusService }): Promise<void> {
  const checkCsrf = csrfGuard(app);

  const show = async (req: FastifyRequest, reply: FastifyReply, caller: Caller, message?: { kind: 'notice' | 'error'; text: string }, status = 200) =>
    sendPage(req, reply, caller, caller.t('usersTitle'), renderUsers(await svc.db.users.list(), svc.users.configUsers(), caller, message), { status });

  /** The caller when an administrator; otherwise the refusal has been sent. */
  const admin = async (req: FastifyRequest, reply: FastifyReply): Promise<Caller | undefined> => {
    const gate = await authorize(svc, req, 'admin', reply);
    if (gate.ok) return gate.caller;
    if (gate.status === 401) reply.redirect(`/login?next=${encodeURIComponent('/admin/users')}`, 303);
    else sendPage(req, reply, gate.caller, gate.caller.t('usersAdminOnly'), html`<p class="error" role="alert">${gate.caller.t('usersAdminOnly')}</p>`, { status: 403 });
    return undefined;
  };

  /** Runs a change; bad input and refusals come back as the page with the reason, changing nothing. */
  const change = async (req: FastifyRequest, reply: FastifyReply, caller: Caller, name: string, work: () => Promise<{ ok: true } | { refused: 'exists' | 'not_found' | 'last_admin' }>, kind: keyof typeof done) => {
    const { t } = caller;
    let outcome;
    try {
      outcome = await work();
    } catch (err) {
      if (err instanceof UserInputError) return show(req, reply, caller, { kind: 'error', text: `${t('badInput')}: ${err.message}` }, 400);
      throw err;
    }
    if ('refused' in outcome) {
      const key = outcome.refused === 'exists' ? 'usersExists' : outcome.refused === 'not_found' ? 'usersNotFound' : 'usersLastAdmin';
      return show(req, reply, caller, { kind: 'error', text: t(key, { name }) }, outcome.refused === 'not_found' ? 404 : 409);
    }
    req.log.info({ user: name, by: caller.user!.name, change: kind }, 'user changed by an administrator');
    return reply.redirect(`/admin/users?done=${kind}&name=${encodeURIComponent(name)}`, 303);
  };

  app.get<{ Querystring: { done?: string; name?: string } }>('/admin/users', async (req, reply) => {
    const caller = await admin(req, reply);
    if (!caller) return reply;
    const key = done[req.query.done as keyof typeof done];
    return show(req, reply, caller, key && req.query.name ? { kind: 'notice', text: caller.t(key, { name: req.query.name.slice(0, 64) }) } : undefined);
  });

  app.post('/admin/users', { preHandler: checkCsrf }, async (req, reply) => {
    const caller = await admin(req, reply);
    if (!caller) return reply;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const name = String(body.name ?? '');
    return change(req, reply, caller, name, async () => {
      const fields = { name: checkUserName(name), role: checkRole(body.role), sites: checkSites(sitesOf(body.sites)) };
      // A name of the configuration file would be shadowed by it on this collector.
      if (svc.users.isInConfig(fields.name)) return { refused: 'exists' as const };
      if (typeof body.password !== 'string') throw new UserInputError('a password is required');
      const passwordHash = await hashPassword(body.password).catch((err: Error) => {
        throw new UserInputError(err.message);
      });
      return svc.db.users.add({ ...fields, passwordHash, disabled: false, createdMs: svc.ctx.nowMs() });
    }, 'added');
  });

  app.post<{ Params: { name: string } }>('/admin/users/:name', { preHandler: checkCsrf }, async (req, reply) => {
    const caller = await admin(req, reply);
    if (!caller) return reply;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const name = req.params.name;
    return change(req, reply, caller, name, async () => svc.db.users.update(name, { role: checkRole(body.role), sites: checkSites(sitesOf(body.sites)), disabled: body.disabled === '1' }, svc.ctx.nowMs()), 'changed');
  });

  app.post<{ Params: { name: string } }>('/admin/users/:name/remove', { preHandler: checkCsrf }, async (req, reply) => {
    const caller = await admin(req, reply);
    if (!caller) return reply;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const name = req.params.name;
    if (body.confirm !== name) throw new ApiError('invalid_request', ['/confirm: type the user name to confirm']);
    return change(req, reply, caller, name, () => svc.db.users.remove(name), 'removed');
  });
}
