// Password guessing on POST /login and POST /api/v1/sessions, limited with @fastify/rate-limit's
// counters (createRateLimit): every attempt counts against its address per minute, and failures
// count per user name and per address within `lockoutSeconds` from the first; once a name or an
// address has reached its maximum, its attempts are refused before the password is looked at (each
// check is a 32 MiB scrypt) until the window ends. Counting failures per name stops a guesser that
// spreads over many addresses; per address, one that tries many names. A success does not reset the
// counts: a guesser who finds one password does not get a fresh budget for the next name.
import type { FastifyInstance, FastifyRequest } from 'fastify';

export interface LoginLimits {
  maxFailuresPerUser: number;
  maxFailuresPerAddress: number;
  lockoutSeconds: number;
  maxAttemptsPerAddressPerMinute: number;
}

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;

/** The user name an attempt names: form field or JSON property, case as typed (names are case-sensitive). */
const userOf = (req: FastifyRequest): string => {
  const u = (req.body as { user?: unknown } | undefined)?.user;
  return `user:${typeof u === 'string' ? u.slice(0, 128) : ''}`;
};

export class LoginGuard {
  private readonly attempts: Limiter;
  private readonly failuresByUser: Limiter;
  private readonly failuresByAddress: Limiter;

  constructor(app: FastifyInstance, limits: LoginLimits) {
    const lockoutMs = Math.round(limits.lockoutSeconds * 1000);
    this.attempts = app.createRateLimit({ max: limits.maxAttemptsPerAddressPerMinute, timeWindow: 60_000 });
    this.failuresByUser = app.createRateLimit({ max: limits.maxFailuresPerUser, timeWindow: lockoutMs, keyGenerator: userOf });
    this.failuresByAddress = app.createRateLimit({ max: limits.maxFailuresPerAddress, timeWindow: lockoutMs });
  }

  /** Before the password is checked: 0 when the attempt may go ahead, else the seconds to wait (for Retry-After). */
  async admit(req: FastifyRequest): Promise<number> {
    const byUser = await this.failuresByUser(req, { increment: false });
    const byAddress = await this.failuresByAddress(req, { increment: false });
    const locked = [byUser, byAddress].filter((r) => !r.isAllowed && r.remaining === 0).map((r) => (r.isAllowed ? 0 : r.ttlInSeconds));
    // A locked-out attempt still counts against the address's rate, so hammering a locked name costs the hammerer.
    const rate = await this.attempts(req);
    if (!rate.isAllowed && rate.isExceeded) locked.push(rate.ttlInSeconds);
    return locked.length > 0 ? Math.max(1, ...locked) : 0;
  }

  /** A wrong name or password: counts against the name and the address. */
  async failed(req: FastifyRequest): Promise<void> {
    await this.failuresByUser(req);
    await this.failuresByAddress(req);
  }
}
