import { describe, it, expect } from 'vitest';
import { decodeErrorState, labelText, printerState, supplyRatio } from '../../collector/snmp/printer-mib.js';
import { resolveCollectorConfig } from '../../collector/config.js';
import { ConfigError } from '../../common/config-file.js';

describe('HOST-RESOURCES-MIB / Printer-MIB decoding', () => {
  it('decodes hrPrinterDetectedErrorState bits, MSB first, over one or two octets', () => {
    expect(decodeErrorState(Buffer.from([0x00]))).toEqual({ bits: [], reasons: [] });
    expect(decodeErrorState(Buffer.from([0x80])).bits).toEqual(['lowPaper']);
    expect(decodeErrorState(Buffer.from([0x04, 0x00])).reasons).toEqual(['media-jam']);
    expect(decodeErrorState(Buffer.from([0x28])).reasons.sort()).toEqual(['door-open', 'toner-low']);
    expect(decodeErrorState(Buffer.from([0x02])).reasons).toEqual(['offline']);
    expect(decodeErrorState(Buffer.from([0x50])).reasons.sort()).toEqual(['media-empty', 'toner-empty']);
    // second octet: inputTrayEmpty (bit 13) is also "media empty"; overduePreventMaint (14) is other
    expect(decodeErrorState(Buffer.from([0x00, 0x04])).bits).toEqual(['inputTrayEmpty']);
    expect(decodeErrorState(Buffer.from([0x00, 0x02])).reasons).toEqual(['other']);
    expect(decodeErrorState(Buffer.alloc(0)).bits).toEqual([]);
  });

  it('maps device and printer status to idle/processing/stopped, unknown stays unknown', () => {
    expect(printerState(2, 3)).toBe('idle');
    expect(printerState(2, 4)).toBe('processing');
    expect(printerState(3, 5)).toBe('processing');
    expect(printerState(5, 3)).toBe('stopped');
    expect(printerState(2, 1)).toBe('stopped');
    expect(printerState(2, 2)).toBeUndefined();
    expect(printerState(undefined, undefined)).toBeUndefined();
  });

  it('turns only real levels into ratios: -1, -2, -3 and unknown capacity are not percentages', () => {
    expect(supplyRatio(25, 100)).toBe(0.25);
    expect(supplyRatio(0, 100)).toBe(0);
    expect(supplyRatio(-1, 100)).toBeUndefined();
    expect(supplyRatio(-2, 100)).toBeUndefined();
    expect(supplyRatio(-3, 100)).toBeUndefined();
    expect(supplyRatio(50, -2)).toBeUndefined();
    expect(supplyRatio(120, 100)).toBe(1);
  });

  it('bounds device-provided label text', () => {
    expect(labelText('  Black\u0000 Toner\n ', 'x')).toBe('Black Toner');
    expect(labelText('', 'printer 1')).toBe('printer 1');
    expect(labelText('y'.repeat(200), 'x')).toHaveLength(64);
  });
});

describe('SNMP target configuration', () => {
  const problems = (targets: unknown[]) => {
    try {
      resolveCollectorConfig({ snmp: { targets } }, {}, 't');
      return [];
    } catch (e) {
      return (e as ConfigError).problems;
    }
  };
  it('accepts v2c and v3 targets with defaults', () => {
    const c = resolveCollectorConfig({ snmp: { targets: [{ name: 'p1', host: '10.0.0.5', community: 'public' }, { name: 'p2', host: '10.0.0.6', version: '3', user: { name: 'u', authKey: 'authkey12', privKey: 'privkey12' } }] } }, {}, 't');
    expect(c.snmp.targets[0]).toMatchObject({ port: 161, version: '2c', intervalSeconds: 60, timeoutSeconds: 3 });
    expect(c.snmp.targets[1]!.user).toMatchObject({ authProtocol: 'sha', privProtocol: 'aes' });
  });
  it('says what is wrong with credentials and names', () => {
    expect(problems([{ name: 'p', host: 'h', version: '3' }])).toContain('/snmp/targets/0/user: SNMP v3 needs a user');
    expect(problems([{ name: 'p', host: 'h', version: '3', user: { name: 'u', privKey: 'privkey12' } }])[0]).toContain('needs an authKey');
    expect(problems([{ name: 'p', host: 'h', user: { name: 'u' } }])[0]).toContain('v2c uses a community');
    expect(problems([{ name: 'p', host: 'h' }, { name: 'p', host: 'h2' }])[0]).toContain('already used');
  });
});
