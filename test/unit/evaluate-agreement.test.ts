// The status page's badges and the Prometheus alert rules must agree. Each row of the table below is
// a hand-written history of readings (one value a minute) and the verdict a person expects at one
// moment: which series fire. The same readings go to the catalog's JS evaluator (alerts/evaluate.ts)
// and — through a promtool test file generated from the table into a temp dir — to the generated
// rules (alerts/generated/stationwatch.rules.yml) evaluated by real promtool. Both must match the
// table, so neither can drift from the other or from the intended meaning.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { catalog } from '../../alerts/catalog/index.js';
import { CatalogEvaluator, type Labels, type Series } from '../../alerts/evaluate.js';
import { rulesFileName } from '../../alerts/generate-rules.js';
import { resolveThresholds } from '../../alerts/thresholds.js';
import { collectorMetrics as cm } from '../../protocol/collector-metrics.js';
import { m } from '../../protocol/metrics.js';
import { EvaluationEngine } from '../../collector/status/evaluation-engine.js';
import type { DeviceResult } from '../../collector/status/evaluation-protocol.js';
import { packLines } from '../../collector/status/exposition-lines.js';

interface Row {
  name: string;
  alert: string;
  series: { metric: string; labels: Labels; values: (number | undefined)[] }[];
  /** Minutes from the first reading. */
  at: number;
  /** Labels (device, site and the series' own) of every series expected to fire. */
  fires: Labels[];
}

const s = (device: string, extra: Record<string, string> = {}): Labels => ({ device, site: 's1', ...extra });
const rep = (v: number | undefined, n: number) => Array<number | undefined>(n).fill(v);
/** A counter growing by `step` a minute from `start`. */
const ramp = (start: number, step: number, n: number) => Array.from({ length: n }, (_, i) => start + step * i);

const rows: Row[] = [
  {
    name: 'CPU above 90 % must last 15 minutes (just before)',
    alert: 'StationwatchCpuHigh',
    series: [
      { metric: m.cpuUtilisation.name, labels: s('busy'), values: rep(0.95, 20) },
      { metric: m.cpuUtilisation.name, labels: s('idle'), values: rep(0.2, 20) },
    ],
    at: 14,
    fires: [],
  },
  {
    name: 'CPU above 90 % must last 15 minutes (reached)',
    alert: 'StationwatchCpuHigh',
    series: [
      { metric: m.cpuUtilisation.name, labels: s('busy'), values: rep(0.95, 20) },
      { metric: m.cpuUtilisation.name, labels: s('at-limit'), values: rep(0.9, 20) },
    ],
    at: 15,
    fires: [s('busy')],
  },
  {
    name: 'one quiet minute restarts the CPU clock',
    alert: 'StationwatchCpuHigh',
    series: [{ metric: m.cpuUtilisation.name, labels: s('spiky'), values: [...rep(0.95, 10), 0.3, ...rep(0.95, 20)] }],
    at: 25,
    fires: [],
  },
  {
    name: 'a device that stops reporting stops alerting (its series go stale)',
    alert: 'StationwatchCpuCritical',
    series: [{ metric: m.cpuUtilisation.name, labels: s('gone'), values: [...rep(0.99, 31), ...rep(undefined, 5)] }],
    at: 33,
    fires: [],
  },
  {
    name: 'a full filesystem fires per mountpoint',
    alert: 'StationwatchFilesystemFull',
    series: [
      { metric: m.fsUtilisation.name, labels: s('pc', { mountpoint: '/', fstype: 'ext4' }), values: rep(0.97, 8) },
      { metric: m.fsUtilisation.name, labels: s('pc', { mountpoint: '/home', fstype: 'ext4' }), values: rep(0.5, 8) },
    ],
    at: 6,
    fires: [s('pc', { mountpoint: '/', fstype: 'ext4' })],
  },
  {
    name: 'swap ratio, and no ratio where no swap is configured',
    alert: 'StationwatchSwapHigh',
    series: [
      { metric: m.swapUsed.name, labels: s('swapping'), values: rep(900, 20) },
      { metric: m.swapTotal.name, labels: s('swapping'), values: rep(1000, 20) },
      { metric: m.swapUsed.name, labels: s('no-swap'), values: rep(0, 20) },
      { metric: m.swapTotal.name, labels: s('no-swap'), values: rep(0, 20) },
    ],
    at: 16,
    fires: [s('swapping')],
  },
  {
    name: 'a sensor\'s own critical limit, else the catalog fallback; nonsense limits ignored',
    alert: 'StationwatchTemperatureCritical',
    series: [
      { metric: m.temperature.name, labels: s('pc', { sensor: 'cpu' }), values: rep(85, 5) },
      { metric: m.temperatureCritical.name, labels: s('pc', { sensor: 'cpu' }), values: rep(80, 5) },
      { metric: m.temperature.name, labels: s('pc', { sensor: 'board' }), values: rep(90, 5) },
      { metric: m.temperature.name, labels: s('pc', { sensor: 'nvme' }), values: rep(96, 5) },
      { metric: m.temperatureCritical.name, labels: s('pc', { sensor: 'nvme' }), values: rep(-273, 5) },
    ],
    at: 3,
    fires: [s('pc', { sensor: 'cpu' }), s('pc', { sensor: 'nvme' })],
  },
  {
    name: 'the warning band sits a margin below the limit',
    alert: 'StationwatchTemperatureHigh',
    series: [
      { metric: m.temperature.name, labels: s('pc', { sensor: 'cpu' }), values: rep(75, 12) },
      { metric: m.temperatureCritical.name, labels: s('pc', { sensor: 'cpu' }), values: rep(80, 12) },
      { metric: m.temperature.name, labels: s('pc', { sensor: 'board' }), values: rep(80, 12) },
    ],
    at: 11,
    fires: [s('pc', { sensor: 'cpu' })],
  },
  {
    name: 'three boots within the day, whole events (2.02 extrapolated is still 2)',
    alert: 'StationwatchFrequentReboots',
    series: [
      { metric: m.boots.name, labels: s('rebooting'), values: [...rep(5, 20), ...rep(6, 20), ...rep(7, 10), ...rep(8, 11)] },
      { metric: m.boots.name, labels: s('twice'), values: [...rep(5, 20), ...rep(6, 20), ...rep(7, 21)] },
    ],
    at: 60,
    fires: [s('rebooting')],
  },
  {
    name: 'a counter reset (agent reinstalled) counts the growth on both sides',
    alert: 'StationwatchFrequentReboots',
    series: [{ metric: m.boots.name, labels: s('reset'), values: [...rep(8, 10), ...rep(9, 10), ...rep(1, 10), ...rep(2, 11)] }],
    at: 40,
    fires: [s('reset')],
  },
  {
    name: 'a freeze keeps the warning for the hang window, then clears',
    alert: 'StationwatchHang',
    series: [{ metric: m.hangs.name, labels: s('froze'), values: [...rep(0, 30), ...rep(1, 70)] }],
    at: 95,
    fires: [],
  },
  {
    name: 'a freeze fires at once',
    alert: 'StationwatchHang',
    series: [{ metric: m.hangs.name, labels: s('froze'), values: [...rep(0, 30), ...rep(1, 10)] }],
    at: 32,
    fires: [s('froze')],
  },
  {
    name: 'packet loss over the window against the target\'s own limit or the default',
    alert: 'StationwatchNetworkPacketLoss',
    series: [
      { metric: m.pingSent.name, labels: s('pc', { target: 'gateway' }), values: ramp(0, 100, 12) },
      { metric: m.pingLost.name, labels: s('pc', { target: 'gateway' }), values: ramp(0, 10, 12) },
      { metric: m.pingSent.name, labels: s('pc', { target: 'internet' }), values: ramp(0, 100, 12) },
      { metric: m.pingLost.name, labels: s('pc', { target: 'internet' }), values: ramp(0, 10, 12) },
      { metric: m.lossLimit.name, labels: s('pc', { target: 'internet' }), values: rep(0.2, 12) },
    ],
    at: 10,
    fires: [s('pc', { target: 'gateway' })],
  },
  {
    name: 'not reporting pages only while the site is open',
    alert: 'StationwatchDeviceNotReporting',
    series: [
      { metric: cm.deviceReporting, labels: s('off'), values: rep(0, 10) },
      { metric: cm.deviceReporting, labels: { device: 'night', site: 's2' }, values: rep(0, 10) },
      { metric: cm.deviceReporting, labels: s('on'), values: rep(1, 10) },
      { metric: cm.siteBusinessHours, labels: { site: 's1' }, values: rep(1, 10) },
      { metric: cm.siteBusinessHours, labels: { site: 's2' }, values: rep(0, 10) },
    ],
    at: 6,
    fires: [s('off')],
  },
  {
    name: 'a failing probe after its period',
    alert: 'StationwatchProbeFailing',
    series: [
      { metric: cm.probeSuccess, labels: s('pc', { probe: 'thermal' }), values: rep(0, 35) },
      { metric: cm.probeSuccess, labels: s('pc', { probe: 'resources' }), values: rep(1, 35) },
    ],
    at: 31,
    fires: [s('pc', { probe: 'thermal' })],
  },
  {
    name: 'a printer fault matched by reason (regular expression matcher)',
    alert: 'StationwatchPrinterFault',
    series: [
      { metric: m.printerError.name, labels: s('pc', { printer: 'desk', reason: 'media-jam' }), values: rep(1, 8) },
      { metric: m.printerError.name, labels: s('pc', { printer: 'desk', reason: 'toner-low' }), values: rep(1, 8) },
    ],
    at: 6,
    fires: [s('pc', { printer: 'desk', reason: 'media-jam' })],
  },
  {
    // time() is 300 s at 5 minutes; the job's own maximum age, else the catalog's 8 days; a job that
    // never succeeded counts from when the agent began watching it.
    name: 'backup age against the job\'s own maximum, the fallback, or since watching began',
    alert: 'StationwatchBackupOverdue',
    series: [
      { metric: m.backupLastSuccess.name, labels: s('pc', { [m.backupLastSuccess.labels[0]]: 'late' }), values: rep(300 - 7200, 6) },
      { metric: m.backupMaxAge.name, labels: s('pc', { [m.backupMaxAge.labels[0]]: 'late', [m.backupMaxAge.labels[1]]: 'incremental' }), values: rep(3600, 6) },
      { metric: m.backupLastSuccess.name, labels: s('pc', { [m.backupLastSuccess.labels[0]]: 'fresh' }), values: rep(300 - 600, 6) },
      { metric: m.backupMaxAge.name, labels: s('pc', { [m.backupMaxAge.labels[0]]: 'fresh', [m.backupMaxAge.labels[1]]: 'incremental' }), values: rep(3600, 6) },
      { metric: m.backupWatchedSince.name, labels: s('pc', { [m.backupWatchedSince.labels[0]]: 'never' }), values: rep(300 - 9 * 86_400, 6) },
      { metric: m.backupWatchedSince.name, labels: s('pc', { [m.backupWatchedSince.labels[0]]: 'new' }), values: rep(0, 6) },
    ],
    at: 5,
    fires: [s('pc', { [m.backupLastSuccess.labels[0]]: 'late' }), s('pc', { [m.backupWatchedSince.labels[0]]: 'never' })],
  },
  {
    name: 'inspection overdue after 30 days, counted by the collector',
    alert: 'StationwatchInspectionOverdue',
    series: [
      { metric: cm.inspectionAge, labels: s('due'), values: ramp(2_592_000 - 120, 60, 5) },
      { metric: cm.inspectionAge, labels: s('fresh'), values: ramp(0, 60, 5) },
    ],
    at: 3,
    fires: [s('due')],
  },
  {
    name: 'an inspection that found a fault',
    alert: 'StationwatchInspectionFault',
    series: [
      { metric: cm.inspectionLastFault, labels: s('broken'), values: rep(1, 3) },
      { metric: cm.inspectionLastFault, labels: s('fine'), values: rep(0, 3) },
    ],
    at: 2,
    fires: [s('broken')],
  },
];

const alertInfo = new Map(catalog.flatMap((i) => i.alerts.map((a) => [a.name, { indicator: i.id, severity: a.severity, kind: a.condition.kind }] as const)));

function promLabels(l: Labels): string {
  return `{${Object.entries(l)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',')}}`;
}

/** promtool's expanding notation: `_` before a series starts, `stale` where it stops. */
function promValues(values: readonly (number | undefined)[]): string {
  const started = values.findIndex((v) => v !== undefined);
  return values.map((v, i) => (v !== undefined ? String(v) : i < started ? '_' : 'stale')).join(' ');
}

function promtoolFile(): string {
  const tests = rows.map((row) => {
    const info = alertInfo.get(row.alert)!;
    return {
      interval: '1m',
      input_series: row.series.map((x) => ({ series: `${x.metric}${promLabels(x.labels)}`, values: promValues(x.values) })),
      promql_expr_test: [
        {
          // The comment names the row in promtool's failure output.
          expr: `# ${row.name}\nALERTS{alertname="${row.alert}",alertstate="firing"}`,
          eval_time: `${row.at}m`,
          exp_samples: row.fires.map((labels) => ({ labels: `ALERTS${promLabels({ alertname: row.alert, alertstate: 'firing', indicator: info.indicator, severity: info.severity, ...labels })}`, value: 1 })),
        },
      ],
    };
  });
  const rules = fileURLToPath(new URL(`../../alerts/generated/${rulesFileName}`, import.meta.url));
  return stringify({ rule_files: [rules], evaluation_interval: '1m', tests }, { lineWidth: 0 });
}

function evaluatorVerdict(row: Row): Labels[] {
  const evaluator = new CatalogEvaluator(catalog, resolveThresholds());
  let fired: Labels[] = [];
  for (let minute = 0; minute <= row.at; minute++) {
    const snapshot: Series[] = row.series.flatMap((x) => (x.values[minute] === undefined ? [] : [{ metric: x.metric, labels: x.labels, value: x.values[minute]! }]));
    const result = evaluator.evaluate(snapshot, minute * 60_000);
    fired = result.alerts.filter((a) => a.alert === row.alert && a.state === 'firing').map((a) => a.labels);
  }
  return fired;
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/**
 * The same readings through the status page's worker path (evaluation-engine.ts, what the worker
 * thread runs): each device's series as the exposition lines the main thread hands over, parsed back,
 * evaluated, turned into badges; the firing alerts read from the badges the main thread receives.
 */
function workerVerdict(row: Row): Labels[] {
  const engine = new EvaluationEngine({ type: 'init', thresholds: resolveThresholds(), pending: [], states: { keys: [], states: [], since: new Float64Array() }, startedAtMs: -1e15 });
  const devices = [...new Set(row.series.flatMap((x) => (x.labels.device === undefined ? [] : [x.labels.device])))];
  const latest = new Map<string, DeviceResult>();
  for (let minute = 0; minute <= row.at; minute++) {
    const present = row.series.filter((x) => x.values[minute] !== undefined);
    const lines = (d: string) => present.filter((x) => x.labels.device === d).map((x) => `${x.metric}{${Object.entries(x.labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}} ${x.values[minute]}\n`).join('');
    engine.devices({ type: 'devices', ...packLines(devices.map((d) => ({ name: d, parts: [Buffer.from(lines(d))] }))) });
    const site = (d: string) => row.series.find((x) => x.labels.device === d)?.labels.site ?? '';
    const roster = { names: devices, sites: devices.map(site), reporting: Uint8Array.from(devices, (d) => (present.some((x) => x.labels.device === d) ? 1 : 0)), heard: Uint8Array.from(devices, () => 1), storeMetrics: [], storeValues: [] };
    const fleet = present.filter((x) => x.labels.device === undefined).map((x) => ({ metric: x.metric, labels: x.labels, value: x.values[minute]! }));
    let chunk: ReturnType<EvaluationEngine['next']> = engine.pass({ type: 'pass', id: minute + 1, nowMs: minute * 60_000, roster, fleet, only: false });
    while (chunk) {
      for (const d of chunk.devices) latest.set(d.name, d);
      chunk = chunk.last ? undefined : engine.next(minute + 1);
    }
  }
  return [...latest.values()].flatMap((d) => d.badges.flatMap((b) => b.firing.filter((a) => a.alert === row.alert).map((a) => a.labels)));
}

const sortLabels = (list: Labels[]) => list.map((l) => promLabels(Object.fromEntries(Object.entries(l).sort()))).sort();

describe('badge evaluation agrees with the Prometheus rules', () => {
  it('covers every structured condition kind the catalog uses', () => {
    const used = new Set(catalog.flatMap((i) => i.alerts.map((a) => a.condition.kind)).filter((k) => k !== 'promql'));
    const covered = new Set(rows.map((r) => alertInfo.get(r.alert)?.kind));
    for (const kind of used) expect(covered.has(kind), `no table row exercises a "${kind}" condition`).toBe(true);
    for (const r of rows) expect(alertInfo.has(r.alert), `${r.alert} is not in the catalog`).toBe(true);
  });

  for (const row of rows) {
    it(`the catalog evaluator: ${row.name}`, () => {
      expect(sortLabels(evaluatorVerdict(row))).toEqual(sortLabels(row.fires));
    });
    it(`the worker path (exposition lines, engine, badges): ${row.name}`, () => {
      expect(sortLabels(workerVerdict(row))).toEqual(sortLabels(row.fires));
    });
  }

  it('promtool on the generated rules, every row', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sw-agreement-'));
    const file = join(dir, 'agreement.test.yml');
    writeFileSync(file, promtoolFile());
    const run = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8' });
    if (run.error) throw new Error(`promtool could not run (${run.error.message}): apt-get install -y --no-install-recommends prometheus`);
    expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
  }, 60_000);
});
