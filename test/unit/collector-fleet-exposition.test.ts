// The collector's per-device series written as text (collector/fleet-exposition.ts) are what the
// prom-client gauges they replace printed for the same numbers: HELP, TYPE, label order, escaping,
// value format, a family without series, and absent values left out.
import { Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DeviceStore } from '../../collector/device-store.js';
import { FleetExposition, type FleetSource } from '../../collector/fleet-exposition.js';

describe('per-device collector series as text', () => {
  it('prints what prom-client gauges print for the same values', async () => {
    const store = new DeviceStore([{ name: 'pc-01', site: 'branch "a"\\x' }, { name: 'pc-02', site: '深圳-01' }, { name: 'pc-03' }], 'bench', 3);
    const families = [
      { name: 'stationwatch_t_one', help: 'First\nline with a \\ backslash' },
      { name: 'stationwatch_t_two', help: 'Second' },
      { name: 'stationwatch_t_none', help: 'Never present' },
    ];
    const values = [
      [1, 0, 1796516480.697],
      [NaN, 0.5, 1e21],
      [NaN, NaN, NaN],
    ];
    const source: FleetSource = { families, values: () => values.map((v) => Float64Array.from(v)) };
    const fleet = new FleetExposition(store, () => 0);
    fleet.add(source);

    const registry = new Registry();
    const devices = store.list();
    families.forEach((f, k) => {
      const g = new Gauge({ name: f.name, help: f.help, labelNames: ['device', 'site'], registers: [registry] });
      devices.forEach((d, i) => {
        if (!Number.isNaN(values[k]![i]!)) g.set({ device: d.name, site: d.site }, values[k]![i]!);
      });
    });
    // The registry's text ends with a newline; the fleet's families follow it, each after a blank line.
    const expected = await registry.metrics();
    expect(await fleet.text()).toBe(`\n${expected}`);
    expect(await fleet.series(new Set(['stationwatch_t_two']))).toEqual([
      { metric: 'stationwatch_t_two', labels: { device: 'pc-02', site: '深圳-01' }, value: 0.5 },
      { metric: 'stationwatch_t_two', labels: { device: 'pc-03', site: 'bench' }, value: 1e21 },
    ]);
  });
});
