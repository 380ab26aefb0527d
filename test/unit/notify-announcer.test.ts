// The all-in-one notifier's decisions on hand-written inputs and times: group wait per site/device,
// repeat interval, resolved, silences (maintenance, business hours), restart from stored state.
import { describe, expect, it } from 'vitest';
import { Announcer, type Observed } from '../../collector/notify/announcer.js';
import { businessHoursAlerts, silencer } from '../../collector/notify/from-status.js';
import type { NotifiedAlert } from '../../collector/notify/types.js';
import type { Maintenance } from '../../collector/store/store.js';

const T0 = 1_800_000_000_000;
let ids = 0;
const opts = { groupWaitMs: 30_000, repeatIntervalMs: 4 * 3_600_000, mentionsOf: (site: string) => ({ mobiles: site === 'a' ? ['13800000000'] : [], userIds: [], all: false }), newId: () => `n${++ids}` };

const alert = (name: string, device: string, site = 'a', severity = 'warning'): Observed => ({
  key: `${name}{device="${device}"}`,
  alert: { alert: name, status: 'firing', severity, device, site, summary: { en: name, zh: name }, description: { en: '', zh: '' }, startsAtMs: T0 - 60_000, labels: { device, site } },
});
const never = () => undefined;

describe('the announcer (mode collector)', () => {
  it('waits groupWait, then sends one message per device with every alert that arrived meanwhile', () => {
    const a = new Announcer(opts);
    a.observe([alert('DiskFull', 'pc-1')], never, T0);
    expect(a.due(T0 + 29_999).notifications).toEqual([]);
    a.observe([alert('DiskFull', 'pc-1'), alert('CpuHot', 'pc-1'), alert('DiskFull', 'pc-2')], never, T0 + 10_000);
    const d = a.due(T0 + 30_000);
    expect(d.notifications.map((n) => [n.groupKey, n.status, n.repeat, n.alerts.map((x) => x.alert)])).toEqual([['a/pc-1', 'firing', false, ['DiskFull', 'CpuHot']]]);
    expect(d.notifications[0]!.mentions.mobiles).toEqual(['13800000000']);
    expect(d.set.map((s) => s.key).sort()).toEqual(['CpuHot{device="pc-1"}', 'DiskFull{device="pc-1"}']);
    // pc-2's own window started later.
    expect(a.due(T0 + 39_999).notifications).toEqual([]);
    expect(a.due(T0 + 40_000).notifications.map((n) => n.groupKey)).toEqual(['a/pc-2']);
    // Nothing more while nothing changes.
    a.observe([alert('DiskFull', 'pc-1'), alert('CpuHot', 'pc-1'), alert('DiskFull', 'pc-2')], never, T0 + 60_000);
    expect(a.due(T0 + 120_000).notifications).toEqual([]);
  });

  it('repeats a still-firing group after the repeat interval, and announces resolved once', () => {
    const a = new Announcer(opts);
    a.observe([alert('DiskFull', 'pc-1')], never, T0);
    a.due(T0 + 30_000);
    a.observe([alert('DiskFull', 'pc-1')], never, T0 + 4 * 3_600_000);
    expect(a.due(T0 + 4 * 3_600_000).notifications).toEqual([]);
    const r = a.due(T0 + 30_000 + 4 * 3_600_000);
    expect(r.notifications.map((n) => [n.repeat, n.status])).toEqual([[true, 'firing']]);
    expect(a.due(T0 + 31_000 + 4 * 3_600_000).notifications).toEqual([]);
    a.observe([], never, T0 + 5 * 3_600_000);
    const res = a.due(T0 + 5 * 3_600_000 + 30_000);
    expect(res.notifications.map((n) => [n.status, n.alerts[0]!.status, n.alerts[0]!.endsAtMs])).toEqual([['resolved', 'resolved', T0 + 5 * 3_600_000]]);
    expect(res.resolved).toEqual(['DiskFull{device="pc-1"}']);
    a.observe([], never, T0 + 6 * 3_600_000);
    expect(a.due(T0 + 7 * 3_600_000).notifications).toEqual([]);
    expect(a.announcedCount).toBe(0);
  });

  it('an alert that ends within the group wait is never announced; one that flaps back before the resolved message is not resolved', () => {
    const a = new Announcer(opts);
    a.observe([alert('DiskFull', 'pc-1')], never, T0);
    a.observe([], never, T0 + 10_000);
    expect(a.due(T0 + 60_000).notifications).toEqual([]);
    a.observe([alert('CpuHot', 'pc-1')], never, T0 + 100_000);
    a.due(T0 + 130_000);
    a.observe([], never, T0 + 140_000);
    a.observe([alert('CpuHot', 'pc-1')], never, T0 + 150_000);
    expect(a.due(T0 + 170_000).notifications).toEqual([]);
  });

  it('a silenced alert is neither announced nor repeated; ending while silenced it is forgotten quietly; after the silence a firing one is announced', () => {
    const a = new Announcer(opts);
    let silenced = true;
    const by = () => (silenced ? 'maintenance' : undefined);
    a.observe([alert('DiskFull', 'pc-1')], by, T0);
    expect(a.due(T0 + 60_000).notifications).toEqual([]);
    silenced = false;
    a.observe([alert('DiskFull', 'pc-1')], by, T0 + 60_000);
    expect(a.due(T0 + 90_000).notifications.map((n) => n.repeat)).toEqual([false]);
    silenced = true;
    a.observe([alert('DiskFull', 'pc-1')], by, T0 + 5 * 3_600_000);
    expect(a.due(T0 + 5 * 3_600_000).notifications).toEqual([]);
    a.observe([], by, T0 + 6 * 3_600_000);
    const d = a.due(T0 + 7 * 3_600_000);
    expect(d.notifications).toEqual([]);
    expect(d.resolved).toEqual(['DiskFull{device="pc-1"}']);
  });

  it('restarted from its stored state it neither announces again nor forgets to resolve', () => {
    const first = new Announcer(opts);
    first.observe([alert('DiskFull', 'pc-1')], never, T0);
    const stored = first.due(T0 + 30_000).set;
    const again = new Announcer(opts, stored);
    again.observe([alert('DiskFull', 'pc-1')], never, T0 + 60_000);
    expect(again.due(T0 + 120_000).notifications).toEqual([]);
    again.observe([], never, T0 + 130_000);
    expect(again.due(T0 + 160_000).notifications.map((n) => n.status)).toEqual(['resolved']);
  });
});

describe('silences (mode collector)', () => {
  const m = (device: string, startsMs: number, endsMs: number): Maintenance => ({ id: 1, device, startsMs, endsMs, user: 'u', reason: 'r', silenceId: null, silenceError: null, createdMs: startsMs });
  const a = (name: string, device: string, site = 'a'): NotifiedAlert => alert(name, device, site).alert;

  it('maintenance of the device silences its alerts while the period runs', () => {
    const s = silencer([m('pc-1', T0, T0 + 1000), m('pc-2', T0 + 5000, T0 + 6000)], () => true, T0 + 10);
    expect(s(a('StationwatchDiskSpaceLow', 'pc-1'))).toBe('maintenance');
    expect(s(a('StationwatchDiskSpaceLow', 'pc-2'))).toBeUndefined();
  });

  it('outside business hours only the alerts gated on them are silenced', () => {
    expect([...businessHoursAlerts]).toEqual(['StationwatchDeviceNotReporting']);
    const closed = silencer([], (site) => site !== 'closed', T0);
    expect(closed(a('StationwatchDeviceNotReporting', 'pc-1', 'closed'))).toBe('outside business hours');
    expect(closed(a('StationwatchDeviceNotReporting', 'pc-1', 'open'))).toBeUndefined();
    expect(closed(a('StationwatchDiskSpaceLow', 'pc-1', 'closed'))).toBeUndefined();
  });
});
