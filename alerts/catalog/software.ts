// software — "confirm the software is updated to the latest version, no abnormal prompts". The agent
// reads only the OS's local package state, so two things can be wrong: security updates that wait
// too long, and a package list so old that "nothing pending" means nothing. Both are ages of moments
// the agent exports (first seen pending; last refresh).
import { m } from '../../protocol/metrics.js';
import { duration } from './threshold.js';
import { defineIndicator } from './types.js';

export const software = defineIndicator({
  id: 'software',
  title: { en: 'Software updates', zh: '软件更新' },
  thresholds: {
    securityUpdateMaxAge: duration('7d', 'How long a security update may wait before it is overdue'),
    updateCheckMaxAge: duration('7d', 'Age of the OS\'s list of available updates after which it cannot be trusted'),
    updatesFor: duration('1h', 'How long an update condition must hold (the probe reads every 10 minutes)'),
  },
  alerts: [
    {
      name: 'StationwatchSecurityUpdatesPending',
      severity: 'warning',
      condition: { kind: 'promql', expr: `time() - ${m.securityUpdatesPendingSince.name} > %{securityUpdateMaxAge}` },
      for: 'updatesFor',
      summary: {
        en: '{{ $labels.device }} has had security updates waiting for {{ $value | humanizeDuration }}',
        zh: '{{ $labels.device }} 有安全更新已等待 {{ $value | humanizeDuration }} 未安装',
      },
      description: {
        en: 'A security update for {{ $labels.device }} at site {{ $labels.site }} has been available but not installed for {{ $value | humanizeDuration }} (limit %{securityUpdateMaxAge}).',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 有安全更新已发布 {{ $value | humanizeDuration }} 仍未安装（上限 %{securityUpdateMaxAge}）。',
      },
    },
    {
      name: 'StationwatchUpdateCheckStale',
      severity: 'warning',
      condition: { kind: 'promql', expr: `time() - ${m.updatesChecked.name} > %{updateCheckMaxAge}` },
      for: 'updatesFor',
      summary: {
        en: '{{ $labels.device }} has not looked for updates for {{ $value | humanizeDuration }}',
        zh: '{{ $labels.device }} 已 {{ $value | humanizeDuration }} 未检查更新',
      },
      description: {
        en: 'The operating system on {{ $labels.device }} at site {{ $labels.site }} last refreshed its list of available updates {{ $value | humanizeDuration }} ago (limit %{updateCheckMaxAge}): its count of pending updates is out of date.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 的操作系统上次刷新可用更新列表是在 {{ $value | humanizeDuration }} 前（上限 %{updateCheckMaxAge}），待安装更新的统计已不可信。',
      },
    },
  ],
});
