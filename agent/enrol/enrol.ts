// Enrolment: the agent trades a site enrolment secret or an administrator's one-time code for its own
// device token (POST /api/v1/enrol) and keeps it in its state directory. Until it has one, the
// agent still runs and queues its reports in the outbox; the transport enrols before the first send.
import type { Logger } from '../../common/logger.js';
import { postJson, type SendResult, type Transport, type TransportOptions } from '../push.js';
import { loadToken, saveToken, type StoredToken } from './token-file.js';

export interface EnrolRequest {
  collectorUrl: string;
  device: string;
  site: string;
  /** A one-time code from `stationwatch collector enrol-code`, or the site's enrolment secret. */
  code?: string;
  secret?: string;
}

export type EnrolOutcome = { kind: 'enrolled'; token: StoredToken; file: string } | { kind: 'retry'; reason: string } | { kind: 'refused'; status: number; reason: string };

export async function enrol(req: EnrolRequest, stateDir: string, opts: TransportOptions, nowMs: () => number = Date.now): Promise<EnrolOutcome> {
  const body = JSON.stringify({ device: req.device, site: req.site, ...(req.code ? { code: req.code } : {}), ...(req.secret ? { secret: req.secret } : {}) });
  let res;
  try {
    res = await postJson(new URL('/api/v1/enrol', req.collectorUrl), body, {}, opts);
  } catch (err) {
    const e = err as Error & { code?: string };
    return { kind: 'retry', reason: `${e.code ? `${e.code} ` : ''}${e.message}` };
  }
  if (res.status === 201) {
    const answer = JSON.parse(res.body) as { device: string; token: string };
    const token: StoredToken = { device: answer.device, token: answer.token, collectorUrl: req.collectorUrl, enrolledAtMs: nowMs() };
    return { kind: 'enrolled', token, file: await saveToken(stateDir, token) };
  }
  const reason = `HTTP ${res.status} ${res.body.slice(0, 500)}`;
  if (res.status === 429 || res.status >= 500) return { kind: 'retry', reason };
  return { kind: 'refused', status: res.status, reason };
}

/**
 * The token to send: the configured one, else the stored one, else (with a site secret) one
 * obtained by enrolling at the first send. Reports wait in the outbox meanwhile.
 */
export async function tokenSource(cfg: {
  configured?: string;
  secret?: string;
  stateDir: string;
  enrolRequest: EnrolRequest;
  /** Further collectors to enrol with when the first cannot be reached (collector.failoverUrls). */
  failoverUrls?: readonly string[];
  opts: TransportOptions;
  log: Logger;
}): Promise<{ current(): string | undefined; ensure(): Promise<SendResult | undefined> }> {
  let token = cfg.configured ?? (await loadToken(cfg.stateDir))?.token;
  if (!token && !cfg.secret) throw new Error('this agent has no device token: set collector.token, or enrol it (stationwatch agent enrol --collector URL --code CODE), or set collector.enrolSecret');
  return {
    current: () => token,
    /** Makes sure there is a token; answers like a send when there is none yet. */
    async ensure() {
      if (token) return undefined;
      let outcome: EnrolOutcome = { kind: 'retry', reason: 'no collector address' };
      const reasons: string[] = [];
      // A collector that cannot be reached is skipped; a refusal is an answer (the same store stands behind each).
      for (const collectorUrl of [cfg.enrolRequest.collectorUrl, ...(cfg.failoverUrls ?? [])]) {
        outcome = await enrol({ ...cfg.enrolRequest, collectorUrl, secret: cfg.secret! }, cfg.stateDir, cfg.opts);
        if (outcome.kind !== 'retry') break;
        reasons.push(cfg.failoverUrls?.length ? `${collectorUrl}: ${outcome.reason}` : outcome.reason);
      }
      if (outcome.kind === 'retry') outcome = { kind: 'retry', reason: reasons.join('; ') };
      if (outcome.kind === 'enrolled') {
        token = outcome.token.token;
        cfg.log.info({ device: outcome.token.device, file: outcome.file }, 'enrolled with the collector; device token stored');
        return undefined;
      }
      if (outcome.kind === 'retry') return { kind: 'retry', reason: `enrolment: ${outcome.reason}` };
      return { kind: 'unauthorized', status: outcome.status, reason: `enrolment refused: ${outcome.reason}` };
    },
  };
}

/** A transport that enrols first when the agent has no token yet. */
export function enrollingTransport(source: Awaited<ReturnType<typeof tokenSource>>, inner: Transport): Transport {
  return {
    async send(report) {
      const blocked = await source.ensure();
      return blocked ?? inner.send(report);
    },
  };
}
