// Optional credentials for what Prometheus reads (/metrics, /collector/metrics, per-device metrics,
// /sd): a bearer token or HTTP basic auth, compared as digests in constant time. Added as an
// onRequest hook inside the metrics and service-discovery plugins only, and checked by the scrape
// thread's own listener (collector/scrape/scrape-thread.ts) with the same function.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';
import type { ScrapeAuth } from './reliability-config.js';

const digest = (s: string) => createHash('sha256').update(s).digest();
const same = (a: Buffer, b: Buffer) => timingSafeEqual(a, b);

/** Whether an Authorization header carries the configured credentials (always true when none are configured). */
export function scrapeCredentials(auth: ScrapeAuth | undefined): (authorization: string | undefined) => boolean {
  const bearer = auth?.bearerToken !== undefined ? digest(auth.bearerToken) : undefined;
  const basic = auth?.basic ? digest(`${auth.basic.username}:${auth.basic.password}`) : undefined;
  return (header = '') => {
    if (!bearer && !basic) return true;
    const b = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (bearer && b && same(digest(b[1]!), bearer)) return true;
    const p = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    return basic !== undefined && p !== null && same(digest(Buffer.from(p[1]!, 'base64').toString('utf8')), basic);
  };
}

/** A hook that refuses requests without the configured credentials; a no-op when none are configured. */
export function scrapeGuard(auth: ScrapeAuth | undefined): (req: FastifyRequest) => Promise<void> {
  const allowed = scrapeCredentials(auth);
  return async (req) => {
    if (!allowed(req.headers.authorization)) throw new ApiError('scrape_unauthorized');
  };
}
