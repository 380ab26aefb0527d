// The per-device exposition text (rendered once per report, collector/device-exposition.ts) must be
// exactly what prom-client printed for the same devices (registerDeviceSeries) less the families
// without series, the status page's numbers exactly what prom-client's registry held, and /metrics
// with several devices must still pass promtool: one HELP and TYPE per family, not one per device.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCollector } from '../../collector/app.js';
import { resolveCollectorConfig } from '../../collector/config.js';
import { DeviceExposition, deviceSeries } from '../../collector/device-exposition.js';
import { DeviceStore, type DeviceRecord } from '../../collector/device-store.js';
import { registerDeviceSeries } from '../../collector/exposition.js';
import { snapshotOf } from '../../collector/status/snapshot.js';
import type { Series } from '../../alerts/evaluate.js';
import { silentLogger } from '../../common/logger.js';
import { makeReport } from '../helpers/reports.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const T0 = 1_700_000_000_000;

/** prom-client's text for these devices, without the families that have no series (HELP and TYPE only). */
async function promClientText(devices: DeviceRecord[]): Promise<string> {
  const r = new Registry();
  registerDeviceSeries(r, () => devices);
  const families = (await r.metrics()).replace(/\n$/, '').split('\n\n');
  return `${families.filter((f) => f.split('\n').length > 2).join('\n\n')}\n`;
}

/** The series as the evaluator gets them, in one order (prom-client lists them metric by metric, we device by device). */
const sorted = (xs: Series[]) => xs.map((x) => JSON.stringify(x)).sort();

async function promClientSeries(devices: DeviceRecord[]) {
  const r = new Registry();
  registerDeviceSeries(r, () => devices);
  return sorted(await snapshotOf(r));
}

function tricky(seq: number, cpu: number) {
  return makeReport({
    seq,
    createdAt: T0 + seq * 15_000,
    sentAt: T0 + seq * 15_000 + 250,
    samples: [
      { metric: 'stationwatch_cpu_utilisation_ratio', value: cpu },
      { metric: 'stationwatch_boots_total', value: -3 }, // a counter is never negative in the exposition
      { metric: 'stationwatch_filesystem_utilisation_ratio', labels: { fstype: 'ntfs', mountpoint: 'C:\\' }, value: 0.25 },
      { metric: 'stationwatch_filesystem_utilisation_ratio', labels: { mountpoint: '/mnt/"quoted"', fstype: 'ext4' }, value: 1e-7 },
      { metric: 'stationwatch_printer_state', labels: { printer: '前台打印机', state: 'idle' }, value: 1 },
      { metric: 'stationwatch_temperature_celsius', labels: { sensor: 'line\nbreak' }, value: 41.5 },
    ],
    unavailable: [
      { metric: 'stationwatch_temperature_celsius', reason: 'some sensors only' },
      { metric: 'stationwatch_fan_speed_rpm', reason: 'no fans' },
    ],
  });
}

describe('per-device exposition text', () => {
  it('equals prom-client\'s output for one device and for all, and follows each new report', async () => {
    const store = new DeviceStore([{ name: 'pc-01', site: 'branch "a"' }, { name: 'pc-02' }], 'default', 3);
    store.accept('pc-01', 'branch "a"', tricky(1, 0.5), T0 + 1000);
    store.accept('pc-02', undefined, { ...makeReport({ device: 'pc-02' }), site: 'branch-b' }, T0 + 2000);
    const exposition = new DeviceExposition();
    const [a, b] = [store.get('pc-01')!, store.get('pc-02')!];
    const text = (d: DeviceRecord) => exposition.deviceText(d);
    // Read through one reused buffer, as /metrics does; small buffers cut headers and lines in two.
    const all = (bufferBytes = 1 << 20) => {
      const reader = exposition.reader([a, b]);
      const into = Buffer.alloc(bufferBytes);
      const parts: Buffer[] = [];
      for (let n = reader.read(into); n > 0; n = reader.read(into)) parts.push(Buffer.from(into.subarray(0, n)));
      return Buffer.concat(parts).toString('utf8');
    };
    expect(text(a)).toBe(await promClientText([a]));
    expect(text(b)).toBe(await promClientText([b]));
    for (const size of [1, 7, 64, 1000]) expect(all(size)).toBe(`\n${await promClientText([a, b])}`);
    expect(sorted([...deviceSeries(a), ...deviceSeries(b)])).toEqual(await promClientSeries([a, b]));

    store.accept('pc-01', 'branch "a"', tricky(2, 0.75), T0 + 16_000);
    expect(text(a)).toContain('stationwatch_cpu_utilisation_ratio{device="pc-01",site="branch \\"a\\""} 0.75\n');
    expect(text(a)).toBe(await promClientText([a]));
    expect(all()).toBe(`\n${await promClientText([a, b])}`);
    expect(sorted(deviceSeries(a))).toEqual(await promClientSeries([a]));
  });

  it('serves /metrics for several devices that promtool accepts, and each device target', async () => {
    if (!existsSync('/usr/bin/promtool')) throw new Error('promtool not found: apt-get install -y --no-install-recommends prometheus');
    const dir = mkdtempSync(join(tmpdir(), 'sw-exposition-'));
    dirs.push(dir);
    const devices = ['pc-01', 'pc-02', 'pc-03'].map((name, i) => ({ name, token: `token-of-sixteen-chars-${i}` }));
    const c = await buildCollector(resolveCollectorConfig({ devices, stateDir: dir }, {}, 't'), { log: silentLogger, nowMs: () => T0 + 5000, pollSnmp: false });
    try {
      for (const d of devices) {
        const res = await c.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { authorization: `Bearer ${d.token}` }, payload: { ...tricky(1, 0.5), device: d.name } });
        expect(res.statusCode).toBe(202);
      }
      const text = (await c.app.inject('/metrics')).body;
      expect(text.match(/^# TYPE stationwatch_cpu_utilisation_ratio /gm)).toHaveLength(1);
      expect(text.match(/^stationwatch_cpu_utilisation_ratio\{/gm)).toHaveLength(3);
      expect(execFileSync('/usr/bin/promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })).toBe('');
      const one = await c.app.inject('/devices/pc-02/metrics');
      expect(one.statusCode).toBe(200);
      expect(one.body).toContain('stationwatch_cpu_utilisation_ratio{device="pc-02",site="branch-a"} 0.5\n');
      expect(one.body).not.toContain('device="pc-01"');
    } finally {
      await c.app.close();
    }
  });
});
