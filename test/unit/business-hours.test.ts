import { describe, it, expect } from 'vitest';
import { businessHoursOf, isOpen, type Calendar, type Hours } from '../../collector/business-hours.js';
import { resolveCollectorConfig } from '../../collector/config.js';
import { ConfigError } from '../../common/config-file.js';

const shanghai: Hours = { timezone: 'Asia/Shanghai', days: ['mon', 'tue', 'wed', 'thu', 'fri'], open: '08:30', close: '18:00' };
const cal: Calendar = { holidays: ['2026-10-01', '2026-10-02'], workdays: ['2026-09-27'] };

describe('business hours', () => {
  it('uses the site\'s own time zone', () => {
    // 2026-09-29 is a Tuesday. 00:29 UTC = 08:29 in Shanghai: not yet open; 00:30 UTC: open.
    expect(isOpen(shanghai, cal, new Date('2026-09-29T00:29:00Z'))).toBe(false);
    expect(isOpen(shanghai, cal, new Date('2026-09-29T00:30:00Z'))).toBe(true);
    expect(isOpen(shanghai, cal, new Date('2026-09-29T09:59:00Z'))).toBe(true); // 17:59
    expect(isOpen(shanghai, cal, new Date('2026-09-29T10:00:00Z'))).toBe(false); // 18:00
  });

  it('closes on holidays and opens on make-up workdays (调休)', () => {
    expect(isOpen(shanghai, cal, new Date('2026-10-01T03:00:00Z'))).toBe(false); // Thursday, National Day
    expect(isOpen(shanghai, cal, new Date('2026-09-27T03:00:00Z'))).toBe(true); // Sunday, make-up workday
    expect(isOpen(shanghai, cal, new Date('2026-10-04T03:00:00Z'))).toBe(false); // ordinary Sunday
    // The date is the local one: 2026-09-30 20:00 UTC is already 1 October in Shanghai.
    expect(isOpen({ ...shanghai, open: '00:00', close: '24:00' }, cal, new Date('2026-09-30T20:00:00Z'))).toBe(false);
  });

  it('per-site hours override the default; no configuration means always open', () => {
    const open = businessHoursOf({ default: shanghai, sites: { 'hk-1': { ...shanghai, timezone: 'Asia/Hong_Kong', open: '10:00' } } }, cal);
    const at = new Date('2026-09-29T01:30:00Z'); // 09:30 in both zones
    expect(open('sz-1', at)).toBe(true);
    expect(open('hk-1', at)).toBe(false);
    expect(businessHoursOf(undefined, cal)('any', new Date('2026-10-01T22:00:00Z'))).toBe(true);
  });

  it('a wrong time zone or time is a configuration error with its path', () => {
    let err: unknown;
    try {
      resolveCollectorConfig({ businessHours: { default: { timezone: 'Asia/Shangai' }, sites: { x: { open: '8:30' } } } }, {}, 't');
    } catch (e) {
      err = e;
    }
    expect((err as ConfigError).problems.some((p) => p.startsWith('/businessHours/sites/x/open'))).toBe(true);
    try {
      resolveCollectorConfig({ businessHours: { default: { timezone: 'Asia/Shangai' } } }, {}, 't');
    } catch (e) {
      err = e;
    }
    expect((err as ConfigError).problems).toEqual(['/businessHours/default/timezone: unknown time zone "Asia/Shangai" (use an IANA name such as Asia/Shanghai)']);
  });
});
