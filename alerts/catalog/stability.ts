// stability — "no garbled display or freezing" vs "freezes, frequent restarts" (死机、频繁重启).
// All of these are events, counted by the agent in persistent counters, so a device that was off or
// unreachable still shows what happened once it reports again. They fire at once (no `for`) and
// clear when the event leaves the window.
import { m } from '../../protocol/metrics.js';
import { count, duration } from './threshold.js';
import { defineIndicator } from './types.js';

export const stability = defineIndicator({
  id: 'stability',
  title: { en: 'Stability: restarts and freezes', zh: '运行稳定性：重启与死机' },
  thresholds: {
    // A workstation is switched on once a day, maybe restarted once for an update: three is a pattern.
    rebootWindow: duration('1d', 'Window in which boots are counted'),
    rebootsPerWindow: count(3, 'Boots per window that count as frequent restarts'),
    uncleanShutdownWindow: duration('1d', 'How long one crash or power loss keeps the warning up'),
    uncleanShutdowns: count(1, 'Unclean shutdowns per window that raise a warning'),
    hangWindow: duration('1h', 'How long one freeze keeps the warning up'),
    hangs: count(1, 'Freezes per hangWindow that raise a warning'),
    hangCriticalWindow: duration('1d', 'Window in which repeated freezes are counted'),
    hangsCritical: count(3, 'Freezes per hangCriticalWindow that are critical'),
  },
  alerts: [
    {
      name: 'StationwatchFrequentReboots',
      severity: 'warning',
      condition: { kind: 'increase', metric: m.boots.name, window: 'rebootWindow', op: '>=', threshold: 'rebootsPerWindow' },
      summary: {
        en: '{{ $labels.device }} restarted {{ $value }} times in the last %{rebootWindow}',
        zh: '{{ $labels.device }} 在最近 %{rebootWindow} 内重启了 {{ $value }} 次',
      },
      description: {
        en: '{{ $labels.device }} at site {{ $labels.site }} booted {{ $value }} times in %{rebootWindow} (%{rebootsPerWindow} or more counts as frequent restarts).',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 在 %{rebootWindow} 内启动了 {{ $value }} 次（达到 %{rebootsPerWindow} 次即视为频繁重启）。',
      },
    },
    {
      name: 'StationwatchUncleanShutdown',
      severity: 'warning',
      condition: { kind: 'increase', metric: m.uncleanShutdowns.name, window: 'uncleanShutdownWindow', op: '>=', threshold: 'uncleanShutdowns' },
      summary: {
        en: '{{ $labels.device }} crashed or lost power in the last %{uncleanShutdownWindow}',
        zh: '{{ $labels.device }} 在最近 %{uncleanShutdownWindow} 内发生过异常关机（死机或断电）',
      },
      description: {
        en: '{{ $labels.device }} at site {{ $labels.site }} was not shut down cleanly {{ $value }} time(s) in %{uncleanShutdownWindow}: a crash, a forced power-off or a power cut.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 在 %{uncleanShutdownWindow} 内有 {{ $value }} 次未正常关机：系统崩溃、强制关机或停电。',
      },
    },
    {
      name: 'StationwatchHang',
      severity: 'warning',
      condition: { kind: 'increase', metric: m.hangs.name, window: 'hangWindow', op: '>=', threshold: 'hangs' },
      summary: {
        en: '{{ $labels.device }} froze in the last %{hangWindow}',
        zh: '{{ $labels.device }} 在最近 %{hangWindow} 内出现过卡死',
      },
      description: {
        en: '{{ $labels.device }} at site {{ $labels.site }} stopped responding {{ $value }} time(s) in %{hangWindow} while it kept running (not sleep).',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 在 %{hangWindow} 内有 {{ $value }} 次运行中失去响应（非休眠）。',
      },
    },
    {
      name: 'StationwatchFrequentHangs',
      severity: 'critical',
      condition: { kind: 'increase', metric: m.hangs.name, window: 'hangCriticalWindow', op: '>=', threshold: 'hangsCritical' },
      summary: {
        en: '{{ $labels.device }} froze {{ $value }} times in the last %{hangCriticalWindow}',
        zh: '{{ $labels.device }} 在最近 %{hangCriticalWindow} 内卡死 {{ $value }} 次',
      },
      description: {
        en: '{{ $labels.device }} at site {{ $labels.site }} froze {{ $value }} times in %{hangCriticalWindow} (%{hangsCritical} or more is critical). Work on it is being lost.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 在 %{hangCriticalWindow} 内卡死 {{ $value }} 次（达到 %{hangsCritical} 次为严重），正在影响业务办理。',
      },
    },
  ],
});
