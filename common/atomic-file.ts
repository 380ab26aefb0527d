// State files must never be half-written: a crash or power loss during a write (exactly what the
// stability probe is there to notice) leaves either the old or the new file, never a torn one.
import { open, rename, readFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function writeFileAtomic(file: string, data: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const handle = await open(tmp, 'w', 0o600);
  try {
    await handle.writeFile(data, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
}

/** The file's JSON, or undefined when it does not exist. Corrupt JSON throws with the path. */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new Error(`state file ${file} is not valid JSON`, { cause });
  }
}
