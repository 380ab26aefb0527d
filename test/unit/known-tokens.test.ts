// The memory of tokens the store vouched for, used only while a shared store is away.
import { describe, expect, it } from 'vitest';
import { KnownTokens } from '../../collector/store/outage/known-tokens.js';

describe('known device tokens', () => {
  it('recalls what the store last said, forgets what it refused, and holds no raw token', () => {
    const k = new KnownTokens();
    k.remember('tok-a', { device: 'pc-a', site: 's1' });
    expect(k.recall('tok-a')).toEqual({ device: 'pc-a', site: 's1' });
    expect(k.recall('tok-b')).toBeUndefined();
    // The store no longer knows the token (revoked, forgotten): it is not honoured from memory either.
    k.remember('tok-a', undefined);
    expect(k.recall('tok-a')).toBeUndefined();
    k.remember('tok-a', { device: 'pc-a', site: 's1' });
    expect(JSON.stringify([...(k as unknown as { byDigest: Map<string, unknown> }).byDigest.keys()])).not.toContain('tok-a');
  });

  it('drops every token of a forgotten device, and the least recently confirmed beyond its bound', () => {
    const k = new KnownTokens(2);
    k.remember('t1', { device: 'pc-1', site: 's' });
    k.remember('t2', { device: 'pc-2', site: 's' });
    k.remember('t1', { device: 'pc-1', site: 's' }); // confirmed again: now the most recent
    k.remember('t3', { device: 'pc-3', site: 's' });
    expect([k.recall('t1')?.device, k.recall('t2')?.device, k.recall('t3')?.device]).toEqual(['pc-1', undefined, 'pc-3']);
    k.forgetDevice('pc-1');
    expect(k.recall('t1')).toBeUndefined();
    expect(k.size).toBe(1);
  });
});
