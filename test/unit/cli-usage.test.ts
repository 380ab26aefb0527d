// The one help mechanism of the CLI (cli/usage.ts): what --help prints comes from the same
// description util.parseArgs parses, and usage errors never run the command.
import { describe, expect, it } from 'vitest';
import { command, formatGroupUsage, parseCommand, type LineIo } from '../../cli/usage.js';

const demo = command({
  name: 'demo run',
  args: 'PATH...',
  summary: 'a command for the test',
  options: {
    job: { type: 'string', value: 'NAME', required: true, description: 'which job' },
    tries: { type: 'string', value: 'N', default: '3', description: 'how often' },
    home: { type: 'string', value: 'DIR', description: 'where', defaultNote: '$HOME' },
    quiet: { type: 'boolean', short: 'q', description: 'say less' },
  },
});

function io(): LineIo & { outs: string[]; errs: string[] } {
  const outs: string[] = [];
  const errs: string[] = [];
  return { outs, errs, out: (l) => outs.push(l), err: (l) => errs.push(l) };
}

describe('parseCommand', () => {
  it('--help and -h print the usage with every option, its default or requirement, on stdout: exit 0', () => {
    for (const flag of ['--help', '-h']) {
      const o = io();
      // Help wins over a missing required option.
      expect(parseCommand(demo, [flag], o)).toBe(0);
      expect(o.errs).toEqual([]);
      const text = o.outs.join('\n');
      expect(text).toMatch(/^usage: stationwatch demo run PATH\.\.\. --job NAME \[OPTIONS\]$/m);
      expect(text).toMatch(/^ {6}--job NAME +which job \(required\)$/m);
      expect(text).toMatch(/^ {6}--tries N +how often \(default: 3\)$/m);
      expect(text).toMatch(/^ {6}--home DIR +where \(default: \$HOME\)$/m);
      expect(text).toMatch(/^ {2}-q, --quiet +say less$/m);
      expect(text).toMatch(/^ {2}-h, --help +show this help$/m);
    }
  });

  it('returns the values (defaults applied) when the arguments are right', () => {
    const parsed = parseCommand(demo, ['a', '--job', 'j', '-q', 'b'], io());
    expect(parsed).toEqual({ values: { job: 'j', quiet: true, tries: '3' }, positionals: ['a', 'b'] });
  });

  it('an unknown option, a missing value, a missing or empty required option: stderr with the usage, exit 2', () => {
    for (const [args, problem] of [
      [['--nope'], "Unknown option '--nope'"],
      [['--job'], "Option '--job <value>' argument missing"],
      [[], '--job NAME is required'],
      [['--job', ''], '--job NAME is required'],
    ] as const) {
      const o = io();
      expect(parseCommand(demo, args, o)).toBe(2);
      expect(o.outs).toEqual([]);
      expect(o.errs.join('\n')).toContain(`stationwatch demo run: ${problem}`);
      expect(o.errs.join('\n')).toMatch(/^usage: stationwatch demo run /m);
    }
  });

  it('a command without positional arguments refuses one', () => {
    const o = io();
    expect(parseCommand(command({ name: 'plain', summary: 's', options: {} }), ['extra'], o)).toBe(2);
    expect(o.errs.join('\n')).toContain("Unexpected argument 'extra'");
  });

  it('a group lists the commands under it only', () => {
    const text = formatGroupUsage([demo, command({ name: 'other', summary: 'not in the group', options: {} })], 'demo');
    expect(text).toMatch(/^usage: stationwatch demo COMMAND/m);
    expect(text).toMatch(/^ {2}demo run +a command for the test$/m);
    expect(text).not.toContain('other');
  });
});
