import { describe, it, expect } from 'vitest';
import { resolveCollectorConfig } from '../../collector/config.js';
import { ConfigError, parseConfigText } from '../../common/config-file.js';

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('collector configuration', () => {
  it('fills defaults', () => {
    const c = resolveCollectorConfig({}, {}, 't');
    expect(c.listen).toEqual({ host: '127.0.0.1', port: 9847 });
    expect(c.staleAfterIntervals).toBe(3);
    expect(c.devices).toEqual([]);
  });

  it('reports every problem with its path', () => {
    const p = problems(() =>
      resolveCollectorConfig({ listen: { port: 70000 }, devices: [{ name: 'a', token: 'short' }, { name: 'a', token: 'x'.repeat(20), colour: 'red' }] }, {}, 't'),
    );
    expect(p.some((x) => x.startsWith('/listen/port'))).toBe(true);
    expect(p.some((x) => x.startsWith('/devices/0/token'))).toBe(true);
    expect(p.some((x) => x.startsWith('/devices/1/name') && x.includes('already used'))).toBe(true);
    expect(p.some((x) => x.startsWith('/devices/1'))).toBe(true);
  });

  it('takes STATIONWATCH_* overrides and rejects non-numbers', () => {
    expect(resolveCollectorConfig({}, { STATIONWATCH_LISTEN_PORT: '9999' }, 't').listen.port).toBe(9999);
    expect(problems(() => resolveCollectorConfig({}, { STATIONWATCH_LISTEN_PORT: 'abc' }, 't'))[0]).toContain('STATIONWATCH_LISTEN_PORT');
  });

  it('broken YAML is a clear error', () => {
    expect(() => parseConfigText('listen:\n  port: [1,\n', 'bad.yaml')).toThrow(/bad.yaml/);
    expect(() => parseConfigText('- a\n- b\n', 'list.yaml')).toThrow(/mapping/);
  });
});
