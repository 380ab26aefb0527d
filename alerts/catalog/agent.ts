// agent — the health of stationwatch's own agent. A probe that keeps failing leaves its indicator
// blind (its metrics vanish, so its own alerts cannot fire): that blindness must itself be visible.
import { m } from '../../protocol/metrics.js';
import { collectorMetrics as cm } from '../../protocol/collector-metrics.js';
import { count, duration } from './threshold.js';
import { defineIndicator } from './types.js';

export const agent = defineIndicator({
  id: 'agent',
  title: { en: 'Monitoring agent health', zh: '监控代理自身状态' },
  thresholds: {
    // Probes run every minute or so: half an hour of failures is not a glitch.
    probeFailingFor: duration('30m', 'How long a probe must fail without a single success'),
    agentRestartWindow: duration('1h', 'Window in which agent restarts (within one boot) are counted'),
    agentRestarts: count(3, 'Agent restarts per window that mean it is crashing'),
  },
  alerts: [
    {
      name: 'StationwatchProbeFailing',
      severity: 'warning',
      condition: { kind: 'threshold', metric: cm.probeSuccess, op: '==', threshold: 0 },
      for: 'probeFailingFor',
      summary: {
        en: 'The {{ $labels.probe }} check on {{ $labels.device }} has been failing for %{probeFailingFor}',
        zh: '{{ $labels.device }} 的 {{ $labels.probe }} 检测已连续失败 %{probeFailingFor}',
      },
      description: {
        en: 'The agent on {{ $labels.device }} at site {{ $labels.site }} cannot run its {{ $labels.probe }} probe: what that probe watches is not being monitored.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 上的代理无法执行 {{ $labels.probe }} 检测，该项目前处于无人监控状态。',
      },
    },
    {
      name: 'StationwatchAgentRestarting',
      severity: 'warning',
      condition: { kind: 'increase', metric: m.agentRestarts.name, window: 'agentRestartWindow', op: '>=', threshold: 'agentRestarts' },
      summary: {
        en: 'The stationwatch agent on {{ $labels.device }} restarted {{ $value }} times in %{agentRestartWindow}',
        zh: '{{ $labels.device }} 上的 stationwatch 代理在 %{agentRestartWindow} 内重启了 {{ $value }} 次',
      },
      description: {
        en: 'The agent on {{ $labels.device }} at site {{ $labels.site }} keeps restarting without the device rebooting: it is probably crashing, and gaps appear in the device\'s data.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 未重启，但代理反复重启，可能在崩溃，设备数据会出现缺口。',
      },
    },
  ],
});
