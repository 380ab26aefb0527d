import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger.js';
import type { Clock } from '../../agent/clock.js';
import type { ProbeSetup, Reading } from '../../agent/probes/probe.js';
import { createThermal, thermalProbe, type CpuTemperatureSource } from '../../agent/probes/thermal.js';
import { temperaturesFromSi } from '../../agent/probes/thermal.darwin.js';
import { temperaturesFromAcpi } from '../../agent/probes/thermal.win32.js';
import { celsiusFromMilli, nameSensors, readHwmon, rpmFrom, sumThrottle } from '../../agent/probes/thermal-sysfs.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const ctx = { signal: new AbortController().signal };

function fakeClock(): Clock & { advance(ms: number): void } {
  let mono = 0;
  return { wallMs: () => 1_700_000_000_000 + mono, monoMs: () => mono, bootMs: async () => undefined, advance: (ms) => (mono += ms) };
}

function setup(over: Partial<ProbeSetup>): ProbeSetup {
  return { log: silentLogger, clock: fakeClock(), platform: 'linux', stateDir: '/nonexistent', procRoot: '/proc', sysRoot: '/sys', settings: {}, collectorUrl: 'http://127.0.0.1:9847', ...over };
}

function table(readings: Reading[]): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const r of readings) {
    const key = r.kind === 'sample' && r.labels ? `${r.metric.name}{${Object.values(r.labels).join(',')}}` : r.metric.name;
    out[key] = r.kind === 'sample' ? r.value : `unavailable: ${r.reason}`;
  }
  return out;
}

describe('hwmon parsing', () => {
  it('accepts plausible millidegrees and rejects glitches', () => {
    expect(celsiusFromMilli('45000\n')).toBe(45);
    expect(celsiusFromMilli('-5500')).toBe(-5.5);
    expect(celsiusFromMilli('-273000')).toBeUndefined();
    expect(celsiusFromMilli('-128000')).toBeUndefined();
    expect(celsiusFromMilli('255500')).toBeUndefined();
    expect(celsiusFromMilli('')).toBeUndefined();
    expect(celsiusFromMilli('N/A')).toBeUndefined();
  });

  it('keeps a stopped fan and drops nonsense', () => {
    expect(rpmFrom('1180\n')).toBe(1180);
    expect(rpmFrom('0')).toBe(0);
    expect(rpmFrom('')).toBeUndefined();
    expect(rpmFrom('-1')).toBeUndefined();
    expect(rpmFrom('65535000')).toBeUndefined();
  });

  it('names sensors chip/label and tells identical chips and repeated labels apart', () => {
    expect(
      nameSensors([
        { chip: 'coretemp', device: 'coretemp.0', label: 'Package id 0', stem: 'temp1' },
        { chip: 'nvme', device: 'nvme0', label: 'Composite', stem: 'temp1' },
        { chip: 'nvme', device: 'nvme1', label: 'Composite', stem: 'temp1' },
        { chip: 'nct6798', device: 'nct6775.656', label: 'SYSTIN', stem: 'temp1' },
        { chip: 'nct6798', device: 'nct6775.656', label: 'SYSTIN', stem: 'temp2' },
      ]),
    ).toEqual(['coretemp/Package id 0', 'nvme:nvme0/Composite', 'nvme:nvme1/Composite', 'nct6798/SYSTIN (temp1)', 'nct6798/SYSTIN (temp2)']);
  });

  it('counts each core and each package once, not once per logical CPU', () => {
    const cpu = (n: number, coreId: string, core: number) => ({ cpu: `cpu${n}`, packageId: '0', coreId, core, package: 7 });
    expect(sumThrottle([cpu(0, '0', 5), cpu(1, '1', 2), cpu(2, '0', 5), cpu(3, '1', 2)])).toBe(14);
    expect(sumThrottle([{ cpu: 'cpu0', packageId: '0', coreId: '0' }])).toBeUndefined();
    expect(sumThrottle([{ cpu: 'cpu0', core: 3 }, { cpu: 'cpu1', core: 4 }])).toBe(7);
  });

  it('reads a hwmon tree, skipping unreadable and absurd sensors', async () => {
    const { temperatures, fans } = await readHwmon(join(fixtures, 'sysfs-hwmon'));
    expect(temperatures).toEqual([
      { sensor: 'acpitz/temp1', celsius: 27.8, critical: 105 },
      { sensor: 'coretemp/Package id 0', celsius: 45, critical: 100 },
      { sensor: 'coretemp/Core 0', celsius: 43, critical: 100 },
      { sensor: 'nvme:nvme0/Composite', celsius: 38.85, critical: 84.85 },
      { sensor: 'nvme:nvme1/Composite', celsius: 41.85 },
      { sensor: 'nct6798/SYSTIN (temp1)', celsius: 31 },
      { sensor: 'nct6798/SYSTIN (temp2)', celsius: 33.5 },
    ]);
    expect(fans).toEqual([
      { fan: 'nct6798/CPU_FAN', rpm: 1180 },
      { fan: 'nct6798/fan2', rpm: 0 },
    ]);
  });
});

describe('thermal probe', () => {
  it('reports temperatures beside their critical limits, fans and throttling from sysfs', async () => {
    const t = table(await thermalProbe.create(setup({ sysRoot: join(fixtures, 'sysfs-hwmon') })).collect(ctx));
    expect(t).toEqual({
      'stationwatch_temperature_celsius{acpitz/temp1}': 27.8,
      'stationwatch_temperature_critical_celsius{acpitz/temp1}': 105,
      'stationwatch_temperature_celsius{coretemp/Package id 0}': 45,
      'stationwatch_temperature_critical_celsius{coretemp/Package id 0}': 100,
      'stationwatch_temperature_celsius{coretemp/Core 0}': 43,
      'stationwatch_temperature_critical_celsius{coretemp/Core 0}': 100,
      'stationwatch_temperature_celsius{nvme:nvme0/Composite}': 38.85,
      'stationwatch_temperature_critical_celsius{nvme:nvme0/Composite}': 84.85,
      'stationwatch_temperature_celsius{nvme:nvme1/Composite}': 41.85,
      'stationwatch_temperature_celsius{nct6798/SYSTIN (temp1)}': 31,
      'stationwatch_temperature_celsius{nct6798/SYSTIN (temp2)}': 33.5,
      'stationwatch_fan_speed_rpm{nct6798/CPU_FAN}': 1180,
      'stationwatch_fan_speed_rpm{nct6798/fan2}': 0,
      stationwatch_cpu_throttle_events_total: 14,
    });
  });

  it('reports a VM without sensors as unavailable, never as 0', async () => {
    const readings = await thermalProbe.create(setup({ sysRoot: join(fixtures, 'sysfs-vm') })).collect(ctx);
    expect(readings.every((r) => r.kind === 'unavailable')).toBe(true);
    expect(table(readings)).toEqual({
      stationwatch_temperature_celsius: 'unavailable: no temperature sensors exposed by the OS',
      stationwatch_temperature_critical_celsius: 'unavailable: no temperature sensors exposed by the OS',
      stationwatch_fan_speed_rpm: 'unavailable: no fan speed sensors exposed by the OS',
      stationwatch_cpu_throttle_events_total: 'unavailable: the OS exposes no CPU thermal throttle counters',
    });
  });

  it('reads systeminformation elsewhere and leaves a sensorless machine alone for a while', async () => {
    expect(temperaturesFromSi({ main: 52.5, cores: [50, -1], socket: [], chipset: null })).toEqual([
      { sensor: 'cpu/main', celsius: 52.5 },
      { sensor: 'cpu/core 0', celsius: 50 },
    ]);
    let calls = 0;
    const answers = [{ main: null, cores: [] }, { main: 61, cores: [] }];
    const source: CpuTemperatureSource = { cpuTemperature: async () => answers[calls++]! };
    const clock = fakeClock();
    const probe = createThermal(setup({ platform: 'darwin', clock }), source);
    const none = table(await probe.collect(ctx));
    expect(none.stationwatch_temperature_celsius).toBe('unavailable: no temperature sensors exposed by the OS');
    expect(none.stationwatch_fan_speed_rpm).toBe('unavailable: fan speeds are not read on darwin');
    await probe.collect(ctx);
    expect(calls).toBe(1);
    clock.advance(10 * 60_000);
    expect(table(await probe.collect(ctx))['stationwatch_temperature_celsius{cpu/main}']).toBe(61);
    expect(calls).toBe(2);
  });

  it('on Windows reads ACPI thermal zones through PowerShell at most once a minute; a failed read is unavailable with why', async () => {
    // MSAcpi_ThermalZoneTemperature in tenths of a kelvin (synthesised in the documented shape).
    expect(temperaturesFromAcpi([{ InstanceName: 'ACPI\\ThermalZone\\TZ00_0', CurrentTemperature: 3232, CriticalTripPoint: 3732 }, { InstanceName: 'x', CurrentTemperature: 0 }])).toEqual([
      { sensor: 'acpi/ACPI\\ThermalZone\\TZ00_0', celsius: 50.1, critical: 100.1 },
    ]);
    const clock = fakeClock();
    let calls = 0;
    const answers: (() => Promise<unknown>)[] = [async () => Promise.reject(new Error('ACPI thermal zones: PowerShell printed nothing')), async () => ({ InstanceName: 'TZ0', CurrentTemperature: 3131 })];
    const probe = createThermal(setup({ platform: 'win32', clock }), { cpuTemperature: () => Promise.reject(new Error('systeminformation must not be asked')) }, () => answers[calls++]!());
    const failed = table(await probe.collect(ctx));
    expect(failed.stationwatch_temperature_celsius).toBe('unavailable: cannot read the ACPI thermal zones: ACPI thermal zones: PowerShell printed nothing');
    await probe.collect(ctx);
    expect(calls).toBe(1);
    clock.advance(60_000);
    expect(table(await probe.collect(ctx))['stationwatch_temperature_celsius{acpi/TZ0}']).toBe(40);
    expect(calls).toBe(2);
  });

  it('runs on this machine and reports each measurement once, as a value or as unavailable', async () => {
    const readings = await thermalProbe.create(setup({ platform: process.platform })).collect(ctx);
    for (const metric of thermalProbe.metrics) expect(readings.some((r) => r.metric === metric)).toBe(true);
    for (const r of readings) if (r.kind === 'sample' && r.metric.name.includes('celsius')) expect(Math.abs(r.value)).toBeLessThanOrEqual(200);
  });
});
