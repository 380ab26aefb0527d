// logins: failed logins as a persistent counter ("accounts lock after repeated wrong passwords;
// administrators watch the logs for abnormal operations"). The log is read incrementally from a
// cursor kept in the state directory together with the count, in one atomic file: every failure is
// counted once, across log rotation and agent restarts, and a crash between reading and saving only
// means the same lines are read again. Bursts are the catalog's job (increase over a window).
import { Type, type Static } from '@sinclair/typebox';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { readJsonFile, writeFileAtomic } from '../../common/atomic-file.js';
import { m } from '../../protocol/metrics.js';
import { readNewLines, type FileCursor } from './logins-authlog.js';
import { readJournal } from './logins-journal.js';
import { isFailedLogin, parseWindowsLogonFailures, syslogTime } from './logins-parse.js';
import { WindowsConsoleEncoding, consoleEncodingOf, defaultRunner, runPowerShell, type CommandRunner } from './posture-command.js';
import { sample, unavailable, type ProbeDefinition, type ProbeInstance, type ProbeSetup, type Reading } from './probe.js';

export const STATE_FILE = 'logins.json';

export const LoginsSettings = Type.Object(
  {
    source: Type.Union([Type.Literal('auto'), Type.Literal('file'), Type.Literal('journal')], {
      default: 'auto',
      description: 'auto: the auth log file when there is one (no child process), else the systemd journal',
    }),
    authLogPath: Type.Optional(Type.String({ minLength: 1, description: 'default: /var/log/auth.log, else /var/log/secure' })),
    journalDirectory: Type.Optional(Type.String({ minLength: 1, description: 'read this directory\'s journal files instead of the system journal' })),
    windowsConsoleEncoding: WindowsConsoleEncoding,
  },
  { additionalProperties: false },
);
type LoginsSettings = Static<typeof LoginsSettings>;

interface LoginsState {
  total: number;
  lastAt?: number;
  /** Which log the cursor belongs to (`file:/var/log/auth.log`, `journal:`, `windows`). */
  source?: string;
  file?: FileCursor;
  journal?: string;
  windowsRecord?: number;
}

export function validRecordId(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function parseState(raw: unknown): LoginsState {
  const s = (raw ?? {}) as Partial<LoginsState>;
  if (typeof s.total !== 'number' || !Number.isInteger(s.total) || s.total < 0) return { total: 0 };
  // The record id goes to a script run as LocalSystem: anything but a plain non-negative integer
  // (a tampered or corrupt state file) is dropped, and watching starts again at the newest record.
  if (s.windowsRecord !== undefined && !validRecordId(s.windowsRecord)) {
    const { windowsRecord: _dropped, ...rest } = s;
    return rest as LoginsState;
  }
  return s as LoginsState;
}

export const WINDOWS_LOGONS_SCRIPT = `
$ErrorActionPreference = 'Stop'
# The record id arrives as data ($SwData, see agent/windows/powershell.ts), never pasted into this text.
$after = [long]$SwData.after
$result = [ordered]@{ Newest = $null; Events = @(); Error = $null }
try {
  if ($after -lt 0) {
    $last = @(Get-WinEvent -LogName Security -MaxEvents 1)
    $result.Newest = if ($last.Count -gt 0) { $last[0].RecordId } else { 0 }
  } else {
    $xpath = "*[System[(EventID=4625) and (EventRecordID > $after)]]"
    $result.Events = @(Get-WinEvent -LogName Security -FilterXPath $xpath -Oldest -MaxEvents 5000 | ForEach-Object { [pscustomobject]@{ RecordId = $_.RecordId; Time = ([DateTimeOffset]$_.TimeCreated).ToUnixTimeSeconds() } })
  }
} catch {
  if ($_.Exception -is [System.UnauthorizedAccessException] -or $_.FullyQualifiedErrorId -like '*UnauthorizedAccess*') { $result.Error = 'denied' }
  elseif ($_.FullyQualifiedErrorId -notlike 'NoMatchingEventsFound*') { $result.Error = $_.Exception.Message }
}
[pscustomobject]$result | ConvertTo-Json -Depth 3 -Compress
`;

type Outcome = { state: LoginsState } | { unavailable: string };

export function createLogins(setup: ProbeSetup, run: CommandRunner = defaultRunner): ProbeInstance {
  const settings = { source: 'auto', ...setup.settings } as LoginsSettings;
  const stateFile = join(setup.stateDir, STATE_FILE);
  let state: LoginsState | undefined;

  const counted = (prev: LoginsState, times: (number | undefined)[], fallbackAt: number): Pick<LoginsState, 'total' | 'lastAt'> => {
    if (times.length === 0) return prev.lastAt === undefined ? { total: prev.total } : { total: prev.total, lastAt: prev.lastAt };
    const known = times.filter((t): t is number => t !== undefined);
    return { total: prev.total + times.length, lastAt: known.length > 0 ? Math.max(...known, prev.lastAt ?? 0) : fallbackAt };
  };

  async function authLogPath(): Promise<string | undefined> {
    const candidates = settings.authLogPath ? [settings.authLogPath] : ['/var/log/auth.log', '/var/log/secure'];
    for (const path of candidates) {
      if (await access(path).then(() => true, () => false)) return path;
    }
    return settings.source === 'file' ? candidates[0] : undefined;
  }

  async function fromFile(prev: LoginsState, path: string): Promise<Outcome> {
    const source = `file:${path}`;
    const cursor = prev.source === source ? prev.file : undefined;
    let read;
    try {
      read = await readNewLines(path, cursor);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES') return { unavailable: `needs root or the adm group to read ${path}` };
      if (code === 'ENOENT') return { unavailable: `no auth log at ${path}` };
      throw new Error(`read ${path}`, { cause: err });
    }
    if (read.lostRotated) setup.log.warn({ path }, 'the rotated auth log was compressed or removed before it was read to the end; failures logged just before the rotation may be missed');
    const now = setup.clock.wallMs();
    const times = read.lines.filter(isFailedLogin).map((l) => syslogTime(l, now));
    return { state: { ...counted(prev, times, now / 1000), source, file: read.cursor } };
  }

  async function fromJournal(prev: LoginsState, signal: AbortSignal): Promise<Outcome> {
    const source = `journal:${settings.journalDirectory ?? ''}`;
    const cursor = prev.source === source ? prev.journal : undefined;
    const read = await readJournal(settings.journalDirectory ? { directory: settings.journalDirectory } : {}, cursor, signal);
    if (read.kind === 'unreadable') return { unavailable: settings.source === 'auto' ? `${read.reason}, and no auth log file (/var/log/auth.log, /var/log/secure)` : read.reason };
    if (read.kind === 'empty') return { state: { ...counted(prev, [], 0), source, journal: '' } };
    const last = read.entries[read.entries.length - 1];
    if (cursor === undefined) return { state: { ...counted(prev, [], 0), source, ...(last ? { journal: last.cursor } : {}) } };
    const times = read.entries.filter((e) => isFailedLogin(e.message)).map((e) => e.time);
    return { state: { ...counted(prev, times, setup.clock.wallMs() / 1000), source, journal: last?.cursor ?? cursor } };
  }

  async function fromWindows(prev: LoginsState, signal: AbortSignal): Promise<Outcome> {
    const after = prev.source === 'windows' && prev.windowsRecord !== undefined ? prev.windowsRecord : -1;
    if (after !== -1 && !validRecordId(after)) throw new Error(`invalid saved event record id ${String(after).slice(0, 40)}`);
    const res = await runPowerShell(WINDOWS_LOGONS_SCRIPT, { run, signal, consoleEncoding: consoleEncodingOf(setup.settings), data: { after } });
    if (res.code !== 0) throw new Error(`the Security log query exited with ${res.code ?? 'a signal'}: ${res.stderr}`);
    const got = parseWindowsLogonFailures(res.stdout);
    if (got.denied) return { unavailable: 'needs administrator rights (or the Event Log Readers group) to read the Security log' };
    if (after < 0) return { state: { ...counted(prev, [], 0), source: 'windows', windowsRecord: got.newest ?? 0 } };
    const newest = got.events.length > 0 ? got.events[got.events.length - 1]!.recordId : after;
    if (!validRecordId(newest)) throw new Error(`the Security log answered an invalid record id ${String(newest).slice(0, 40)}`);
    return { state: { ...counted(prev, got.events.map((e) => e.time), 0), source: 'windows', windowsRecord: newest } };
  }

  async function outcome(prev: LoginsState, signal: AbortSignal): Promise<Outcome> {
    if (setup.platform === 'win32') return fromWindows(prev, signal);
    if (setup.platform === 'darwin') return { unavailable: 'failed logins are not read on macOS: its unified log has no dependable failed-login event' };
    if (setup.platform !== 'linux') return { unavailable: `failed logins are not read on ${setup.platform}` };
    const path = settings.source === 'journal' ? undefined : await authLogPath();
    return path ? fromFile(prev, path) : fromJournal(prev, signal);
  }

  return {
    async collect({ signal }) {
      state ??= parseState(await readJsonFile(stateFile));
      const result = await outcome(state, signal);
      if ('unavailable' in result) return [unavailable(m.failedLogins, result.unavailable), unavailable(m.lastFailedLogin, result.unavailable)];
      // Saved before it is reported: a count that was shown is never counted again after a crash.
      if (JSON.stringify(result.state) !== JSON.stringify(state)) await writeFileAtomic(stateFile, JSON.stringify(result.state));
      state = result.state;
      // No failed login yet is a known state, not an unknown one: the moment is simply absent.
      const out: Reading[] = [sample(m.failedLogins, state.total)];
      if (state.lastAt !== undefined) out.push(sample(m.lastFailedLogin, state.lastAt));
      return out;
    },
  };
}

export const loginsProbe: ProbeDefinition = {
  name: 'logins',
  interval: 'slow',
  metrics: [m.failedLogins, m.lastFailedLogin],
  settingsSchema: LoginsSettings,
  create: (setup) => createLogins(setup),
};
