// backup — "backups timely, backup files complete and undamaged" vs "backup failed or backup file
// damaged" (备份失败或备份文件损坏). The agent verifies every new backup file (checksum manifest,
// archive CRCs) and exports per job the moment of the last verified backup, the result of the latest
// run as a state set, and the job's own maximum age (its schedule: weekly full, daily incremental),
// which the overdue rule prefers to the fallback here. A job that never succeeded is overdue counted
// from when the agent began watching it, so a backup that never runs is not silent.
//
// The rules read state gauges, not counters, so an agent restart (or a lost state file resetting the
// counters) cannot fake a failure. The counters feed the quarterly backup success rate (数据备份成功率)
// below, which the kpi indicator's dashboard row and report read.
import { m } from '../../protocol/metrics.js';
import { duration } from './threshold.js';
import { defineIndicator } from './types.js';

const job = ['backup_job'] as const;
const last = (result: string) => ({ kind: 'threshold' as const, metric: m.backupLastResult.name, matchers: [{ label: 'result', op: '=' as const, value: result }], op: '==' as const, threshold: 1 });
const windows = [
  ['1d', 'day'],
  ['7d', 'week'],
  ['90d', 'quarter'],
] as const;
const runs = (w: string, by: string, result?: string) => `sum by (${by}) (increase(${m.backupRuns.name}${result ? `{result="${result}"}` : ''}[${w}]))`;

export const backup = defineIndicator({
  id: 'backup',
  title: { en: 'Backups: timely, complete, restorable', zh: '数据备份：及时、完整、可恢复' },
  thresholds: {
    maxAgeFallback: duration('8d', 'Maximum age of a job whose agent exports none of its own (agents export each job\'s: 8 days full, 26 h incremental unless configured)'),
    // Copying a weekly full backup to a share can take hours; a copy still being written differs in size.
    offsiteFor: duration('6h', 'How long the latest backup may lack an identical off-site copy'),
  },
  alerts: [
    {
      name: 'StationwatchBackupOverdue',
      severity: 'critical',
      condition: { kind: 'age', metric: m.backupLastSuccess.name, sinceMetric: m.backupWatchedSince.name, limitMetric: m.backupMaxAge.name, matchOn: job, op: '>', fallbackThreshold: 'maxAgeFallback' },
      summary: {
        en: '{{ $labels.device }}: no verified backup of {{ $labels.backup_job }} for {{ $value | humanizeDuration }}',
        zh: '{{ $labels.device }}：备份任务 {{ $labels.backup_job }} 已有 {{ $value | humanizeDuration }} 没有通过校验的备份',
      },
      description: {
        en: 'Backup job {{ $labels.backup_job }} on {{ $labels.device }} at site {{ $labels.site }} has had no backup that passed verification for {{ $value | humanizeDuration }}, longer than its maximum age (the job\'s own, or %{maxAgeFallback}). The data is not protected.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 上的备份任务 {{ $labels.backup_job }} 已有 {{ $value | humanizeDuration }} 没有通过校验的备份，超过其最长间隔（任务自身的设置，未设置时为 %{maxAgeFallback}），数据目前没有备份保护。',
      },
    },
    {
      name: 'StationwatchBackupCorrupt',
      severity: 'critical',
      condition: last('corrupt'),
      summary: {
        en: '{{ $labels.device }}: the latest backup of {{ $labels.backup_job }} is damaged',
        zh: '{{ $labels.device }}：备份任务 {{ $labels.backup_job }} 最新的备份文件已损坏',
      },
      description: {
        en: 'The latest backup file of job {{ $labels.backup_job }} on {{ $labels.device }} at site {{ $labels.site }} failed its checksum or archive check: it cannot be trusted to restore.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 上备份任务 {{ $labels.backup_job }} 最新的备份文件未通过校验和或归档完整性检查，不能用于恢复。',
      },
    },
    {
      name: 'StationwatchBackupFailed',
      severity: 'warning',
      condition: last('failed'),
      summary: {
        en: '{{ $labels.device }}: the latest run of backup {{ $labels.backup_job }} failed',
        zh: '{{ $labels.device }}：备份任务 {{ $labels.backup_job }} 最近一次运行失败',
      },
      description: {
        en: 'The latest run of backup job {{ $labels.backup_job }} on {{ $labels.device }} at site {{ $labels.site }} failed: the script reported a failure, or the file was empty, too small, unreadable, or the full backup it builds on is unusable.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 上备份任务 {{ $labels.backup_job }} 最近一次运行失败：脚本报告失败，或备份文件为空、过小、无法读取，或其依赖的完整备份不可用。',
      },
    },
    {
      name: 'StationwatchBackupOffsiteMissing',
      severity: 'warning',
      condition: { kind: 'threshold', metric: m.backupOffsitePresent.name, op: '==', threshold: 0 },
      for: 'offsiteFor',
      summary: {
        en: '{{ $labels.device }}: the latest backup of {{ $labels.backup_job }} has no off-site copy',
        zh: '{{ $labels.device }}：备份任务 {{ $labels.backup_job }} 最新的备份没有异地副本',
      },
      description: {
        en: 'The off-site location of backup job {{ $labels.backup_job }} on {{ $labels.device }} at site {{ $labels.site }} has held no copy of the latest backup for %{offsiteFor}.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 上备份任务 {{ $labels.backup_job }} 的异地存放位置已有 %{offsiteFor} 没有最新备份的副本。',
      },
    },
    {
      name: 'StationwatchBackupOffsiteMismatch',
      severity: 'warning',
      condition: { kind: 'threshold', metric: m.backupOffsiteMatch.name, op: '==', threshold: 0 },
      for: 'offsiteFor',
      summary: {
        en: '{{ $labels.device }}: the off-site copy of {{ $labels.backup_job }} differs from the backup',
        zh: '{{ $labels.device }}：备份任务 {{ $labels.backup_job }} 的异地副本与备份文件不一致',
      },
      description: {
        en: 'The off-site copy of the latest backup of job {{ $labels.backup_job }} on {{ $labels.device }} at site {{ $labels.site }} has differed from it (size or sha256) for %{offsiteFor}: the copy is incomplete or damaged.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 上备份任务 {{ $labels.backup_job }} 最新备份的异地副本与原文件不一致（大小或 sha256）已持续 %{offsiteFor}：副本不完整或已损坏。',
      },
    },
    {
      name: 'StationwatchBackupNotProven',
      severity: 'warning',
      condition: { kind: 'threshold', metric: m.backupVerification.name, matchers: [{ label: 'level', op: '=~', value: 'structure|size' }], op: '==', threshold: 1 },
      summary: {
        en: '{{ $labels.device }}: the latest backup of {{ $labels.backup_job }} could be checked by {{ $labels.level }} only',
        zh: '{{ $labels.device }}：备份任务 {{ $labels.backup_job }} 最新的备份只能做{{ if eq $labels.level "size" }}大小{{ else }}结构{{ end }}检查',
      },
      description: {
        en: 'The latest backup of job {{ $labels.backup_job }} on {{ $labels.device }} at site {{ $labels.site }} could not be proven complete: no checksum covers its data ({{ $labels.level }} check only). Write a sha256 manifest beside it (sha256sum) or use a format with checksums (.tar.gz, .zip).',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 上备份任务 {{ $labels.backup_job }} 最新的备份无法证明完整：其数据没有校验和覆盖（仅{{ if eq $labels.level "size" }}大小{{ else }}结构{{ end }}检查）。请在旁边生成 sha256 清单（sha256sum），或改用带校验的格式（.tar.gz、.zip）。',
      },
    },
  ],
  recordings: windows.flatMap(([w, name]) => [
    {
      // Runs of every result in the denominator, missed ones included: a job that silently stopped
      // running scores 0, not 100 %. No runs in the window: no value rather than a division by zero.
      record: `stationwatch:device_backup_success_ratio:increase_${w}`,
      expr: `${runs(w, 'device, site', 'ok')} / (${runs(w, 'device, site')} > 0)`,
      help: `Backup success rate per device over the last ${name}: verified runs over all runs`,
    },
    {
      record: `stationwatch:site_backup_success_ratio:increase_${w}`,
      expr: `${runs(w, 'site', 'ok')} / (${runs(w, 'site')} > 0)`,
      help: `Backup success rate per site over the last ${name}`,
    },
  ]),
});
