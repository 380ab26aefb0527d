// The spool: a directory in the agent's state where other programs (here `stationwatch backup
// report`) leave results for the agent, whether it runs at that moment or starts later. Only the
// agent's account (owner, mode 0700) and administrators can write there, so the operating system
// itself refuses a fake success from any other local user. A file appears whole or not at all
// (written under a dot-name, then renamed), and the agent deletes it only after it has saved what
// the file said. Kept generic: the reliability work turns this into the agent's durable outbox.
import { chmod, mkdir, open, readFile, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { JobName } from './job.js';

export function spoolDir(stateDir: string, topic: string): string {
  return join(stateDir, 'spool', topic);
}

export const REJECTED = 'rejected';
const MAX_SPOOL_FILE_BYTES = 64 * 1024;

export const BackupReport = Type.Object(
  {
    version: Type.Literal(1),
    job: JobName,
    status: Type.Union([Type.Literal('ok'), Type.Literal('failed')]),
    /** Epoch milliseconds when the script reported: the run's time, however late the agent reads it. */
    atMs: Type.Number({ minimum: 0 }),
    durationSeconds: Type.Optional(Type.Number({ minimum: 0, maximum: 30 * 86_400 })),
    message: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type BackupReport = Static<typeof BackupReport>;

/**
 * Creates the spool owner-only (the agent does this at start). Returns a warning when the directory
 * is not the agent's to protect (owned by another account), since then its contents prove nothing.
 */
export async function ensureSpoolDir(dir: string): Promise<string | undefined> {
  await mkdir(join(dir, REJECTED), { recursive: true, mode: 0o700 });
  if (process.platform === 'win32') return undefined; // ACLs of the state directory apply there
  for (const d of [join(dir, '..'), dir]) {
    try {
      await chmod(d, 0o700);
    } catch (e) {
      return `cannot restrict ${d} to the agent's account (${(e as Error).message}): reports in it cannot be trusted`;
    }
  }
  return undefined;
}

export class SpoolWriteError extends Error {
  override readonly name = 'SpoolWriteError';
}

/** Writes one record atomically; the name sorts by time so the agent applies reports in order. */
export async function writeSpoolFile(dir: string, record: unknown): Promise<string> {
  // node:crypto on first use: only `stationwatch backup report` writes here, and the long-running agent,
  // which imports this module for the spool's location, would otherwise hold it (about 2 MiB) for nothing.
  const { randomBytes } = await import('node:crypto');
  const name = `${Date.now().toString().padStart(14, '0')}-${process.pid}-${randomBytes(4).toString('hex')}.json`;
  const tmp = join(dir, `.${name}.tmp`);
  try {
    const st = await stat(dir);
    if (!st.isDirectory()) throw new SpoolWriteError(`${dir} is not a directory`);
    // Readable by the agent even when an administrator writes it: the directory is what keeps others out.
    const handle = await open(tmp, 'wx', 0o644);
    try {
      await handle.writeFile(`${JSON.stringify(record)}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, join(dir, name));
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') throw new SpoolWriteError(`permission denied writing to ${dir}: only the agent's account and administrators may report results (run this as that account, or with sudo)`, { cause: e });
    if (code === 'ENOENT') throw new SpoolWriteError(`${dir} does not exist: the agent creates it when it starts — check that --config or STATIONWATCH_STATE_DIR names the agent's state directory`, { cause: e });
    throw e instanceof SpoolWriteError ? e : new SpoolWriteError(`cannot write to ${dir}: ${(e as Error).message}`, { cause: e });
  }
  return name;
}

/** Finished spool files, oldest first (half-written ones are still dot-named). */
export async function listSpool(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[];
    throw e;
  });
  return names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort();
}

/** The record in a spool file, or why it is not one. */
export async function readSpoolFile<S extends TSchema>(file: string, schema: S): Promise<{ value: Static<S> } | { problem: string }> {
  let text: string;
  try {
    const buf = await readFile(file);
    if (buf.length > MAX_SPOOL_FILE_BYTES) return { problem: `larger than ${MAX_SPOOL_FILE_BYTES} bytes` };
    text = buf.toString('utf8');
  } catch (e) {
    return { problem: `unreadable: ${(e as Error).message}` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: 'not JSON' };
  }
  if (Value.Check(schema, value)) return { value };
  const first = Value.Errors(schema, value).First();
  return { problem: `${first?.path || '/'}: ${first?.message ?? 'unexpected content'}` };
}

/** Moves a file aside so it is never applied; it stays for whoever investigates. */
export async function rejectSpoolFile(dir: string, name: string): Promise<void> {
  await rename(join(dir, name), join(dir, REJECTED, name));
}
