// Reads the systemd journal incrementally through journalctl: `--after-cursor` continues exactly after
// the last entry counted, across journal file rotation and agent restarts. Only the auth and authpriv
// facilities are asked for (PAM logs there), and the output is streamed and cut after `maxEntries`,
// so a huge backlog is worked through over several runs instead of in one unbounded read.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { killTree, spawnTracked } from '../exec/children.js';
import { withDeadline } from '../exec/deadline.js';
import { parseJournalLine, type JournalEntry } from './logins-parse.js';

export interface JournalSource {
  /** Read this directory's journal files instead of the system journal (tests, exported journals). */
  directory?: string;
  command?: string;
}

export type JournalRead =
  | { kind: 'entries'; entries: JournalEntry[]; complete: boolean }
  | { kind: 'empty' }
  | { kind: 'unreadable'; reason: string };

const AUTH_FACILITIES = ['SYSLOG_FACILITY=4', 'SYSLOG_FACILITY=10'];

function stream(source: JournalSource, args: string[], signal: AbortSignal, maxEntries: number): Promise<{ entries: JournalEntry[]; complete: boolean; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const where = source.directory ? ['--directory', source.directory] : [];
    // Not -q: it would also silence the hint that we are not allowed to see the system's entries.
    if (signal.aborted) return reject(new Error('journalctl was stopped', { cause: signal.reason }));
    const child = spawnTracked(source.command ?? 'journalctl', [...where, '--no-pager', '-o', 'json', ...args], {
      env: { ...process.env, LC_ALL: 'C', SYSTEMD_PAGER: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const entries: JournalEntry[] = [];
    let complete = true;
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(0, 2000)));
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (!complete) return;
      const entry = parseJournalLine(line);
      if (entry) entries.push(entry);
      if (entries.length >= maxEntries) {
        complete = false;
        killTree(child);
      }
    });
    const onAbort = () => {
      killTree(child);
      reject(new Error('journalctl was stopped', { cause: signal.reason }));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    child.on('close', () => signal.removeEventListener('abort', onAbort));
    child.on('error', (err) => reject((err as NodeJS.ErrnoException).code === 'ENOENT' ? new Error('journalctl is not installed') : err));
    child.on('close', (code) => resolve({ entries, complete, code: complete ? code : 0, stderr: stderr.trim() }));
  });
}

const DENIED = 'needs root or the systemd-journal/adm group to read the system journal';

/** Why journalctl could not show the system's entries, or undefined when it could. */
function unreadable(stderr: string): string | undefined {
  if (/not seeing messages from other users|permission denied/i.test(stderr)) return DENIED;
  return undefined;
}

/**
 * Are there journal files at all? journalctl's JSON output says nothing when there are none (a host
 * or container without journald), which must not read as "no failed logins".
 */
async function journalFiles(dirs: string[]): Promise<'some' | 'none' | 'denied'> {
  let denied = false;
  const visit = async (dir: string, depth: number): Promise<boolean> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EACCES') denied = true;
      return false;
    }
    for (const e of entries) {
      if (e.isFile() && /\.journal~?$/.test(e.name)) return true;
      if (e.isDirectory() && depth > 0 && (await visit(join(dir, e.name), depth - 1))) return true;
    }
    return false;
  };
  for (const dir of dirs) if (await visit(dir, 1)) return 'some';
  return denied ? 'denied' : 'none';
}

/**
 * Auth entries after `cursor` ('' = from the journal's start: it was empty when watching began).
 * Without a cursor, only where the journal ends now (the cursor of its last entry, as a one-entry
 * list) so that history from before the agent watched is not counted; `empty` when it has none.
 */
export async function readJournal(source: JournalSource, cursor: string | undefined, signal: AbortSignal, maxEntries = 20_000): Promise<JournalRead> {
  const files = await journalFiles(source.directory ? [source.directory] : ['/var/log/journal', '/run/log/journal']);
  if (files === 'none') return { kind: 'unreadable', reason: `no systemd journal files${source.directory ? ` in ${source.directory}` : ' (journald is not running here)'}` };
  if (files === 'denied') return { kind: 'unreadable', reason: DENIED };
  const fields = ['--output-fields=MESSAGE,__REALTIME_TIMESTAMP', ...AUTH_FACILITIES];
  const args = cursor === undefined ? ['-n', '1', '--output-fields=__CURSOR'] : cursor === '' ? fields : [`--after-cursor=${cursor}`, ...fields];
  const res = await withDeadline(60_000, 'journalctl', signal, (bounded) => stream(source, args, bounded, maxEntries));
  const why = unreadable(res.stderr);
  if (why) return { kind: 'unreadable', reason: why };
  if (res.code !== 0) throw new Error(`journalctl exited with ${res.code}: ${res.stderr.slice(0, 300)}`);
  if (cursor === undefined && res.entries.length === 0) return { kind: 'empty' };
  return { kind: 'entries', entries: res.entries, complete: res.complete };
}
