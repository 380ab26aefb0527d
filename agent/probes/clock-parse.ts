// Time-sync state in the words of each platform's tool: systemd's `timedatectl show` (whose
// NTPSynchronized is the kernel's own "clock is synchronised" flag, set by whichever daemon runs),
// chrony's `chronyc tracking`, and Windows' `w32tm /query /status` — which is translated on a
// Chinese Windows, so it is read by position and number, never by its English labels.

export interface SyncState {
  /** Time synchronisation is switched on (an NTP service is configured and running). */
  enabled: boolean;
  synchronized: boolean;
}

/** `timedatectl show`: `NTP=yes` (sync switched on) and `NTPSynchronized=yes`. */
export function parseTimedatectl(text: string): SyncState {
  const props = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) props.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  const synced = props.get('NTPSynchronized');
  if (synced === undefined) throw new Error('timedatectl show printed no NTPSynchronized property');
  return { enabled: props.get('NTP') === 'yes', synchronized: synced === 'yes' };
}

/** `chronyc -n tracking`: chronyd answered, so sync is on; "Leap status : Not synchronised" says it has no source. */
export function parseChronyTracking(text: string): SyncState {
  const leap = /^Leap status\s*:\s*(.+)$/m.exec(text);
  if (!leap) throw new Error('chronyc tracking printed no leap status');
  return { enabled: true, synchronized: !/not synchronised/i.test(leap[1]!) };
}

/** w32tm's error when the Windows Time service is stopped (ERROR_SERVICE_NOT_ACTIVE), in any language. */
export const W32TM_NOT_RUNNING = /0x80070426/i;

/**
 * `w32tm /query /status`. Line 1 is the leap indicator (3: not synchronised), line 2 the stratum
 * (0: unspecified, 16: unreachable); the source line names the local clock when there is no time
 * source at all ("Local CMOS Clock", "Free-running System Clock" — names w32tm does not translate).
 */
export function parseW32tmStatus(text: string): SyncState {
  if (W32TM_NOT_RUNNING.test(text)) return { enabled: false, synchronized: false };
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  const valueOf = (line: string | undefined) => {
    const match = /[:：]\s*(-?\d+)/.exec(line ?? '');
    return match ? Number(match[1]) : undefined;
  };
  const leap = valueOf(lines[0]);
  const stratum = valueOf(lines[1]);
  if (leap === undefined || stratum === undefined) throw new Error(`w32tm answered "${text.trim().slice(0, 100)}"`);
  const localClock = /Local CMOS Clock|Free-running System Clock/i.test(text);
  return { enabled: true, synchronized: leap !== 3 && stratum >= 1 && stratum <= 15 && !localClock };
}
