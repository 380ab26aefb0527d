// Failed logins in the words the OS logs them. Linux: one pam_unix "authentication failure" line per
// wrong password, for every login service (console, display manager, screen locker, sshd) and also
// for unknown users; sshd's own "Failed password" lines repeat the same attempt and are not counted.
// Services that are not logins (sudo, su, polkit) are left out. Windows: Security event 4625.

/** PAM services whose failures are a privilege step by someone already logged in, not a login. */
const NOT_LOGINS = new Set(['sudo', 'sudo-i', 'su', 'su-l', 'runuser', 'runuser-l', 'polkit-1', 'cron', 'crond', 'chfn', 'chsh', 'passwd', 'pkexec']);

const PAM_FAILURE = /\bpam_unix\(([^:()\s]+):auth\): authentication failure;/;

/** Is this log message one failed login? */
export function isFailedLogin(message: string): boolean {
  const match = PAM_FAILURE.exec(message);
  return match !== null && !NOT_LOGINS.has(match[1]!);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))\s/;
const TRADITIONAL = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})\s/;

/**
 * When a syslog line was written, in epoch seconds: RFC 3339 stamps (rsyslog's default since Debian
 * 12) carry everything; traditional `Nov 22 15:10:44` stamps carry no year or zone, so they are read
 * as local time in the year that puts them not more than a day ahead of `nowMs`.
 */
export function syslogTime(line: string, nowMs: number): number | undefined {
  const iso = RFC3339.exec(line);
  if (iso) {
    const ms = Date.parse(iso[1]!);
    return Number.isFinite(ms) ? ms / 1000 : undefined;
  }
  const t = TRADITIONAL.exec(line);
  if (!t) return undefined;
  const month = MONTHS.indexOf(t[1]!);
  if (month < 0) return undefined;
  const year = new Date(nowMs).getFullYear();
  for (const y of [year, year - 1]) {
    const ms = new Date(y, month, Number(t[2]), Number(t[3]), Number(t[4]), Number(t[5])).getTime();
    if (ms <= nowMs + 86_400_000) return ms / 1000;
  }
  return undefined;
}

export interface JournalEntry {
  cursor: string;
  /** Epoch seconds. */
  time?: number;
  message: string;
}

/**
 * One line of `journalctl -o json`. MESSAGE is an array of bytes when it is not valid UTF-8; the
 * realtime stamp is microseconds as a string. Undefined for a line that is not an entry.
 */
export function parseJournalLine(line: string): JournalEntry | undefined {
  if (line.trim() === '') return undefined;
  let e: Record<string, unknown>;
  try {
    e = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof e.__CURSOR !== 'string') return undefined;
  const raw = e.MESSAGE;
  const message = typeof raw === 'string' ? raw : Array.isArray(raw) ? Buffer.from(raw.filter((b): b is number => typeof b === 'number')).toString('utf8') : '';
  const us = typeof e.__REALTIME_TIMESTAMP === 'string' ? Number(e.__REALTIME_TIMESTAMP) : NaN;
  return Number.isFinite(us) ? { cursor: e.__CURSOR, time: us / 1e6, message } : { cursor: e.__CURSOR, message };
}

export interface WindowsLogonFailures {
  /** The newest record of the Security log, when the script was asked for a starting point. */
  newest?: number;
  events: { recordId: number; time: number }[];
  /** The Security log refused us: reading it needs administrator or Event Log Readers. */
  denied: boolean;
}

/**
 * The Windows script's JSON: `{ Newest, Events: [{ RecordId, Time }], Error }`, Time in epoch
 * seconds. Error "denied" means the Security log could not be opened.
 */
export function parseWindowsLogonFailures(text: string): WindowsLogonFailures {
  let doc: { Newest?: unknown; Events?: unknown; Error?: unknown };
  try {
    doc = JSON.parse(text.trim()) as typeof doc;
  } catch (cause) {
    throw new Error('the Security log query printed something that is not JSON', { cause });
  }
  if (typeof doc?.Error === 'string' && doc.Error !== '' && doc.Error !== 'denied') throw new Error(`reading the Security log failed: ${doc.Error.slice(0, 200)}`);
  const list = (Array.isArray(doc?.Events) ? doc.Events : doc?.Events ? [doc.Events] : []) as { RecordId?: unknown; Time?: unknown }[];
  const events = list
    .filter((e) => Number.isInteger(e?.RecordId) && typeof e.Time === 'number')
    .map((e) => ({ recordId: e.RecordId as number, time: e.Time as number }))
    .sort((a, b) => a.recordId - b.recordId);
  const out: WindowsLogonFailures = { events, denied: doc?.Error === 'denied' };
  if (Number.isInteger(doc?.Newest)) out.newest = doc.Newest as number;
  return out;
}
