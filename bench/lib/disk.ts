// Bytes a directory tree takes (file sizes summed), for a store's size on disk.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function du(dir: string): number {
  let bytes = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    try {
      if (e.isDirectory()) bytes += du(p);
      else if (e.isFile()) bytes += statSync(p).size;
    } catch {
      // removed meanwhile (a WAL segment recycled)
    }
  }
  return bytes;
}
