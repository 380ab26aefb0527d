// Site-limited users (a branch technician who may see and record only the devices of their sites).
// Two mechanisms, both here:
// - every route that names a device (`:device` in the path, `device` in a JSON/form body) or a site
//   (`:site` in the path) is checked in `authorize` (request-auth.ts), which every route a user can
//   reach calls first, right after the login and role checks: a device of another site is answered
//   exactly as a device that does not exist (same status, same body, same order of checks), so a
//   limited user learns nothing — not even that the name exists. Routes only machines call (agents,
//   Prometheus, Alertmanager) authenticate with their own tokens, never a user's session;
// - routes that list devices or their records (the fleet page, /api/v1/status, /api/devices, the CSV
//   exports, sparklines) filter through `seesSite` / `scopedSnapshot` before answering.
// A caller without a login (a page open to everyone on loopback or `public: true`) and every
// administrator see every site: site limits mean something only where viewing needs a login.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.js';
import type { User } from '../store/users.js';
import { html } from './html.js';
import type { Caller } from './request-auth.js';
import { sendPage } from './respond.js';
import type { StatusService } from './service.js';
import type { StatusSnapshot } from './monitor.js';

/** Whether the user may see devices of `site`. */
export const seesSite = (user: User | undefined, site: string): boolean => !user || user.sites.length === 0 || user.sites.includes(site);

/** The snapshot with only the devices the caller may see. */
export function scopedSnapshot<S extends StatusSnapshot>(snap: S, caller: Caller): S {
  const user = caller.user;
  if (!user || user.sites.length === 0) return snap;
  return { ...snap, devices: snap.devices.filter((d) => seesSite(user, d.device.site)) };
}

/** The not-found answers of the routes, shared with checkSiteScope so that a hidden device looks absent. */
export const noSuchDevice = (name: string) => new ApiError('not_found', undefined, `no device named "${name.slice(0, 63)}"`);
export const noDeviceAtSite = (site: string) => new ApiError('not_found', undefined, `no device at site ${site.slice(0, 64)}`);

export function deviceNotFoundPage(req: FastifyRequest, reply: FastifyReply, caller: Caller): FastifyReply {
  const { t } = caller;
  return sendPage(req, reply, caller, t('notFound'), html`<p class="error">${t('notFound')}</p>`, { status: 404 });
}

/** A device or site the caller may not see: the same answer as one that does not exist. */
export class HiddenFromCaller extends ApiError {}

/**
 * Throws HiddenFromCaller when the request names a device or site the caller may not see; called by
 * `authorize` once the caller has the route's role.
 */
export function checkSiteScope(svc: StatusService, req: FastifyRequest, caller: Caller): void {
  const user = caller.user;
  if (!user || user.sites.length === 0) return;
  const params = (req.params ?? {}) as Record<string, unknown>;
  const body = req.body !== null && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {};
  const site = typeof params.site === 'string' ? params.site : undefined;
  if (site !== undefined && !seesSite(user, site)) throw new HiddenFromCaller('not_found', undefined, noDeviceAtSite(site).message);
  const device = typeof params.device === 'string' ? params.device : typeof body.device === 'string' ? body.device : undefined;
  if (device === undefined) return;
  // On a shared store a device another collector holds is named by its site too (collector/fleet/).
  const known = svc.ctx.store.get(device) ?? svc.ctx.fleet?.get(device);
  if (!known || seesSite(user, known.site)) return;
  req.log.info({ user: user.name, device }, 'a site-limited user asked for a device of another site: answered as unknown');
  throw new HiddenFromCaller('not_found', undefined, noSuchDevice(device).message);
}
