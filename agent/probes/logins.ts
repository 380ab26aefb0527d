// logins: failed logins as a persistent counter ("accounts lock after repeated wrong passwords;
// administrators watch the logs for abnormal operations"). The log is read incrementally from a
// cursor kept in the state directory together with the count, in one atomic file: every failure is
// counted once, across log rotation and agent restarts, and a crash between reading and saving only
// means the same lines are read again. Bursts are the catalog's job (increase over a window).
import { Type, type Static } from '@sinclair/typebox';
import { join } from 'node:path';
import { readJsonFile, writeFileAtomic } from '../../common/atomic-file.js';
import type { Logger } from '../../common/logger.js';
import { m } from '../../protocol/metrics.js';
import type { FileCursor } from './logins-authlog.js';
import { platformPart, type PlatformFiles } from './platform.js';
import { WindowsConsoleEncoding, consoleEncodingOf, defaultRunner, type CommandRunner } from './posture-command.js';
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
export type LoginsSettings = Static<typeof LoginsSettings>;

export interface LoginsState {
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

export type Outcome = { state: LoginsState } | { unavailable: string };

/** The count and latest time after `times` more failures (an unknown time counts at `fallbackAt`). */
export function counted(prev: LoginsState, times: (number | undefined)[], fallbackAt: number): Pick<LoginsState, 'total' | 'lastAt'> {
  if (times.length === 0) return prev.lastAt === undefined ? { total: prev.total } : { total: prev.total, lastAt: prev.lastAt };
  const known = times.filter((t): t is number => t !== undefined);
  return { total: prev.total + times.length, lastAt: known.length > 0 ? Math.max(...known, prev.lastAt ?? 0) : fallbackAt };
}

/** What each platform's file provides: a reader that advances the saved state by what was logged since. */
export interface LoginsPart {
  create(ctx: { settings: LoginsSettings; run: CommandRunner; encoding: string; log: Logger; wallMs: () => number }): (prev: LoginsState, signal: AbortSignal) => Promise<Outcome>;
}

const files: PlatformFiles<LoginsPart> = {
  linux: () => import('./logins.linux.js').then((f) => f.logins),
  win32: () => import('./logins.win32.js').then((f) => f.logins),
};

/** Platforms with a file here but nothing dependable to read. */
const NOT_READ: Partial<Record<NodeJS.Platform, string>> = {
  darwin: 'failed logins are not read on macOS: its unified log has no dependable failed-login event',
};

export function createLogins(setup: ProbeSetup, run: CommandRunner = defaultRunner): ProbeInstance {
  const settings = { source: 'auto', ...setup.settings } as LoginsSettings;
  const stateFile = join(setup.stateDir, STATE_FILE);
  let state: LoginsState | undefined;
  const part = platformPart(files, setup.platform);
  let reader: ((prev: LoginsState, signal: AbortSignal) => Promise<Outcome>) | undefined;

  async function outcome(prev: LoginsState, signal: AbortSignal): Promise<Outcome> {
    const p = await part();
    if (!p) return { unavailable: NOT_READ[setup.platform] ?? `failed logins are not read on ${setup.platform}` };
    reader ??= p.create({ settings, run, encoding: consoleEncodingOf(setup.settings), log: setup.log, wallMs: () => setup.clock.wallMs() });
    return reader(prev, signal);
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
