// Reads a syslog file (auth.log, secure) incrementally: a cursor (device, inode, offset) says where
// the last read stopped, so every line is read once, never the whole file again. When logrotate has
// renamed the file (auth.log → auth.log.1, or secure-20240101 with dateext), the rest of the old
// inode is read first, then the new file from its start; a file cut in place (copytruncate) is read
// from its start. Only complete lines are taken: a line being written is read on the next pass.
import { open, readdir, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface FileCursor {
  dev: number;
  ino: number;
  offset: number;
}

export interface LogRead {
  cursor: FileCursor;
  lines: string[];
  /** The previous file could not be found after a rotation (compressed or deleted): lines may be missed. */
  lostRotated: boolean;
}

const CHUNK = 64 * 1024;

/** Complete lines from `offset`, at most about `maxBytes`; the offset after the last newline read. */
async function readLines(handle: FileHandle, offset: number, maxBytes: number): Promise<{ lines: string[]; offset: number; more: boolean }> {
  const lines: string[] = [];
  let pos = offset;
  let carry = Buffer.alloc(0);
  let consumed = offset;
  while (pos - offset < maxBytes) {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(CHUNK), 0, CHUNK, pos);
    if (bytesRead === 0) return { lines, offset: consumed, more: false };
    pos += bytesRead;
    const data = Buffer.concat([carry, buffer.subarray(0, bytesRead)]);
    const lastNewline = data.lastIndexOf(0x0a);
    if (lastNewline < 0) {
      carry = data;
      continue;
    }
    for (const line of data.subarray(0, lastNewline).toString('utf8').split('\n')) lines.push(line);
    consumed = pos - (data.length - lastNewline - 1);
    carry = data.subarray(lastNewline + 1);
  }
  return { lines, offset: consumed, more: true };
}

/** The rotated copy of `path` that is still the inode we were reading, if logrotate left it uncompressed. */
async function findRotated(path: string, cursor: FileCursor): Promise<FileHandle | undefined> {
  const dir = dirname(path);
  const base = basename(path);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return undefined;
  }
  const candidates = names.filter((n) => (n.startsWith(`${base}.`) || n.startsWith(`${base}-`)) && !/\.(gz|xz|bz2|zst|lz4)$/.test(n));
  for (const name of candidates) {
    let handle: FileHandle | undefined;
    try {
      handle = await open(join(dir, name), 'r');
      const st = await handle.stat();
      if (st.ino === cursor.ino && st.dev === cursor.dev) return handle;
    } catch {
      // Vanished or unreadable: not the one.
    }
    await handle?.close();
  }
  return undefined;
}

/**
 * New complete lines of `path` since `cursor`. Without a cursor (first run) reading starts at the end:
 * what happened before the agent watched is history, not a burst. Throws with the errno when the file
 * cannot be opened (ENOENT, EACCES), so the caller can say why.
 */
export async function readNewLines(path: string, cursor: FileCursor | undefined, maxBytes = 16 * 1024 * 1024): Promise<LogRead> {
  const handle = await open(path, 'r');
  try {
    const st = await handle.stat();
    const current = { dev: st.dev, ino: st.ino };
    if (!cursor) return { cursor: { ...current, offset: st.size }, lines: [], lostRotated: false };
    if (cursor.ino === current.ino && cursor.dev === current.dev) {
      const from = st.size < cursor.offset ? 0 : cursor.offset; // cut in place: start again
      const read = await readLines(handle, from, maxBytes);
      return { cursor: { ...current, offset: read.offset }, lines: read.lines, lostRotated: false };
    }
    const old = await findRotated(path, cursor);
    const lines: string[] = [];
    if (old) {
      try {
        const rest = await readLines(old, cursor.offset, maxBytes);
        lines.push(...rest.lines);
        // The old file is larger than this pass may read: stay on it and finish next time.
        if (rest.more) return { cursor: { ...cursor, offset: rest.offset }, lines, lostRotated: false };
      } finally {
        await old.close();
      }
    }
    const fresh = await readLines(handle, 0, maxBytes);
    lines.push(...fresh.lines);
    return { cursor: { ...current, offset: fresh.offset }, lines, lostRotated: old === undefined };
  } finally {
    await handle.close();
  }
}
