// POST /api/v1/reports — the only route behind device tokens (the hook is registered in this
// plugin's scope, so no other route is accidentally behind it or outside it).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { reportProblems, type Report } from '../../protocol/report.js';
import type { CollectorContext } from '../context.js';
import { ApiError } from '../errors.js';

interface TokenOwner {
  name: string;
  site?: string;
  digest: Buffer;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest();

declare module 'fastify' {
  interface FastifyRequest {
    tokenOwner?: TokenOwner;
  }
}

export async function ingestRoutes(app: FastifyInstance, { ctx }: { ctx: CollectorContext }): Promise<void> {
  // Comparing digests in constant time: a token's prefix cannot be guessed from response timing.
  const owners: TokenOwner[] = ctx.config.devices.map((d) => ({ name: d.name, site: d.site, digest: sha256(d.token) }));
  const findOwner = (token: string) => {
    const digest = sha256(token);
    return owners.find((o) => timingSafeEqual(o.digest, digest));
  };

  // Before the body is read: an unknown caller is refused without parsing anything it sent.
  app.addHook('onRequest', async (req: FastifyRequest) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const owner = match ? findOwner(match[1]!) : undefined;
    if (!owner) {
      ctx.reportsReceived.inc({ result: 'unauthorized' });
      throw new ApiError('unauthorized');
    }
    req.tokenOwner = owner;
  });

  app.post('/api/v1/reports', { bodyLimit: ctx.config.bodyLimitBytes }, async (req, reply) => {
    const receivedAt = ctx.nowMs();
    // fastify would hand a text/plain body to us as a string; reports are JSON only.
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
      ctx.reportsReceived.inc({ result: 'unsupported_media_type' });
      throw new ApiError('unsupported_media_type');
    }
    const problems = reportProblems(req.body);
    if (problems.length > 0) {
      ctx.reportsReceived.inc({ result: 'invalid' });
      throw new ApiError('invalid_report', problems);
    }
    const report = req.body as Report;
    const owner = req.tokenOwner!;
    if (report.device !== owner.name) {
      ctx.reportsReceived.inc({ result: 'wrong_device' });
      throw new ApiError('wrong_device', undefined, `this token belongs to device "${owner.name}", not "${report.device}"`);
    }
    const result = ctx.store.accept(owner.name, owner.site, report, receivedAt);
    ctx.reportsReceived.inc({ result: result.status });
    for (const d of result.dropped) ctx.samplesDropped.inc({ reason: d.reason });
    if (result.dropped.length > 0) req.log.warn({ device: owner.name, dropped: result.dropped.slice(0, 10) }, 'samples dropped from report');
    return reply.code(202).send(result);
  });
}
