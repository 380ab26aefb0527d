// A valid report, as an agent would send it, for collector tests.
import { SCHEMA_VERSION, type Report } from '../../protocol/report.js';

export function makeReport(over: Partial<Report> = {}): Report {
  const now = over.createdAt ?? 1_700_000_000_000;
  return {
    schemaVersion: SCHEMA_VERSION,
    device: 'pc-01',
    site: 'branch-a',
    agent: { version: '0.1.0', platform: 'linux', startedAt: now - 60_000 },
    seq: 1,
    createdAt: now,
    sentAt: now,
    intervalSeconds: 15,
    probes: [{ name: 'resources', ok: true, durationSeconds: 0.004, finishedAt: now }, { name: 'thermal', ok: true, durationSeconds: 0.001, finishedAt: now }],
    samples: [
      { metric: 'stationwatch_cpu_utilisation_ratio', value: 0.42 },
      { metric: 'stationwatch_memory_utilisation_ratio', value: 0.61 },
      { metric: 'stationwatch_filesystem_utilisation_ratio', labels: { mountpoint: '/', fstype: 'ext4' }, value: 0.5 },
      { metric: 'stationwatch_boots_total', value: 3 },
    ],
    unavailable: [{ metric: 'stationwatch_temperature_celsius', reason: 'no temperature sensors exposed by the OS' }],
    ...over,
  };
}
