// POST /api/v1/enrol — an agent trades a one-time code or its site's enrolment secret for its own
// device token: {device, site?, code? | secret?} → 201 {device, site, token}. Attempts are rate
// limited per address (a code cannot be guessed by trying), a name already configured or enrolled
// is refused (409) until an administrator revokes it, and the device count is capped.
import { createHash, timingSafeEqual } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { FastifyInstance } from 'fastify';
import { DeviceName, SiteName } from '../../protocol/report.js';
import type { CollectorContext } from '../context.js';
import { ApiError } from '../errors.js';
import { RateLimiter } from '../rate-limit.js';

const EnrolBody = TypeCompiler.Compile(
  Type.Object(
    {
      device: DeviceName,
      site: Type.Optional(SiteName),
      code: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
      secret: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    },
    { additionalProperties: false },
  ),
);

const digest = (s: string) => createHash('sha256').update(s).digest();

export async function enrolRoutes(app: FastifyInstance, { ctx }: { ctx: CollectorContext }): Promise<void> {
  const secrets = ctx.config.enrolment.siteSecrets.map((s) => ({ site: s.site, digest: digest(s.secret) }));
  const attempts = new RateLimiter(0.2, 10, ctx.nowMs);

  app.post('/api/v1/enrol', { bodyLimit: 4096 }, async (req, reply) => {
    const waitMs = attempts.take(req.ip);
    if (waitMs > 0) {
      reply.header('retry-after', String(Math.ceil(waitMs / 1000)));
      throw new ApiError('rate_limited');
    }
    if (!EnrolBody.Check(req.body)) throw new ApiError('invalid_request', [...EnrolBody.Errors(req.body)].slice(0, 10).map((e) => `${e.path || '/'}: ${e.message}`));
    const body = req.body as { device: string; site?: string; code?: string; secret?: string };
    if ((body.code === undefined) === (body.secret === undefined)) throw new ApiError('invalid_request', ['/: exactly one of code and secret']);

    let how: { code: string } | { site: string; via: string };
    if (body.secret !== undefined) {
      const d = digest(body.secret);
      const match = secrets.find((s) => timingSafeEqual(s.digest, d));
      if (!match || (body.site !== undefined && body.site !== match.site)) {
        req.log.warn({ device: body.device, ip: req.ip }, 'enrolment with a wrong site secret');
        throw new ApiError('enrol_refused');
      }
      how = { site: match.site, via: 'site-secret' };
    } else how = { code: body.code! };

    const store = ctx.store.get(body.device);
    if (ctx.config.devices.some((d) => d.name === body.device) || store?.kind === 'snmp') throw new ApiError('device_taken');
    if (!(await ctx.enrolment.isEnrolled(body.device)) && ctx.config.devices.length + (await ctx.enrolment.activeCount()) >= ctx.config.limits.maxDevices) throw new ApiError('limit_reached');
    const result = await ctx.enrolment.enrol(body.device, how, ctx.nowMs());
    if ('refused' in result) {
      req.log.warn({ device: body.device, ip: req.ip, refused: result.refused }, 'enrolment refused');
      throw new ApiError(result.refused === 'taken' ? 'device_taken' : 'enrol_refused', undefined, result.refused === 'taken' ? undefined : `the enrolment code is ${result.refused}`);
    }
    req.log.info({ device: body.device, site: result.site }, 'device enrolled');
    return reply.code(201).send({ device: body.device, site: result.site, token: result.token });
  });
}
