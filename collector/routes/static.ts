// GET /static/<hash>/<file> — uPlot and the status page's own scripts (collector/status/static-assets.ts).
// A URL with the current hash is immutable (cached for a year); an old hash (a page from before an
// upgrade) still gets the current file, but uncached.
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.js';
import type { StaticAssets } from '../status/static-assets.js';

export async function staticRoutes(app: FastifyInstance, { assets }: { assets: StaticAssets }): Promise<void> {
  app.get<{ Params: { hash: string; file: string } }>('/static/:hash/:file', async (req, reply) => {
    const file = assets.files.get(req.params.file);
    if (!file) {
      const missing = assets.missing.find((m) => m.startsWith(`${req.params.file} `));
      if (missing) throw new ApiError('not_found', undefined, `${missing} is missing: run npm run build`);
      throw new ApiError('not_found');
    }
    return reply
      .type(file.type)
      .header('cache-control', req.params.hash === assets.hash ? 'public, max-age=31536000, immutable' : 'no-cache')
      .send(file.body);
  });
}
