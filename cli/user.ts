// `stationwatch user hash-password`: reads a password (from standard input, so it stays out of the
// shell history and the process list) and prints the hash to paste into the collector's `users`.
import { createInterface } from 'node:readline';
import { hashPassword } from '../collector/store/users.js';
import { COMMANDS, hashPasswordCommand } from './commands.js';
import { groupHelp, parseCommand, type LineIo } from './usage.js';

/** The first line of `input`; on a terminal, after a prompt on `output`. */
export async function readPassword(input: NodeJS.ReadableStream & { isTTY?: boolean }, output: NodeJS.WritableStream): Promise<string> {
  if (input.isTTY) output.write('Password (input is shown; clear the terminal afterwards): ');
  const rl = createInterface({ input, terminal: false });
  for await (const line of rl) {
    rl.close();
    return line;
  }
  return '';
}

/** args: what follows `stationwatch user`. */
export async function runUser(args: string[], io: { stdin: NodeJS.ReadableStream; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<number> {
  const lines: LineIo = { out: (l) => io.stdout.write(`${l}\n`), err: (l) => io.stderr.write(`${l}\n`) };
  const [sub, ...rest] = args;
  if (sub !== 'hash-password') return groupHelp(COMMANDS, 'user', args, lines);
  const parsed = parseCommand(hashPasswordCommand, rest, lines);
  if (typeof parsed === 'number') return parsed;
  const password = await readPassword(io.stdin, io.stderr);
  try {
    io.stdout.write(`${await hashPassword(password)}\n`);
    return 0;
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n`);
    return 1;
  }
}
