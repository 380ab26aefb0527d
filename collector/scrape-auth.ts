// Optional credentials for what Prometheus reads (/metrics, /collector/metrics, per-device metrics,
// /sd): a bearer token or HTTP basic auth, compared as digests in constant time. Added as an
// onRequest hook inside the metrics and service-discovery plugins only.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';
import type { ScrapeAuth } from './reliability-config.js';

const digest = (s: string) => createHash('sha256').update(s).digest();
const same = (a: Buffer, b: Buffer) => timingSafeEqual(a, b);

/** A hook that refuses requests without the configured credentials; a no-op when none are configured. */
export function scrapeGuard(auth: ScrapeAuth | undefined): (req: FastifyRequest) => Promise<void> {
  const bearer = auth?.bearerToken !== undefined ? digest(auth.bearerToken) : undefined;
  const basic = auth?.basic ? digest(`${auth.basic.username}:${auth.basic.password}`) : undefined;
  return async (req) => {
    if (!bearer && !basic) return;
    const header = req.headers.authorization ?? '';
    const b = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (bearer && b && same(digest(b[1]!), bearer)) return;
    const p = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    if (basic && p && same(digest(Buffer.from(p[1]!, 'base64').toString('utf8')), basic)) return;
    throw new ApiError('scrape_unauthorized');
  };
}
