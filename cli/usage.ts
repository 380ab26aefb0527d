// One help mechanism for every subcommand: a command is described once (cli/commands.ts) and that
// description is both what node's util.parseArgs parses and what `--help` prints, so the options a
// command takes and the options its help lists cannot drift apart. `--help`/`-h`: the usage on
// stdout, exit 0. An unknown option, a missing value or a missing required option: the problem and
// the usage on stderr, exit 2.
import { parseArgs, type ParseArgsOptionDescriptor } from 'node:util';

export const PROGRAM = 'stationwatch';

export interface CommandOption extends ParseArgsOptionDescriptor {
  /** One line for the help. */
  description: string;
  /** What the value is called in the help (FILE, URL, N); string options only. */
  value?: string;
  /** The command refuses to run without it (checked after --help). */
  required?: boolean;
  /** A default the code computes (from the environment or the configuration), shown as written. */
  defaultNote?: string;
}

export type CommandOptions = Record<string, CommandOption>;

export interface Command<O extends CommandOptions = CommandOptions> {
  /** The words that select it: "agent install-service". */
  name: string;
  /** One line: what it does (the command list shows it). */
  summary: string;
  /** Its positional arguments as the help shows them ("FILE", "PATH..."); none when absent. */
  args?: string;
  options: O;
  /** More lines for its own help: exit codes, where things go. */
  details?: string;
}

/** Keeps the option names and types literal, so parseCommand's result is typed per command. */
export function command<const O extends CommandOptions>(c: Command<O>): Command<O> {
  return c;
}

export interface LineIo {
  out: (line: string) => void;
  err: (line: string) => void;
}
export const consoleIo: LineIo = { out: (l) => console.log(l), err: (l) => console.error(l) };

const HELP = { type: 'boolean', short: 'h', description: 'show this help' } as const;

type ParseConfig<O extends CommandOptions> = { args: string[]; options: O & { help: typeof HELP }; allowPositionals: true; strict: true };
type RequiredKeys<O extends CommandOptions> = { [K in keyof O]: O[K] extends { required: true } ? K : never }[keyof O];
/** What util.parseArgs returns for the command, with its required options present (checked). */
export type Parsed<O extends CommandOptions> = ReturnType<typeof parseArgs<ParseConfig<O>>> & { values: { [K in RequiredKeys<O>]: string } };

function optionLabel(name: string, o: CommandOption): string {
  const short = o.short ? `-${o.short}, ` : '    ';
  return `${short}--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
}

function defaultText(o: CommandOption): string {
  if (o.defaultNote !== undefined) return ` (default: ${o.defaultNote})`;
  if (o.default !== undefined && o.default !== false) return ` (default: ${String(o.default)})`;
  return o.required ? ' (required)' : '';
}

/** Two columns, the second aligned. */
function table(rows: [string, string][]): string[] {
  const width = Math.max(...rows.map(([l]) => l.length)) + 3;
  return rows.map(([l, r]) => `  ${l.padEnd(width)}${r}`);
}

function usageLine(c: Command): string {
  const required = Object.entries(c.options)
    .filter(([, o]) => o.required)
    .map(([n, o]) => `--${n} ${o.value ?? 'VALUE'}`);
  const optional = Object.values(c.options).some((o) => !o.required) ? ['[OPTIONS]'] : [];
  return ['usage:', PROGRAM, c.name, ...(c.args ? [c.args] : []), ...required, ...optional].join(' ');
}

/** The commands below `prefix` in the list (all of them for no prefix). */
export function commandsUnder(list: readonly Command[], prefix: string): Command[] {
  return list.filter((c) => (prefix === '' ? true : c.name.startsWith(`${prefix} `)));
}

function commandTable(list: readonly Command[]): string[] {
  return table(list.map((c) => [c.name, c.summary]));
}

/** A command's help: usage line, what it does, its options with defaults, its subcommands. */
export function formatUsage(c: Command, list: readonly Command[] = []): string {
  const options = { ...c.options, help: HELP } as CommandOptions;
  const lines = [usageLine(c), '', c.summary, ...(c.details ? ['', c.details] : []), '', 'options:', ...table(Object.entries(options).map(([n, o]) => [optionLabel(n, o), `${o.description}${defaultText(o)}`]))];
  const subs = commandsUnder(list, c.name);
  if (subs.length > 0) lines.push('', 'commands:', ...commandTable(subs), '', `${PROGRAM} ${c.name} COMMAND --help shows a command's options.`);
  return lines.join('\n');
}

/** The help of a group of commands (`backup`, `collector devices`) or of the whole program (prefix ''). */
export function formatGroupUsage(list: readonly Command[], prefix: string, title?: string): string {
  const head = ['usage:', PROGRAM, ...(prefix ? [prefix] : []), 'COMMAND [OPTIONS]'].join(' ');
  return [
    ...(title ? [title, ''] : []),
    head,
    '',
    'commands:',
    ...commandTable(commandsUnder(list, prefix)),
    '',
    `${[PROGRAM, prefix, 'COMMAND'].filter(Boolean).join(' ')} --help shows a command's options.`,
  ].join('\n');
}

function isParseArgsError(err: unknown): err is Error {
  const code = (err as { code?: unknown } | undefined)?.code;
  return err instanceof Error && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

/**
 * Parses a command's arguments. A number is the exit code when the command must not run: 0 after
 * --help (usage on stdout), 2 after a usage error (problem and usage on stderr).
 */
export function parseCommand<O extends CommandOptions>(c: Command<O>, args: readonly string[], io: LineIo = consoleIo, list: readonly Command[] = []): Parsed<O> | number {
  let parsed: Parsed<O>;
  try {
    parsed = parseArgs({ args: [...args], options: { ...c.options, help: HELP }, allowPositionals: c.args !== undefined, strict: true }) as Parsed<O>;
  } catch (err) {
    if (!isParseArgsError(err)) throw err;
    return usageError(c, err.message, io, list);
  }
  const values = parsed.values as Record<string, unknown>;
  if (values.help === true) {
    io.out(formatUsage(c, list));
    return 0;
  }
  const missing = Object.entries(c.options).filter(([n, o]) => o.required && (values[n] === undefined || values[n] === ''));
  if (missing.length > 0) return usageError(c, missing.map(([n, o]) => `--${n} ${o.value ?? 'VALUE'} is required`).join('; '), io, list);
  return parsed;
}

/** The problem and the command's usage on stderr; the exit code of a usage error. */
export function usageError(c: Command, problem: string, io: LineIo = consoleIo, list: readonly Command[] = []): number {
  io.err(`${PROGRAM} ${c.name}: ${problem}\n\n${formatUsage(c, list)}`);
  return 2;
}

/**
 * A group's own arguments when no subcommand of it was recognised: help (stdout, 0), nothing or an
 * unknown subcommand (stderr, 2).
 */
export function groupHelp(list: readonly Command[], prefix: string, args: readonly string[], io: LineIo = consoleIo): number {
  const first = args[0];
  if (first === '--help' || first === '-h' || first === 'help') {
    io.out(formatGroupUsage(list, prefix));
    return 0;
  }
  io.err(`${first === undefined ? `${PROGRAM} ${prefix} needs a command` : `unknown command "${prefix} ${first}"`}\n\n${formatGroupUsage(list, prefix)}`);
  return 2;
}
