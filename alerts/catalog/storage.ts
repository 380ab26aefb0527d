// storage — fault discovery "through device run-data monitoring" and replacement of worn parts. The
// disk's own SMART verdict is the disk saying it is about to fail: critical, at once. Reallocated
// and pending sectors are early signs (any at all is worth a look on a counter PC's single disk);
// SSD wear is replacement planning. A VM has no SMART: no series, so nothing fires.
import { m } from '../../protocol/metrics.js';
import { count, ratio } from './threshold.js';
import { defineIndicator } from './types.js';

export const storage = defineIndicator({
  id: 'storage',
  title: { en: 'Disk health', zh: '硬盘健康' },
  thresholds: {
    reallocatedSectors: count(0, 'Reallocated sectors above which a disk raises a warning'),
    pendingSectors: count(0, 'Pending (unreadable) sectors above which a disk raises a warning'),
    ssdWearRatio: ratio(0.9, 'Share of an SSD\'s rated endurance used that calls for planning its replacement'),
  },
  alerts: [
    {
      name: 'StationwatchDiskFailing',
      severity: 'critical',
      condition: { kind: 'threshold', metric: m.diskSmartHealthy.name, op: '==', threshold: 0 },
      summary: {
        en: 'A disk of {{ $labels.device }} reports it is failing ({{ $labels.disk }})',
        zh: '{{ $labels.device }} 的硬盘自检报告即将损坏（{{ $labels.disk }}）',
      },
      description: {
        en: 'Disk {{ $labels.disk }} in {{ $labels.device }} at site {{ $labels.site }} failed its own SMART health assessment: back up its data now and replace it.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 的硬盘 {{ $labels.disk }} 未通过 SMART 自检：请立即备份数据并更换硬盘。',
      },
    },
    {
      name: 'StationwatchDiskReallocatedSectors',
      severity: 'warning',
      condition: { kind: 'threshold', metric: m.diskReallocatedSectors.name, op: '>', threshold: 'reallocatedSectors' },
      summary: {
        en: 'A disk of {{ $labels.device }} has replaced {{ $value }} bad sectors ({{ $labels.disk }})',
        zh: '{{ $labels.device }} 的硬盘已替换 {{ $value }} 个坏扇区（{{ $labels.disk }}）',
      },
      description: {
        en: 'Disk {{ $labels.disk }} in {{ $labels.device }} at site {{ $labels.site }} has reallocated {{ $value }} sectors (more than %{reallocatedSectors}): its surface is wearing out.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 的硬盘 {{ $labels.disk }} 已重新分配 {{ $value }} 个扇区（超过 %{reallocatedSectors}），盘面正在老化。',
      },
    },
    {
      name: 'StationwatchDiskPendingSectors',
      severity: 'warning',
      condition: { kind: 'threshold', metric: m.diskPendingSectors.name, op: '>', threshold: 'pendingSectors' },
      summary: {
        en: 'A disk of {{ $labels.device }} has {{ $value }} unreadable sectors ({{ $labels.disk }})',
        zh: '{{ $labels.device }} 的硬盘有 {{ $value }} 个无法读取的扇区（{{ $labels.disk }}）',
      },
      description: {
        en: 'Disk {{ $labels.disk }} in {{ $labels.device }} at site {{ $labels.site }} has {{ $value }} sectors it could not read (more than %{pendingSectors}): files stored there may already be damaged.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 的硬盘 {{ $labels.disk }} 有 {{ $value }} 个扇区无法读取（超过 %{pendingSectors}），其中的文件可能已损坏。',
      },
    },
    {
      name: 'StationwatchSsdWornOut',
      severity: 'warning',
      condition: { kind: 'threshold', metric: m.diskWear.name, op: '>=', threshold: 'ssdWearRatio' },
      summary: {
        en: 'The SSD of {{ $labels.device }} has used {{ $value | humanizePercentage }} of its life ({{ $labels.disk }})',
        zh: '{{ $labels.device }} 的固态硬盘寿命已用 {{ $value | humanizePercentage }}（{{ $labels.disk }}）',
      },
      description: {
        en: 'SSD {{ $labels.disk }} in {{ $labels.device }} at site {{ $labels.site }} has used {{ $value | humanizePercentage }} of its rated endurance (limit %{ssdWearRatio}): plan its replacement.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 的固态硬盘 {{ $labels.disk }} 已用额定寿命的 {{ $value | humanizePercentage }}（上限 %{ssdWearRatio}），请安排更换。',
      },
    },
  ],
});
