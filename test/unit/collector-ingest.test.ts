import { describe, it, expect, beforeEach } from 'vitest';
import { buildCollector, type CollectorApp } from '../../collector/app.js';
import { resolveCollectorConfig } from '../../collector/config.js';
import { silentLogger } from '../../common/logger.js';
import { deviceSamples } from '../../collector/device-store.js';
import { makeReport } from '../helpers/reports.js';

const TOKEN = 'token-for-pc-01-xxxxxxxx';
const OTHER = 'token-for-pc-02-xxxxxxxx';

let c: CollectorApp;
let now = 1_700_000_000_000;

beforeEach(async () => {
  now = 1_700_000_000_000;
  const config = resolveCollectorConfig(
    { bodyLimitBytes: 64 * 1024, devices: [{ name: 'pc-01', token: TOKEN }, { name: 'pc-02', token: OTHER, site: 'branch-b' }] },
    {},
    'test',
  );
  c = await buildCollector(config, { log: silentLogger, nowMs: () => now });
});

const post = (body: unknown, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) =>
  c.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { 'content-type': 'application/json', ...headers }, payload: typeof body === 'string' ? body : JSON.stringify(body) });

const snapshot = () => JSON.stringify(c.ctx.store.list());

describe('ingest', () => {
  it('accepts a valid report and exposes it with device and site labels', async () => {
    const res = await post(makeReport({ sentAt: now + 2500 }));
    expect(res.statusCode).toBe(202);
    const metrics = (await c.app.inject('/metrics')).body;
    expect(metrics).toContain('stationwatch_cpu_utilisation_ratio{device="pc-01",site="branch-a"} 0.42');
    expect(metrics).toContain('stationwatch_filesystem_utilisation_ratio{device="pc-01",site="branch-a",mountpoint="/",fstype="ext4"} 0.5');
    expect(metrics).toContain('# TYPE stationwatch_boots_total counter');
    expect(metrics).toContain('stationwatch_boots_total{device="pc-01",site="branch-a"} 3');
    expect(metrics).toContain('stationwatch_clock_offset_seconds{device="pc-01",site="branch-a"} 2.5');
    expect(metrics).toContain('stationwatch_metric_available{device="pc-01",site="branch-a",metric="stationwatch_temperature_celsius"} 0');
    expect(metrics).toContain('stationwatch_device_reporting{device="pc-01",site="branch-a"} 1');
    expect(metrics).toContain('stationwatch_device_reporting{device="pc-02",site="branch-b"} 0');
    // no business hours configured: every site counts as open
    expect(metrics).toContain('stationwatch_site_open{site="branch-b"} 1');
    // An unavailable sensor is not a number.
    expect(metrics).not.toMatch(/^stationwatch_temperature_celsius\{/m);
  });

  it('the configured site wins over the site the agent claims', async () => {
    expect((await post(makeReport({ device: 'pc-02', site: 'elsewhere' }), { authorization: `Bearer ${OTHER}` })).statusCode).toBe(202);
    expect((await c.app.inject('/metrics')).body).toContain('stationwatch_cpu_utilisation_ratio{device="pc-02",site="branch-b"} 0.42');
  });

  const refusals: Array<[string, () => Promise<{ statusCode: number; json(): { error: string } }>, number, string]> = [
    ['missing token', () => post(makeReport(), {}), 401, 'unauthorized'],
    ['wrong token', () => post(makeReport(), { authorization: 'Bearer not-a-real-token-at-all' }), 401, 'unauthorized'],
    ['malformed authorization header', () => post(makeReport(), { authorization: TOKEN }), 401, 'unauthorized'],
    ['token of another device', () => post(makeReport(), { authorization: `Bearer ${OTHER}` }), 403, 'wrong_device'],
    ['malformed JSON', () => post('{"schemaVersion": 1, '), 400, 'invalid_json'],
    ['schema violation', () => post({ ...makeReport(), samples: [{ metric: 'cpu', value: 'high' }] }), 400, 'invalid_report'],
    ['unsupported schema version', () => post(makeReport({ schemaVersion: 2 })), 400, 'invalid_report'],
    ['oversized body', () => post({ ...makeReport(), padding: 'x'.repeat(70 * 1024) }), 413, 'body_too_large'],
    ['not JSON content type', () => c.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain' }, payload: 'hello' }), 415, 'unsupported_media_type'],
  ];
  for (const [what, send, status, code] of refusals) {
    it(`refuses ${what} with ${status} and stores nothing`, async () => {
      const before = snapshot();
      const res = await send();
      expect(res.statusCode).toBe(status);
      expect(res.json().error).toBe(code);
      expect(snapshot()).toBe(before);
    });
  }

  it('says which fields are wrong', async () => {
    const res = await post({ ...makeReport(), intervalSeconds: -1, device: 'bad name!' });
    expect(res.statusCode).toBe(400);
    const problems: string[] = res.json().problems;
    expect(problems.some((p) => p.startsWith('/intervalSeconds'))).toBe(true);
    expect(problems.some((p) => p.startsWith('/device'))).toBe(true);
  });

  it('drops samples of unknown metrics or wrong labels, keeps the rest, and counts them', async () => {
    const res = await post(makeReport({ samples: [{ metric: 'stationwatch_cpu_utilisation_ratio', value: 0.1 }, { metric: 'stationwatch_future_thing', value: 1 }, { metric: 'stationwatch_temperature_celsius', value: 50 }] }));
    expect(res.statusCode).toBe(202);
    expect(res.json().dropped).toEqual([{ metric: 'stationwatch_future_thing', reason: 'unknown_metric' }, { metric: 'stationwatch_temperature_celsius', reason: 'wrong_labels' }]);
    const metrics = (await c.app.inject('/metrics')).body;
    expect(metrics).toContain('stationwatch_cpu_utilisation_ratio{device="pc-01",site="branch-a"} 0.1');
    expect(metrics).toContain('stationwatch_collector_samples_dropped_total{reason="unknown_metric"} 1');
    expect(metrics).not.toContain('stationwatch_future_thing');
  });

  it('drops a second sample of the same series, and only that: label values cannot pose as other values', async () => {
    const scan = (product: string, kind: string, value: number) => ({ metric: 'stationwatch_antivirus_last_scan_timestamp_seconds', labels: { product, kind }, value });
    const res = await post(makeReport({
      samples: [
        { metric: 'stationwatch_cpu_utilisation_ratio', value: 0.1 },
        { metric: 'stationwatch_cpu_utilisation_ratio', value: 0.2 },
        // joined naively these two would be one series (the same characters end to end)
        scan('a\u0000b', 'c', 1),
        scan('a', 'b\u0000c', 2),
        // labels in another order: the same series
        { metric: 'stationwatch_antivirus_last_scan_timestamp_seconds', labels: { kind: 'c', product: 'a\u0000b' }, value: 3 },
      ],
    }));
    expect(res.statusCode).toBe(202);
    expect(res.json().dropped).toEqual([
      { metric: 'stationwatch_cpu_utilisation_ratio', reason: 'duplicate_series' },
      { metric: 'stationwatch_antivirus_last_scan_timestamp_seconds', reason: 'duplicate_series' },
    ]);
    const kept = deviceSamples(c.ctx.store.get('pc-01')!);
    expect(kept.get('stationwatch_cpu_utilisation_ratio')!.map((s) => s.value)).toEqual([0.1]);
    // both kept, the control character made safe in the exposed value
    expect(kept.get('stationwatch_antivirus_last_scan_timestamp_seconds')!.map((s) => [s.labels, s.value])).toEqual([[{ product: 'a\uFFFDb', kind: 'c' }, 1], [{ product: 'a', kind: 'b\uFFFDc' }, 2]]);
  });

  it('a late report does not overwrite a newer one', async () => {
    await post(makeReport({ seq: 5 }));
    const res = await post(makeReport({ seq: 4, samples: [{ metric: 'stationwatch_cpu_utilisation_ratio', value: 0.99 }] }));
    expect(res.json().status).toBe('outdated');
    expect((await c.app.inject('/metrics')).body).toContain('stationwatch_cpu_utilisation_ratio{device="pc-01",site="branch-a"} 0.42');
  });
});

describe('the applied-reports counter', () => {
  it('counts each committed state write: fresh and late-but-newer reports, not late ones that are older or resent', async () => {
    const applied = async () => Number(/^stationwatch_collector_reports_applied_total (\S+)$/m.exec((await c.app.inject('/collector/metrics')).body)?.[1]);
    expect(await applied()).toBe(0);
    const agent = { version: '0.1.0', platform: 'linux' as const, startedAt: now - 3_600_000 };
    expect((await post(makeReport({ seq: 1, createdAt: now - 660_000, sentAt: now - 660_000, agent }))).json().status).toBe('accepted');
    // Made ten minutes ago and sent only now (an outbox replay): late, yet newer than what is held.
    expect((await post(makeReport({ seq: 2, createdAt: now - 600_000, sentAt: now, agent }))).json().status).toBe('late');
    expect((await post(makeReport({ seq: 1, createdAt: now - 660_000, sentAt: now, agent }))).json().status).toBe('late');
    expect((await post(makeReport({ seq: 2, createdAt: now - 600_000, sentAt: now, agent }))).json().status).toBe('late');
    expect(c.ctx.store.get('pc-01')!.reportsAccepted).toBe(2);
    expect(await applied()).toBe(2);
  });
});

describe('staleness and per-device targets', () => {
  it('a device that stops reporting is shown as not reporting, with no frozen values', async () => {
    await post(makeReport());
    expect((await c.app.inject('/devices/pc-01/metrics')).statusCode).toBe(200);
    now += 15_000 * 3 + 1; // three intervals and a bit
    const metrics = (await c.app.inject('/metrics')).body;
    expect(metrics).toContain('stationwatch_device_reporting{device="pc-01",site="branch-a"} 0');
    expect(metrics).toContain(`stationwatch_device_last_report_timestamp_seconds{device="pc-01",site="branch-a"} ${1_700_000_000}`);
    expect(metrics).not.toContain('stationwatch_cpu_utilisation_ratio{');
    const perDevice = await c.app.inject('/devices/pc-01/metrics');
    expect(perDevice.statusCode).toBe(503);
    expect(perDevice.json().error).toBe('not_reporting');
  });

  it('the per-device path serves only that device', async () => {
    await post(makeReport());
    await post(makeReport({ device: 'pc-02' }), { authorization: `Bearer ${OTHER}` });
    const body = (await c.app.inject('/devices/pc-01/metrics')).body;
    expect(body).toContain('stationwatch_cpu_utilisation_ratio{device="pc-01"');
    expect(body).not.toContain('pc-02');
    expect((await c.app.inject('/devices/nope/metrics')).statusCode).toBe(404);
    expect((await c.app.inject('/devices/pc-02/metrics')).statusCode).toBe(200);
  });

  it('lists every device as an HTTP SD target at the advertised address', async () => {
    const config = resolveCollectorConfig({ advertiseAddress: 'collector.branch.lan:9847', devices: [{ name: 'pc-01', token: TOKEN, site: 's1' }] }, {}, 'test');
    const other = await buildCollector(config, { log: silentLogger });
    expect((await other.app.inject('/sd')).json()).toEqual([
      { targets: ['collector.branch.lan:9847'], labels: { __metrics_path__: '/devices/pc-01/metrics', instance: 'pc-01', device: 'pc-01', site: 's1' } },
    ]);
  });

  it('/api/devices shows state, probes and unavailable sensors', async () => {
    await post(makeReport());
    const body = (await c.app.inject('/api/devices')).json();
    const pc = body.devices.find((d: { name: string }) => d.name === 'pc-01');
    expect(pc.reporting).toBe(true);
    expect(pc.unavailable[0].metric).toBe('stationwatch_temperature_celsius');
    expect(pc.samples).toHaveLength(4);
    const never = body.devices.find((d: { name: string }) => d.name === 'pc-02');
    expect(never).toMatchObject({ reporting: false, lastReportAt: null });
    expect((await c.app.inject('/healthz')).statusCode).toBe(200);
  });
});

describe('runbooks', () => {
  it('serves every runbook_url of the generated rules, anchor included', async () => {
    const { generateRules } = await import('../../alerts/generate-rules.js');
    const urls = [...generateRules().matchAll(/runbook_url: (\S+)/g)].map((m) => m[1]!.replace(/^['"]|['"]$/g, ''));
    expect(urls.length).toBeGreaterThan(5);
    for (const url of urls) {
      const [path, anchor] = url.split('#');
      const res = await c.app.inject(path!);
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).toContain(`id="${anchor}"`);
    }
  });
  it('refuses paths outside the runbook folder', async () => {
    expect((await c.app.inject('/docs/runbooks/..%2Fpackage.json')).statusCode).toBe(404);
    expect((await c.app.inject('/docs/runbooks/nope.md')).statusCode).toBe(404);
  });
});
