// POST /api/v1/reports — the only route behind device tokens (the hook is registered in this
// plugin's scope, so no other route is accidentally behind it or outside it). Tokens are those of
// configured devices (compared as digests in constant time) and of enrolled devices (looked up by
// hash on every request, so a revocation takes effect at once). A report is answered 202 only once
// the device's new state is committed to the store, and the collector's memory takes that state only
// after the commit: a failed commit (503) leaves everything as it was, and the retry applies once.
import { hash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { reportProblems, type Report } from '../../protocol/report.js';
import type { CollectorContext } from '../context.js';
import { contentCoding, inflated } from '../content-encoding.js';
import { ApiError } from '../errors.js';
import { RateLimiter } from '../rate-limit.js';
import { reportCheckProblems } from '../report-checks.js';
import { isStoreUnavailable } from '../store/outage/unavailable.js';
import { IngestPool } from '../ingest-pool.js';
import { indexParsed, type Prepared } from '../ingest-prepare.js';

interface TokenOwner {
  name: string;
  site?: string;
}

const noop = () => {};
// One-shot (no Hash object per report): this ran for every report.
const sha256 = (s: string) => hash('sha256', s, 'buffer');

declare module 'fastify' {
  interface FastifyRequest {
    tokenOwner?: TokenOwner;
    /** The report's JSON text as received: what the durable device state stores (no re-serialising). */
    reportText?: string;
    /** When the report's body was read (collector clock): its receipt time, also for the rendering made with it. */
    receivedAtMs?: number;
    /** What the ingest worker made of the body (collector/ingest-prepare.ts); unset when fastify's parser parsed it. */
    prepared?: Prepared;
  }
}

export async function ingestRoutes(app: FastifyInstance, { ctx }: { ctx: CollectorContext }): Promise<void> {
  // Declared up front, so every request object has the same shape (fastify's decorateRequest).
  app.decorateRequest('tokenOwner', undefined);
  app.decorateRequest('reportText', undefined);
  app.decorateRequest('receivedAtMs', undefined);
  app.decorateRequest('prepared', undefined);
  const pool = new IngestPool(app.log);
  app.addHook('onClose', () => pool.close());
  // Looked up by the token's digest, then compared in constant time: a token's prefix cannot be
  // guessed from response timing (the map's own comparisons see only digests, which reveal nothing
  // about a token), and the lookup does not grow with the fleet — a scan of every configured digest
  // cost about 5 % of ingest CPU at 1,000 devices (BENCHMARKS.md, collector ingest).
  const configured = new Map(ctx.config.devices.map((d) => {
    const digest = sha256(d.token);
    return [digest.toString('base64'), { name: d.name, site: d.site, digest }] as const;
  }));
  const configuredOwner = (token: string): TokenOwner | undefined => {
    const digest = sha256(token);
    const candidate = configured.get(digest.toString('base64'));
    const c = candidate && timingSafeEqual(candidate.digest, digest) ? candidate : undefined;
    return c && { name: c.name, ...(c.site ? { site: c.site } : {}) };
  };
  // The body's bytes go to an ingest worker (collector/ingest-pool.ts), which parses, checks, indexes
  // and renders the report off the event loop. A text it does not parse (invalid JSON, hostile keys)
  // goes to fastify's own JSON parser (its prototype-poisoning checks and its errors; the route's
  // body limit still applies while reading). The text is kept: storing it costs nothing, while
  // JSON.stringify of the parsed report cost more CPU than the parse itself.
  // Without workers (one core: collector/ingest-pool.ts) nothing is moved off the event loop, and the
  // route does what it did before the workers: the body read as a string (a body that came in one
  // piece is decoded as it is, not copied into a fresh Buffer first), fastify's parser, the checks
  // and the indexing in the route, the rendering after the commit. Preparing on the loop instead (a
  // Buffer per body, the rendering made before the commit and held across it) took 2.4× the full
  // garbage collections per report: bench/notes/collector-ingest.md.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  const withWorkers = pool.workers > 0;
  app.addContentTypeParser('application/json', { parseAs: withWorkers ? 'buffer' : 'string' }, (req, body, done) => {
    req.receivedAtMs = ctx.nowMs();
    const raw = typeof body === 'string' ? body : body.toString('utf8');
    // Without the byte-order mark the parser skips: the stored text must be plain JSON.parse input.
    const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    req.reportText = text;
    const owner = req.tokenOwner;
    if (!withWorkers || !owner || text.length === 0) {
      parseJson(req, text, done);
      return;
    }
    const settle = (prepared: Prepared) => {
      if (prepared.kind === 'unparsed') {
        parseJson(req, text, done);
        return;
      }
      req.prepared = prepared;
      done(null, prepared.kind === 'valid' ? prepared.report : null);
    };
    const input = { text, configuredSite: owner.site, defaultSite: ctx.config.defaultSite, receivedAtMs: req.receivedAtMs, maxSeriesPerDevice: ctx.config.limits.maxSeriesPerDevice };
    pool.prepare(input, body as Buffer).then(settle, (err: Error) => done(err));
  });
  // Compressed bodies are inflated as a stream under the route's body limit (content-encoding.ts);
  // an encoding the collector cannot read is refused before anything is read.
  app.addHook('preParsing', (req, _reply, payload, done) => {
    const coding = contentCoding(req.headers['content-encoding']);
    if (coding === undefined) {
      ctx.reportsReceived.inc({ result: 'unsupported_encoding' });
      done(new ApiError('unsupported_encoding', undefined, `Content-Encoding "${String(req.headers['content-encoding']).slice(0, 40)}" is not supported: send gzip, deflate or none`));
      return;
    }
    done(null, coding === 'identity' ? payload : inflated(payload, coding, ctx.config.bodyLimitBytes));
  });
  // Per device, the tail of its reports being planned and committed (see oneAtATime's use below).
  const inFlight = new Map<string, Promise<unknown>>();
  const oneAtATime = <T>(device: string, work: () => Promise<T>): Promise<T> => {
    const before = inFlight.get(device);
    const run = before ? before.then(work) : work();
    const settled = run.then(noop, noop);
    inFlight.set(device, settled);
    void settled.then(() => {
      if (inFlight.get(device) === settled) inFlight.delete(device);
    });
    return run;
  };
  const limits = ctx.config.limits;
  const limiter = new RateLimiter(limits.reportsPerSecond, limits.reportBurst, ctx.nowMs);

  // Before the body is read: an unknown caller is refused without parsing anything it sent.
  // A callback hook (no promise per request); an error passed to done() is answered by the error handler.
  // Configured tokens are answered on this turn; an enrolled device's token is looked up in the store.
  app.addHook('onRequest', (req: FastifyRequest, reply, done) => {
    const header = req.headers.authorization ?? '';
    const token = /^Bearer\s+(\S{1,512})\s*$/i.exec(header)?.[1];
    const owner = token === undefined ? undefined : configuredOwner(token);
    if (owner || token === undefined) {
      admit(req, reply, owner, done);
      return;
    }
    ctx.enrolment.deviceForToken(token).then(
      (e) => {
        ctx.knownTokens.remember(token, e);
        admit(req, reply, e && { name: e.device, site: e.site }, done);
      },
      (err: unknown) => {
        // The shared store is away: a token it vouched for before still admits its device (known-tokens.ts).
        const known = isStoreUnavailable(err) ? ctx.knownTokens.recall(token) : undefined;
        if (known) {
          admit(req, reply, { name: known.device, site: known.site }, done);
          return;
        }
        req.log.error({ err }, 'could not look the device token up in the store');
        ctx.reportsReceived.inc({ result: 'store_unavailable' });
        done(new ApiError('store_unavailable'));
      },
    );
  });
  const admit = (req: FastifyRequest, reply: FastifyReply, owner: TokenOwner | undefined, done: (err?: Error) => void) => {
    if (!owner) {
      ctx.reportsReceived.inc({ result: 'unauthorized' });
      done(new ApiError('unauthorized'));
      return;
    }
    const waitMs = limiter.take(owner.name);
    if (waitMs > 0) {
      ctx.reportsReceived.inc({ result: 'rate_limited' });
      reply.header('retry-after', String(Math.ceil(waitMs / 1000)));
      done(new ApiError('rate_limited'));
      return;
    }
    req.tokenOwner = owner;
    done();
  };

  app.post('/api/v1/reports', { bodyLimit: ctx.config.bodyLimitBytes }, async (req, reply) => {
    const receivedAt = req.receivedAtMs ?? ctx.nowMs();
    // fastify would hand a text/plain body to us as a string; reports are JSON only.
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
      ctx.reportsReceived.inc({ result: 'unsupported_media_type' });
      throw new ApiError('unsupported_media_type');
    }
    const prepared = req.prepared;
    const problems = prepared ? (prepared.kind === 'invalid' ? prepared.problems : []) : reportProblems(req.body);
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
    const implausible = reportCheckProblems(report, receivedAt);
    if (implausible.length > 0) {
      ctx.reportsReceived.inc({ result: 'invalid' });
      throw new ApiError('invalid_report', implausible);
    }
    // The compact form of the report (collector/ingest-prepare.ts): the worker's, or made here the same
    // way from a report fastify's parser parsed. Only it is kept; the parsed samples are garbage now.
    // Parsed here (no worker): rendered only after the commit (ingest-prepare.ts indexParsed).
    const valid = prepared?.kind === 'valid' ? prepared : indexParsed(report, { configuredSite: owner.site, defaultSite: ctx.config.defaultSite, receivedAtMs: receivedAt, maxSeriesPerDevice: ctx.config.limits.maxSeriesPerDevice });
    const text = req.reportText ?? JSON.stringify(report);
    // One report of a device at a time, each planned against the committed state: a second report
    // waits for the first one's commit (or failure) instead of planning against what may be rolled back.
    const result = await oneAtATime(owner.name, async () => {
      // On a shared store, a device held by another collector until now (its agent failed over) is
      // loaded from the store first, so this report is judged against all the previous holder applied.
      if (ctx.fleet && !ctx.store.get(owner.name)?.report) {
        try {
          await ctx.fleet.takeOver(owner.name);
        } catch (err) {
          req.log.error({ err, device: owner.name }, 'could not load the device’s state from the store to take it over');
          ctx.reportsReceived.inc({ result: 'store_unavailable' });
          throw new ApiError('store_unavailable');
        }
      }
      const plan = ctx.store.plan(owner.name, owner.site, valid.compact, text, receivedAt);
      if (!plan.next) return plan.result;
      try {
        // `next` carries this report's text: a plan has `next` only when this report replaces the stored one.
        await ctx.deviceState.save(plan.next);
      } catch (err) {
        // Nothing changed in memory: the agent's retry of this report is planned afresh and applied once.
        req.log.error({ err }, 'could not save the device state');
        ctx.reportsReceived.inc({ result: 'store_unavailable' });
        throw new ApiError('store_unavailable');
      }
      const d = ctx.store.apply(plan.next);
      ctx.reportsApplied.inc();
      // Rendered by the worker, or now while the report is at hand, so that scrapes only concatenate text (device-exposition.ts).
      ctx.exposition.install(d, 'rendered' in valid ? valid.rendered : valid.render());
      ctx.exposition.prepare(d);
      return plan.result;
    });
    // The history takes the report in memory only (collector/history/writer.ts): nothing here waits
    // on it, and a fault in it never turns a committed report into an error answer.
    try {
      ctx.history?.record(owner.name, valid.report, receivedAt, valid.history);
    } catch (err) {
      req.log.error({ err, device: owner.name }, 'could not add the report to the history');
    }
    if (result.backfill) ctx.backfill?.enqueue(owner.name, ctx.store.get(owner.name)?.site ?? owner.site ?? ctx.config.defaultSite, result.backfill.atMs, result.backfill.samples);
    ctx.reportsReceived.inc({ result: result.status });
    for (const d of result.dropped) ctx.samplesDropped.inc({ reason: d.reason });
    if (result.dropped.length > 0) req.log.warn({ device: owner.name, dropped: result.dropped.slice(0, 10) }, 'samples dropped from report');
    return reply.code(202).send({ status: result.status, dropped: result.dropped });
  });
}
