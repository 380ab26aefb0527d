// One-time enrolment codes are typed as `stationwatch agent enrol --code CODE`: none may look like
// an option to the command line (a leading "-" made 1 enrolment in 64 fail with "ambiguous").
import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { newCode } from '../../collector/store/secrets.js';

describe('enrolment codes', () => {
  it('are 20 base64url characters, distinct, and never start with "-"', () => {
    const codes = Array.from({ length: 5000 }, () => newCode());
    for (const code of codes) expect(code).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{19}$/);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('each is taken as the value of --code by a strict parseArgs, as the CLI parses it', () => {
    for (let i = 0; i < 2000; i++) {
      const code = newCode();
      expect(parseArgs({ args: ['--code', code], options: { code: { type: 'string' } }, strict: true }).values.code).toBe(code);
    }
  });
});
