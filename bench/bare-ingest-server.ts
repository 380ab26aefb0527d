// The practical ceiling for ingest: a bare fastify route at the collector's path that only parses
// the same JSON body (fastify's own parser, the same body limit) and answers 202 — no token check,
// no validation, no store. GET /count says how many it answered. Usage: node bare-ingest-server.js PORT
import Fastify from 'fastify';

const port = Number(process.argv[2]);
let count = 0;
const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
app.post('/api/v1/reports', async (req, reply) => {
  if (typeof req.body !== 'object' || req.body === null) return reply.code(400).send({ error: 'not an object' });
  count++;
  return reply.code(202).send({ status: 'accepted', dropped: [] });
});
app.get('/count', async () => ({ count }));
app.get('/healthz', async () => ({ status: 'ok' }));
await app.listen({ host: '127.0.0.1', port });
