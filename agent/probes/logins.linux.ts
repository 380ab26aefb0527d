// Failed logins on Linux: the auth log file read incrementally from a byte cursor (no child
// process), else the systemd journal after a cursor (auth facilities).
import { access } from 'node:fs/promises';
import { readNewLines } from './logins-authlog.js';
import { readJournal } from './logins-journal.js';
import { isFailedLogin, syslogTime } from './logins-parse.js';
import { counted, type LoginsPart, type LoginsState, type Outcome } from './logins.js';

export const logins: LoginsPart = {
  create({ settings, log, wallMs }) {
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
      if (read.lostRotated) log.warn({ path }, 'the rotated auth log was compressed or removed before it was read to the end; failures logged just before the rotation may be missed');
      const now = wallMs();
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
      return { state: { ...counted(prev, times, wallMs() / 1000), source, journal: last?.cursor ?? cursor } };
    }


    return async (prev, signal) => {
      const path = settings.source === 'journal' ? undefined : await authLogPath();
      return path ? fromFile(prev, path) : fromJournal(prev, signal);
    };
  },
};
