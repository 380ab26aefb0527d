// inspection — regular physical inspection (定期物理检查): the only way to catch noise, vibration, a
// damaged cable or a dirty print head. Staff record inspections on the status page or with
// `stationwatch inspect record`; the collector keeps them in its store and exports, for every device
// it knows, how long ago the last one was. A device never inspected counts from when the collector
// first saw it, so a new device is not overdue on its first day and a forgotten one does not stay
// quiet forever. The age is a gauge the collector computes at scrape time (rather than
// `time() - last` in the rule) because the "first seen" fallback lives in the collector's store, and
// because a structured threshold is what the status page evaluates with the same definition.
import { collectorMetrics as cm } from '../../protocol/collector-metrics.js';
import { duration } from './threshold.js';
import { defineIndicator } from './types.js';

export const inspection = defineIndicator({
  id: 'inspection',
  title: { en: 'Physical inspection', zh: '定期物理检查' },
  thresholds: {
    overdueAfter: duration('30d', 'A device not inspected for this long (never inspected: known to the collector for this long) is overdue'),
  },
  alerts: [
    {
      name: 'StationwatchInspectionOverdue',
      severity: 'warning',
      condition: { kind: 'threshold', metric: cm.inspectionAge, op: '>', threshold: 'overdueAfter' },
      summary: {
        en: '{{ $labels.device }} has not been physically inspected for more than %{overdueAfter}',
        zh: '{{ $labels.device }} 已超过 %{overdueAfter} 未进行物理检查',
      },
      description: {
        en: 'Nobody has recorded a physical inspection of {{ $labels.device }} at site {{ $labels.site }} for {{ $value | humanizeDuration }} (due every %{overdueAfter}). Check it for noise, vibration, damaged cables and dirt, then record the inspection.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 已 {{ $value | humanizeDuration }} 无物理检查记录（应每 %{overdueAfter} 检查一次）。请检查有无异响、震动、线缆破损和积尘，并登记检查结果。',
      },
    },
    {
      name: 'StationwatchInspectionFault',
      severity: 'warning',
      condition: { kind: 'threshold', metric: cm.inspectionLastFault, op: '==', threshold: 1 },
      summary: {
        en: 'The last physical inspection of {{ $labels.device }} found a fault',
        zh: '{{ $labels.device }} 最近一次物理检查发现故障',
      },
      description: {
        en: 'The latest inspection recorded for {{ $labels.device }} at site {{ $labels.site }} has the result "fault"; the note on the status page says what was found. It clears when an inspection with the result "ok" is recorded.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 最近一次检查结果为"故障"，具体情况见状态页上的备注。修复后登记一次结果为"正常"的检查即可解除。',
      },
    },
  ],
});
