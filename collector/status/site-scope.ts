// Site-limited users (a branch technician who may see and record only the devices of their sites).
// Two mechanisms, both here so that a new route is covered without thinking of it:
// - every route that names a device (`:device` in the path, `device` in a JSON/form body) or a site
//   (`:site` in the path) passes one app-wide hook: a device of another site is answered exactly as
//   a device that does not exist (same status, same body), so a limited user learns nothing — not
//   even that the name exists. Routes that only machines call (agents, Prometheus, Alertmanager) are
//   outside it: they authenticate with their own tokens, never a user's session;
// - routes that list devices or their records (the fleet page, /api/v1/status, /api/devices, the CSV
//   exports, sparklines) filter through `seesSite` / `scopedSnapshot` before answering.
// A caller without a login (a page open to everyone on loopback or `public: true`) and every
// administrator see every site.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.js';
import type { User } from '../store/users.js';
import { html } from './html.js';
import { callerOf, type Caller } from './request-auth.js';
import { sendPage } from './respond.js';
import type { StatusService } from './service.js';
import type { StatusSnapshot } from './monitor.js';

/** Whether the user may see devices of `site`. */
export const seesSite = (user: User | undefined, site: string): boolean => !user || user.sites.length === 0 || user.sites.includes(site);

/** The snapshot with only the devices the caller may see. */
export function scopedSnapshot(snap: StatusSnapshot, caller: Caller): StatusSnapshot {
  const user = caller.user;
  if (!user || user.sites.length === 0) return snap;
  return { ...snap, devices: snap.devices.filter((d) => seesSite(user, d.device.site)) };
}

/** The not-found answers of the routes, shared with the hook so that a hidden device looks absent. */
export const noSuchDevice = (name: string) => new ApiError('not_found', undefined, `no device named "${name.slice(0, 63)}"`);
export const noDeviceAtSite = (site: string) => new ApiError('not_found', undefined, `no device at site ${site.slice(0, 64)}`);

export function deviceNotFoundPage(req: FastifyRequest, reply: FastifyReply, caller: Caller): FastifyReply {
  const { t } = caller;
  return sendPage(req, reply, caller, t('notFound'), html`<p class="error">${t('notFound')}</p>`, { status: 404 });
}

/**
 * Routes authenticated by a machine's token, never by a user: agents (reports, enrolment),
 * Prometheus (metrics, service discovery), Alertmanager (its webhook).
 */
const machineRoutes = new Set(['/api/v1/reports', '/api/v1/enrol', '/metrics', '/collector/metrics', '/devices/:device/metrics', '/sd', '/api/v1/notify/alertmanager']);

/**
 * The guard, added to every route registered after this (collector/status/register.ts calls it
 * before the route plugins) as the route's last preHandler: after the route's own CSRF check, so that
 * a form post without its token is refused the same way whether the device is hidden or unknown.
 */
export function registerSiteScope(app: FastifyInstance, svc: StatusService): void {
  const guard = async (req: FastifyRequest, reply: FastifyReply) => {
    const params = (req.params ?? {}) as Record<string, unknown>;
    const body = req.body !== null && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {};
    const device = typeof params.device === 'string' ? params.device : typeof body.device === 'string' ? body.device : undefined;
    const site = typeof params.site === 'string' ? params.site : undefined;
    if (device === undefined && site === undefined) return;
    const caller = await callerOf(svc, req);
    const user = caller.user;
    if (!user || user.sites.length === 0) return;
    if (site !== undefined && !seesSite(user, site)) throw noDeviceAtSite(site);
    if (device === undefined) return;
    const known = svc.ctx.store.get(device);
    if (!known || seesSite(user, known.site)) return;
    req.log.info({ user: user.name, device }, 'a site-limited user asked for a device of another site: answered as unknown');
    if (req.method === 'GET' && req.routeOptions.url === '/devices/:device') return deviceNotFoundPage(req, reply, await callerOf(svc, req, reply));
    throw noSuchDevice(device);
  };
  app.addHook('onRoute', (route) => {
    if (machineRoutes.has(route.url) || route.url.startsWith('/static/')) return;
    const own = route.preHandler === undefined ? [] : Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler];
    route.preHandler = [...own, guard] as typeof route.preHandler;
  });
}
