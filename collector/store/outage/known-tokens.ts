// Device tokens this collector has seen the store vouch for, so that an enrolled device keeps
// reporting while a shared store is away (issue 21: "ingest and /metrics keep working from memory").
// The store stays the authority: every report's token is looked up there first, so a revocation or a
// forgotten device takes effect at once whenever the store answers; this memory is read only when it
// cannot be reached. What it cannot know: a token revoked on another collector during the outage (it is
// refused again as soon as the store is back), and tokens never seen since this collector started
// (those reports are answered 503 and stay in the agents' outboxes). Tokens are kept as SHA-256
// digests, bounded in number, least recently used first out.
import { createHash } from 'node:crypto';

export interface TokenOwner {
  device: string;
  site: string;
}

export class KnownTokens {
  private readonly byDigest = new Map<string, TokenOwner>();

  constructor(private readonly max = 200_000) {}

  private static digest(token: string): string {
    return createHash('sha256').update(token).digest('base64');
  }

  /** What the store answered for `token`: remembered when it names a device, dropped when it does not. */
  remember(token: string, owner: TokenOwner | undefined): void {
    const k = KnownTokens.digest(token);
    this.byDigest.delete(k);
    if (!owner) return;
    this.byDigest.set(k, owner);
    if (this.byDigest.size > this.max) this.byDigest.delete(this.byDigest.keys().next().value!);
  }

  /** The device the store last said owns `token`, for use only while the store cannot be reached. */
  recall(token: string): TokenOwner | undefined {
    return this.byDigest.get(KnownTokens.digest(token));
  }

  /** A device forgotten or revoked here: none of its tokens is honoured from memory any more. */
  forgetDevice(device: string): void {
    for (const [k, o] of this.byDigest) if (o.device === device) this.byDigest.delete(k);
  }

  get size(): number {
    return this.byDigest.size;
  }
}
