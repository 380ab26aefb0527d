// security — "check that the firewall settings are reasonable" before work; "regular antivirus
// scans"; accounts lock after repeated wrong passwords and administrators watch for abnormal
// operations. States (firewall, real-time protection) must stay bad for a while before they alert,
// so a restart of the service does not page; a burst of failed logins alerts at once.
// Signature and scan ages compare the device's own timestamps with Prometheus' time(): a device
// whose clock is wrong shows up in the clock indicator as well.
import { m } from '../../protocol/metrics.js';
import { count, duration } from './threshold.js';
import { defineIndicator } from './types.js';

export const security = defineIndicator({
  id: 'security',
  title: { en: 'Security: firewall, antivirus, failed logins', zh: '安全：防火墙、防病毒、登录失败' },
  thresholds: {
    firewallOffFor: duration('15m', 'How long a firewall profile must stay off'),
    antivirusOffFor: duration('15m', 'How long real-time protection or the antivirus engine must stay off'),
    // Signatures come daily; a counter PC switched off over a long weekend catches up within hours.
    signatureMaxAge: duration('3d', 'Age of the antivirus signatures that counts as out of date'),
    scanMaxAge: duration('7d', 'Time since the last antivirus scan (quick or full) that counts as overdue'),
    staleFor: duration('2h', 'How long signatures or scans must stay overdue (time to catch up after switching on)'),
    loginBurstWindow: duration('15m', 'Window in which failed logins are counted'),
    loginBurstFailures: count(5, 'Failed logins per window that count as a burst (someone guessing passwords)'),
  },
  alerts: [
    {
      name: 'StationwatchFirewallDisabled',
      severity: 'warning',
      condition: { kind: 'threshold', metric: m.firewallEnabled.name, op: '==', threshold: 0 },
      for: 'firewallOffFor',
      summary: {
        en: 'The firewall of {{ $labels.device }} is switched off ({{ $labels.profile }})',
        zh: '{{ $labels.device }} 的防火墙已关闭（{{ $labels.profile }}）',
      },
      description: {
        en: 'The firewall on {{ $labels.device }} at site {{ $labels.site }} has let all inbound traffic in (profile {{ $labels.profile }}) for %{firewallOffFor}.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 的防火墙（配置文件 {{ $labels.profile }}）已关闭 %{firewallOffFor}，所有入站流量均被放行。',
      },
    },
    {
      name: 'StationwatchAntivirusRealtimeOff',
      severity: 'warning',
      condition: { kind: 'threshold', metric: m.antivirusRealtime.name, op: '==', threshold: 0 },
      for: 'antivirusOffFor',
      summary: {
        en: 'Real-time virus protection is off on {{ $labels.device }} ({{ $labels.product }})',
        zh: '{{ $labels.device }} 的实时病毒防护已关闭（{{ $labels.product }}）',
      },
      description: {
        en: '{{ $labels.product }} on {{ $labels.device }} at site {{ $labels.site }} has not been scanning files as they are used for %{antivirusOffFor}.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 上的 {{ $labels.product }} 实时防护已关闭 %{antivirusOffFor}，文件在使用时不再被扫描。',
      },
    },
    {
      name: 'StationwatchAntivirusStopped',
      severity: 'warning',
      condition: { kind: 'threshold', metric: m.antivirusRunning.name, op: '==', threshold: 0 },
      for: 'antivirusOffFor',
      summary: {
        en: 'The antivirus on {{ $labels.device }} is not running ({{ $labels.product }})',
        zh: '{{ $labels.device }} 的防病毒软件未运行（{{ $labels.product }}）',
      },
      description: {
        en: 'The {{ $labels.product }} engine or service on {{ $labels.device }} at site {{ $labels.site }} has been stopped or disabled for %{antivirusOffFor}.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 上的 {{ $labels.product }} 引擎或服务已停止或被禁用 %{antivirusOffFor}。',
      },
    },
    {
      name: 'StationwatchAntivirusSignaturesOutdated',
      severity: 'warning',
      // Products that tell a date are compared with the limit; products that only say "out of date" (Security Center) are believed.
      condition: {
        kind: 'promql',
        expr: `(time() - ${m.antivirusSignaturesUpdated.name} > %{signatureMaxAge}) or (${m.antivirusSignaturesCurrent.name} == 0)`,
      },
      for: 'staleFor',
      summary: {
        en: 'The virus signatures on {{ $labels.device }} are out of date ({{ $labels.product }})',
        zh: '{{ $labels.device }} 的病毒库已过期（{{ $labels.product }}）',
      },
      description: {
        en: '{{ $labels.product }} on {{ $labels.device }} at site {{ $labels.site }} has signatures older than %{signatureMaxAge} (or says they are out of date): new viruses are not recognised.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 上的 {{ $labels.product }} 病毒库已超过 %{signatureMaxAge} 未更新（或软件自身报告已过期），无法识别新病毒。',
      },
    },
    {
      name: 'StationwatchAntivirusScanOverdue',
      severity: 'warning',
      // Quick or full, whichever was last: the procedure asks for regular scans, not a kind.
      condition: { kind: 'promql', expr: `time() - max without(kind) (${m.antivirusLastScan.name}) > %{scanMaxAge}` },
      for: 'staleFor',
      summary: {
        en: '{{ $labels.device }} has not been scanned for viruses for {{ $value | humanizeDuration }}',
        zh: '{{ $labels.device }} 已 {{ $value | humanizeDuration }} 未进行病毒扫描',
      },
      description: {
        en: 'The last {{ $labels.product }} scan on {{ $labels.device }} at site {{ $labels.site }} finished {{ $value | humanizeDuration }} ago; scans are due at least every %{scanMaxAge}.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 上次 {{ $labels.product }} 扫描结束于 {{ $value | humanizeDuration }} 前，应至少每 %{scanMaxAge} 扫描一次。',
      },
    },
    {
      name: 'StationwatchFailedLoginBurst',
      severity: 'warning',
      condition: { kind: 'increase', metric: m.failedLogins.name, window: 'loginBurstWindow', op: '>=', threshold: 'loginBurstFailures' },
      summary: {
        en: '{{ $labels.device }} had {{ $value }} failed logins in %{loginBurstWindow}',
        zh: '{{ $labels.device }} 在 %{loginBurstWindow} 内登录失败 {{ $value }} 次',
      },
      description: {
        en: 'Someone entered a wrong password or an unknown user name {{ $value }} times within %{loginBurstWindow} on {{ $labels.device }} at site {{ $labels.site }} (%{loginBurstFailures} or more counts as a burst): a forgotten password, or someone guessing.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 在 %{loginBurstWindow} 内出现 {{ $value }} 次密码错误或用户名不存在（达到 %{loginBurstFailures} 次即视为异常）：可能是忘记密码，也可能有人在猜测密码。',
      },
    },
  ],
});
