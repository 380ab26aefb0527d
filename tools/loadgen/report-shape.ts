// A realistic report of about 150 series for a simulated agent: every unlabelled agent metric once,
// plus a few filesystems, sensors, ping targets and interfaces; counters grow with each report.
// Values are plausible, not measured: this feeds the collector, it does not describe a machine.
import { agentMetrics } from '../../protocol/metrics.js';
import { SCHEMA_VERSION, type Report, type Sample } from '../../protocol/report.js';

const labelValues: Record<string, readonly string[]> = {
  mountpoint: ['/', '/home', '/var', '/boot', '/srv', '/data'],
  fstype: ['ext4'],
  sensor: ['cpu', 'gpu', 'nvme', 'board', 'core0', 'core1'],
  fan: ['cpu', 'case'],
  target: ['collector', 'core-banking', 'printer-hall', 'gateway', 'dns'],
  interface: ['eth0', 'wlan0'],
};

/** One sample per combination of the label values above (at most 6 per metric); other labelled metrics are left out. */
function shape(): Array<{ metric: string; counter: boolean; labels?: Record<string, string> }> {
  const out: Array<{ metric: string; counter: boolean; labels?: Record<string, string> }> = [];
  for (const def of agentMetrics) {
    const counter = def.type === 'counter';
    if (def.labels.length === 0) {
      out.push({ metric: def.name, counter });
      continue;
    }
    if (!def.labels.every((l) => labelValues[l])) continue;
    let combos: Array<Record<string, string>> = [{}];
    for (const l of def.labels) combos = combos.flatMap((c) => labelValues[l]!.map((v) => ({ ...c, [l]: v })));
    for (const labels of combos.slice(0, 6)) out.push({ metric: def.name, counter, labels });
  }
  return out;
}

const SHAPE = shape();
export const seriesPerReport = SHAPE.length;

export function simulatedReport(device: string, site: string, startedAt: number, seq: number, nowMs: number, intervalSeconds: number): Report {
  const samples: Sample[] = SHAPE.map((s, i) => ({
    metric: s.metric,
    ...(s.labels ? { labels: s.labels } : {}),
    value: s.counter ? seq * ((i % 3) + 1) : Math.abs(Math.sin(seq / 10 + i)),
  }));
  return {
    schemaVersion: SCHEMA_VERSION,
    device,
    site,
    agent: { version: 'loadgen', platform: 'linux', startedAt },
    seq,
    createdAt: nowMs,
    sentAt: nowMs,
    intervalSeconds,
    probes: [{ name: 'resources', ok: true, durationSeconds: 0.003, finishedAt: nowMs }],
    samples,
    unavailable: [],
  };
}
