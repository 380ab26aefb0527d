// Sending pages: a fresh CSP nonce per response (only our own inline style and script run), no
// caching of pages that show who is logged in, and the HTML answers to "log in first" / "not
// allowed". nosniff, framing and referrer headers are set app-wide (collector/app.ts).
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { html, type Html } from './html.js';
import { page } from './layout.js';
import type { Caller } from './request-auth.js';
import { staticAssets } from './static-assets.js';

export function sendPage(req: FastifyRequest, reply: FastifyReply, caller: Caller, title: string, body: Html, opts: { status?: number; refreshSeconds?: number; charts?: boolean } = {}): FastifyReply {
  const nonce = randomBytes(16).toString('base64');
  return reply
    .code(opts.status ?? 200)
    .header('content-security-policy', `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(page({ caller, title, body, nonce, path: req.url, ...(opts.refreshSeconds ? { refreshSeconds: opts.refreshSeconds } : {}), ...(opts.charts ? { assets: staticAssets() } : {}) }));
}

/** 401: to the login form (coming back here afterwards); 403: a page that says what is needed. */
export function refuse(req: FastifyRequest, reply: FastifyReply, caller: Caller, status: 401 | 403, back = req.url): FastifyReply {
  if (status === 401) return reply.redirect(`/login?next=${encodeURIComponent(back)}`, 303);
  return sendPage(req, reply, caller, caller.t('needTechnician'), html`<p class="error" role="alert">${caller.t('needTechnician')}</p><p><a href="${back}">←</a></p>`, { status: 403 });
}
