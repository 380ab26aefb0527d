// `stationwatch user hash-password`: reads a password (from standard input, so it stays out of the
// shell history and the process list) and prints the hash to paste into the collector's `users`.
import { createInterface } from 'node:readline';
import { hashPassword } from '../collector/store/users.js';

async function readPassword(input: NodeJS.ReadableStream & { isTTY?: boolean }, output: NodeJS.WritableStream): Promise<string> {
  if (input.isTTY) output.write('Password (input is shown; clear the terminal afterwards): ');
  const rl = createInterface({ input, terminal: false });
  for await (const line of rl) {
    rl.close();
    return line;
  }
  return '';
}

export async function runUser(sub: string | undefined, io: { stdin: NodeJS.ReadableStream; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<number> {
  if (sub !== 'hash-password') {
    io.stderr.write('usage: stationwatch user hash-password   (reads the password from standard input)\n');
    return 2;
  }
  const password = await readPassword(io.stdin, io.stderr);
  try {
    io.stdout.write(`${await hashPassword(password)}\n`);
    return 0;
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n`);
    return 1;
  }
}
