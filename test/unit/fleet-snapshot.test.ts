// Other collectors' devices on a shared store, as this collector lists them (collector/fleet/
// fleet-snapshot.ts): the stored states while the device reports, "not reporting" once its last
// report is older than its window whatever its silent holder last stored, and the holder named on
// the card in both languages.
import { describe, expect, it } from 'vitest';
import { catalog } from '../../alerts/catalog/index.js';
import { holderOf, remoteStatus, type FleetSnapshot } from '../../collector/fleet/fleet-snapshot.js';
import type { RemoteDevice } from '../../collector/fleet/remote-fleet.js';
import { badgeIndicators, readsReports } from '../../collector/status/badges.js';
import { translator } from '../../collector/status/i18n.js';
import { renderList } from '../../collector/status/render-list.js';

const T0 = 1_700_000_000_000;
const indicators = badgeIndicators(catalog);
const fed = indicators.find((i) => readsReports(i))!;
const storeOnly = indicators.find((i) => !readsReports(i));

function remote(receivedAtMs: number): RemoteDevice {
  const states = new Map(indicators.map((i) => [i.id, { state: 'normal' as const, sinceMs: T0 - 5000 }]));
  return { name: 'pc-77', site: 'branch-s', holder: 'collector-south', savedMs: receivedAtMs, receivedAtMs, intervalSeconds: 15, reportsAccepted: 9, states };
}

describe('another collector’s device on this collector’s page', () => {
  it('shows the stored states while the device reports', () => {
    const s = remoteStatus(remote(T0), indicators, T0 + 10_000, 3);
    expect(s.reporting).toBe(true);
    expect(s.badges.map((b) => b.state)).toEqual(indicators.map(() => 'normal'));
    expect(s.since[fed.id]).toBe(T0 - 5000);
    expect(s.device).toMatchObject({ name: 'pc-77', site: 'branch-s', receivedAtMs: T0, reportsAccepted: 9 });
  });

  it('shows it not reporting once its last report is older than its window, whatever its (silent) holder stored', () => {
    const s = remoteStatus(remote(T0), indicators, T0 + 46_000, 3);
    expect(s.reporting).toBe(false);
    const badge = (id: string) => s.badges.find((b) => b.indicator === id)!;
    expect(badge(fed.id).state).toBe('not_reporting');
    expect(s.since[fed.id]).toBe(T0 + 45_000);
    // What only the store knows (inspections) stays as stored.
    if (storeOnly) expect(badge(storeOnly.id).state).toBe('normal');
  });

  it('names the holder on the fleet card, in English and Chinese', () => {
    const status = remoteStatus(remote(T0), indicators, T0 + 10_000, 3);
    const snap: FleetSnapshot = { atMs: T0 + 10_000, devices: [status], notEvaluated: [], fleet: { self: 'collector-north', remote: new Map([['pc-77', { name: 'collector-south', savedAtMs: T0, self: false }]]) } };
    expect(holderOf(snap, 'pc-77')).toEqual({ name: 'collector-south', savedAtMs: T0, self: false });
    expect(holderOf(snap, 'pc-01')).toEqual({ name: 'collector-north', self: true });
    for (const [lang, word] of [['en', 'Collector'], ['zh', '采集器']] as const) {
      const page = String(renderList(snap, {}, indicators, [], { lang, t: translator(lang), viaCookie: false }));
      expect(page).toContain(`<span class="held-by" data-collector="collector-south">${word}: collector-south`);
    }
    // On a store of its own a collector names no holder.
    expect(holderOf({ ...snap, fleet: undefined }, 'pc-77')).toBeUndefined();
  });
});
