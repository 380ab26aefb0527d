// resources — "CPU and memory use in the normal range" (CPU、内存使用率在正常范围) vs "too high".
import { m } from '../../protocol/metrics.js';
import { duration, ratio } from './threshold.js';
import { defineIndicator } from './types.js';

export const resources = defineIndicator({
  id: 'resources',
  title: { en: 'CPU, memory and disk use', zh: 'CPU、内存与磁盘使用' },
  thresholds: {
    cpuHighRatio: ratio(0.9, 'CPU busy above this share of all cores is an early warning'),
    cpuHighFor: duration('15m', 'How long CPU must stay above cpuHighRatio: short bursts (an update, a scan) are normal'),
    // At 98 % for half an hour the clerk cannot work: a runaway program, act now.
    cpuCriticalRatio: ratio(0.98, 'CPU busy above this share of all cores is critical'),
    cpuCriticalFor: duration('30m', 'How long CPU must stay above cpuCriticalRatio'),
    memoryHighRatio: ratio(0.9, 'Memory used by programs (file cache excluded) above this share is an early warning'),
    memoryHighFor: duration('15m', 'How long memory must stay above memoryHighRatio'),
    // Cache is already excluded, so 97 % means programs are about to be killed or the disk thrashes.
    memoryCriticalRatio: ratio(0.97, 'Memory used by programs above this share is critical'),
    memoryCriticalFor: duration('10m', 'How long memory must stay above memoryCriticalRatio'),
    // Some swap use is normal (idle pages are moved out); a nearly full swap means memory ran out.
    swapHighRatio: ratio(0.8, 'Swap in use above this share of the configured swap is an early warning'),
    swapHighFor: duration('15m', 'How long swap must stay above swapHighRatio'),
    filesystemHighRatio: ratio(0.85, 'A filesystem fuller than this is an early warning'),
    filesystemHighFor: duration('15m', 'How long a filesystem must stay above filesystemHighRatio (a large temporary file is not a trend)'),
    filesystemCriticalRatio: ratio(0.95, 'A filesystem fuller than this is critical: programs and updates start failing'),
    filesystemCriticalFor: duration('5m', 'How long a filesystem must stay above filesystemCriticalRatio'),
  },
  alerts: [
    {
      name: 'StationwatchCpuHigh',
      severity: 'warning',
      condition: { kind: 'threshold', metric: m.cpuUtilisation.name, op: '>', threshold: 'cpuHighRatio' },
      for: 'cpuHighFor',
      summary: {
        en: 'CPU on {{ $labels.device }} has been above %{cpuHighRatio} for %{cpuHighFor}',
        zh: '{{ $labels.device }} 的 CPU 使用率已超过 %{cpuHighRatio} 持续 %{cpuHighFor}',
      },
      description: {
        en: 'CPU utilisation is {{ $value | humanizePercentage }} on {{ $labels.device }} at site {{ $labels.site }}. The workstation may respond slowly.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} CPU 使用率为 {{ $value | humanizePercentage }}，设备可能响应缓慢。',
      },
    },
    {
      name: 'StationwatchCpuCritical',
      severity: 'critical',
      condition: { kind: 'threshold', metric: m.cpuUtilisation.name, op: '>', threshold: 'cpuCriticalRatio' },
      for: 'cpuCriticalFor',
      summary: {
        en: 'CPU on {{ $labels.device }} has been saturated (above %{cpuCriticalRatio}) for %{cpuCriticalFor}',
        zh: '{{ $labels.device }} 的 CPU 已满负荷（超过 %{cpuCriticalRatio}）持续 %{cpuCriticalFor}',
      },
      description: {
        en: 'CPU utilisation is {{ $value | humanizePercentage }} on {{ $labels.device }} at site {{ $labels.site }}. The workstation is probably unusable; look for a runaway program.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} CPU 使用率为 {{ $value | humanizePercentage }}，设备可能已无法正常使用，请检查是否有程序失控。',
      },
    },
    {
      name: 'StationwatchMemoryHigh',
      severity: 'warning',
      condition: { kind: 'threshold', metric: m.memoryUtilisation.name, op: '>', threshold: 'memoryHighRatio' },
      for: 'memoryHighFor',
      summary: {
        en: 'Memory on {{ $labels.device }} has been above %{memoryHighRatio} for %{memoryHighFor}',
        zh: '{{ $labels.device }} 的内存使用率已超过 %{memoryHighRatio} 持续 %{memoryHighFor}',
      },
      description: {
        en: 'Programs use {{ $value | humanizePercentage }} of the memory on {{ $labels.device }} at site {{ $labels.site }} (file cache not counted).',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 程序占用内存 {{ $value | humanizePercentage }}（不含文件缓存）。',
      },
    },
    {
      name: 'StationwatchMemoryCritical',
      severity: 'critical',
      condition: { kind: 'threshold', metric: m.memoryUtilisation.name, op: '>', threshold: 'memoryCriticalRatio' },
      for: 'memoryCriticalFor',
      summary: {
        en: 'Memory on {{ $labels.device }} is nearly exhausted (above %{memoryCriticalRatio} for %{memoryCriticalFor})',
        zh: '{{ $labels.device }} 的内存即将耗尽（超过 %{memoryCriticalRatio} 持续 %{memoryCriticalFor}）',
      },
      description: {
        en: 'Programs use {{ $value | humanizePercentage }} of the memory on {{ $labels.device }} at site {{ $labels.site }}. Programs may be killed or the device may freeze.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 程序占用内存 {{ $value | humanizePercentage }}，程序可能被强制结束或设备卡死。',
      },
    },
    {
      name: 'StationwatchSwapHigh',
      severity: 'warning',
      condition: { kind: 'ratio', numerator: m.swapUsed.name, denominator: m.swapTotal.name, op: '>', threshold: 'swapHighRatio' },
      for: 'swapHighFor',
      summary: {
        en: 'Swap on {{ $labels.device }} has been above %{swapHighRatio} for %{swapHighFor}',
        zh: '{{ $labels.device }} 的交换空间使用率已超过 %{swapHighRatio} 持续 %{swapHighFor}',
      },
      description: {
        en: '{{ $value | humanizePercentage }} of the swap on {{ $labels.device }} at site {{ $labels.site }} is in use: the device has run short of memory and will be slow.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 交换空间已使用 {{ $value | humanizePercentage }}，内存不足，设备会变慢。',
      },
    },
    {
      name: 'StationwatchFilesystemFilling',
      severity: 'warning',
      condition: { kind: 'threshold', metric: m.fsUtilisation.name, op: '>', threshold: 'filesystemHighRatio' },
      for: 'filesystemHighFor',
      summary: {
        en: 'Disk {{ $labels.mountpoint }} on {{ $labels.device }} is more than %{filesystemHighRatio} full',
        zh: '{{ $labels.device }} 的磁盘 {{ $labels.mountpoint }} 已用超过 %{filesystemHighRatio}',
      },
      description: {
        en: 'Filesystem {{ $labels.mountpoint }} ({{ $labels.fstype }}) on {{ $labels.device }} at site {{ $labels.site }} is {{ $value | humanizePercentage }} full.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 文件系统 {{ $labels.mountpoint }}（{{ $labels.fstype }}）已用 {{ $value | humanizePercentage }}。',
      },
    },
    {
      name: 'StationwatchFilesystemFull',
      severity: 'critical',
      condition: { kind: 'threshold', metric: m.fsUtilisation.name, op: '>', threshold: 'filesystemCriticalRatio' },
      for: 'filesystemCriticalFor',
      summary: {
        en: 'Disk {{ $labels.mountpoint }} on {{ $labels.device }} is almost full (above %{filesystemCriticalRatio})',
        zh: '{{ $labels.device }} 的磁盘 {{ $labels.mountpoint }} 即将写满（超过 %{filesystemCriticalRatio}）',
      },
      description: {
        en: 'Filesystem {{ $labels.mountpoint }} ({{ $labels.fstype }}) on {{ $labels.device }} at site {{ $labels.site }} is {{ $value | humanizePercentage }} full. Saving files, updates and backups will fail.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 文件系统 {{ $labels.mountpoint }}（{{ $labels.fstype }}）已用 {{ $value | humanizePercentage }}，保存文件、更新和备份将会失败。',
      },
    },
  ],
  recordings: [
    {
      // Load counts runnable tasks, so it only means something relative to the number of cores.
      record: 'stationwatch:load1_per_core:ratio',
      expr: `${m.load1.name} / on(device, site) (${m.cpuCores.name} > 0)`,
      help: '1-minute load average per logical core (dashboards)',
    },
  ],
});
