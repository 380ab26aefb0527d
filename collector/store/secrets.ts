// The random secrets the store hands out (device tokens, enrolment codes, session ids) and the
// digests it keeps instead: the same in every implementation, so a store can move between them.
import { createHash, randomBytes } from 'node:crypto';

export const sha256hex = (s: string) => createHash('sha256').update(s).digest('hex');

/** A device token: 256 random bits. */
export const newToken = () => randomBytes(32).toString('base64url');
/**
 * A one-time enrolment code: 120 random bits, short enough to type. Never starting with "-": the
 * command line would take `agent enrol --code -Dtc…` for an option (1 code in 64 did).
 */
export const newCode = (): string => {
  for (;;) {
    const code = randomBytes(15).toString('base64url');
    if (!code.startsWith('-')) return code;
  }
};
/** A session id (cookie or bearer) and the session's CSRF secret. */
export const newSessionId = () => randomBytes(32).toString('base64url');
export const newCsrf = () => randomBytes(24).toString('base64url');
