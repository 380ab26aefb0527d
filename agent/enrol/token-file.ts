// The device token an enrolled agent received, kept in its state directory readable by the agent's
// account only (mode 0600, written atomically): a copy would let anyone report as this device.
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { readJsonFile, writeFileAtomic } from '../../common/atomic-file.js';

export const TOKEN_FILE = 'device-token.json';

export const StoredToken = Type.Object({
  device: Type.String(),
  token: Type.String({ minLength: 16 }),
  /** The collector that issued it: a token is only sent there. */
  collectorUrl: Type.String(),
  enrolledAtMs: Type.Number(),
});
export type StoredToken = Static<typeof StoredToken>;

export const tokenFilePath = (stateDir: string) => join(stateDir, TOKEN_FILE);

export async function saveToken(stateDir: string, t: StoredToken): Promise<string> {
  const file = tokenFilePath(stateDir);
  await writeFileAtomic(file, `${JSON.stringify(t, null, 2)}\n`);
  // writeFileAtomic creates 0600; chmod again in case an older file with wider rights was replaced.
  if (process.platform !== 'win32') await chmod(file, 0o600);
  return file;
}

/** The stored token, undefined when the agent never enrolled; a damaged file throws with its path. */
export async function loadToken(stateDir: string): Promise<StoredToken | undefined> {
  const file = tokenFilePath(stateDir);
  const value = await readJsonFile(file);
  if (value === undefined) return undefined;
  if (!Value.Check(StoredToken, value)) throw new Error(`${file} is not a stored device token; delete it and enrol again`);
  return value;
}
