// Readable names of the metrics an agent reports, for the device page's "Current values" summary:
// which indicator a value belongs to (grouping), what it is called in English and Chinese, and
// whether it is a yes/no. Units come from the metric name (web/format.ts unitOfMetric). A metric
// missing here is still shown, under "Other", by its raw name: nothing reported is hidden.
import type { Text } from '../../alerts/catalog/types.js';

export interface ValueName {
  indicator: string;
  name: Text;
  /** 1/0 gauges read as yes/no. */
  yesNo?: boolean;
  /** Info series (value always 1): the labels are the value. */
  info?: boolean;
}

type Row = [metric: string, indicator: string, en: string, zh: string, kind?: 'yesno' | 'info'];

const rows: Row[] = [
  ['cpu_utilisation_ratio', 'resources', 'CPU use', 'CPU 使用率'],
  ['load1', 'resources', 'Load average (1 min)', '1 分钟平均负载'],
  ['memory_total_bytes', 'resources', 'Memory installed', '内存总量'],
  ['memory_used_bytes', 'resources', 'Memory in use', '已用内存'],
  ['memory_utilisation_ratio', 'resources', 'Memory use', '内存使用率'],
  ['swap_total_bytes', 'resources', 'Swap size', '交换空间大小'],
  ['swap_used_bytes', 'resources', 'Swap in use', '已用交换空间'],
  ['filesystem_size_bytes', 'resources', 'Disk size', '磁盘分区大小'],
  ['filesystem_avail_bytes', 'resources', 'Disk space free', '磁盘可用空间'],
  ['filesystem_utilisation_ratio', 'resources', 'Disk use', '磁盘使用率'],
  ['temperature_celsius', 'thermal', 'Temperature', '温度'],
  ['temperature_critical_celsius', 'thermal', 'Critical temperature (hardware limit)', '临界温度（硬件限值）'],
  ['fan_speed_rpm', 'thermal', 'Fan speed', '风扇转速'],
  ['cpu_throttle_events_total', 'thermal', 'CPU throttled (times)', 'CPU 过热降频次数'],
  ['boot_timestamp_seconds', 'stability', 'Booted', '开机时间'],
  ['boots_total', 'stability', 'Boots', '开机次数'],
  ['unclean_shutdowns_total', 'stability', 'Unclean shutdowns', '非正常关机次数'],
  ['last_unclean_shutdown_timestamp_seconds', 'stability', 'Last unclean shutdown', '最近一次非正常关机'],
  ['hangs_total', 'stability', 'Freezes', '死机次数'],
  ['last_hang_timestamp_seconds', 'stability', 'Last freeze', '最近一次死机'],
  ['hang_seconds_total', 'stability', 'Time frozen', '死机总时长'],
  ['suspends_total', 'stability', 'Sleeps', '睡眠次数'],
  ['clock_steps_total', 'stability', 'Clock jumps', '时钟跳变次数'],
  ['agent_restarts_total', 'stability', 'Agent restarts', '代理重启次数'],
  ['displays_attached', 'peripherals', 'Displays attached', '已连接显示器'],
  ['cpu_cores', 'resources', 'CPU cores', 'CPU 核数'],
  ['disk_size_bytes', 'storage', 'Physical disk size', '物理硬盘容量'],
  ['printer_state', 'peripherals', 'Printer state', '打印机状态', 'info'],
  ['printer_error', 'peripherals', 'Printer error', '打印机错误'],
  ['printer_supply_state', 'peripherals', 'Printer supply (no level)', '打印耗材（无余量）', 'info'],
  ['printer_supply_level_ratio', 'peripherals', 'Printer supply level', '打印耗材余量'],
  ['snmp_up', 'availability', 'Answers SNMP', 'SNMP 可达', 'yesno'],
  ['snmp_poll_duration_seconds', 'availability', 'SNMP poll time', 'SNMP 轮询耗时'],
  ['snmp_uptime_seconds', 'availability', 'SNMP uptime', 'SNMP 运行时长'],
  ['print_service_up', 'peripherals', 'Print service answers', '打印服务可用', 'yesno'],
  ['printer_state_message_info', 'peripherals', 'Printer message', '打印机消息', 'info'],
  ['printer_accepting_jobs', 'peripherals', 'Printer accepts jobs', '打印机接受任务', 'yesno'],
  ['printer_queue_jobs', 'peripherals', 'Print jobs waiting', '打印队列任务数'],
  ['printer_oldest_job_age_seconds', 'peripherals', 'Oldest print job waiting for', '最早打印任务等待时长'],
  ['printer_query_duration_seconds', 'peripherals', 'Printer query time', '打印机查询耗时'],
  ['scanners_detected', 'peripherals', 'Scanners found', '已发现扫描仪'],
  ['scanners_expected', 'peripherals', 'Scanners expected', '应有扫描仪'],
  ['scanner_info', 'peripherals', 'Scanner', '扫描仪', 'info'],
  ['scanner_enumeration_duration_seconds', 'peripherals', 'Scanner search time', '扫描仪查找耗时'],
  ['usb_devices', 'peripherals', 'USB devices', 'USB 设备'],
  ['usb_expected_device_present', 'peripherals', 'Expected USB device attached', '应有 USB 设备已连接', 'yesno'],
  ['usb_insertions_total', 'peripherals', 'USB devices plugged in', 'USB 插入次数'],
  ['usb_removals_total', 'peripherals', 'USB devices removed', 'USB 拔出次数'],
  ['backup_runs_total', 'backup', 'Backup runs', '备份运行次数'],
  ['backup_last_result', 'backup', 'Last backup result', '最近备份结果', 'info'],
  ['backup_last_run_timestamp_seconds', 'backup', 'Last backup run', '最近备份运行'],
  ['backup_last_success_timestamp_seconds', 'backup', 'Last good backup', '最近成功备份'],
  ['backup_watched_since_timestamp_seconds', 'backup', 'Watched since', '开始监视于'],
  ['backup_max_age_seconds', 'backup', 'Backup due every', '备份周期上限'],
  ['backup_size_bytes', 'backup', 'Backup size', '备份大小'],
  ['backup_verify_duration_seconds', 'backup', 'Verification time', '校验耗时'],
  ['backup_verification_level', 'backup', 'Verified by', '校验方式', 'info'],
  ['backup_reported_duration_seconds', 'backup', 'Backup run time', '备份耗时'],
  ['backup_offsite_present', 'backup', 'Off-site copy present', '异地副本存在', 'yesno'],
  ['backup_offsite_match', 'backup', 'Off-site copy identical', '异地副本一致', 'yesno'],
  ['network_ping_sent_total', 'network', 'Pings sent', '已发送 ping'],
  ['network_ping_lost_total', 'network', 'Pings lost', '丢失 ping'],
  ['network_rtt_min_seconds', 'network', 'Round trip (min)', '往返时延（最小）'],
  ['network_rtt_avg_seconds', 'network', 'Round trip (average)', '往返时延（平均）'],
  ['network_rtt_max_seconds', 'network', 'Round trip (max)', '往返时延（最大）'],
  ['network_jitter_seconds', 'network', 'Jitter', '抖动'],
  ['network_last_reply_timestamp_seconds', 'network', 'Last reply', '最近应答'],
  ['network_loss_limit_ratio', 'network', 'Loss limit', '丢包上限'],
  ['network_rtt_limit_seconds', 'network', 'Round-trip limit', '时延上限'],
  ['network_target_info', 'network', 'Ping target', '探测目标', 'info'],
  ['network_link_up', 'network', 'Link up', '网络连接', 'yesno'],
  ['network_link_changes_total', 'network', 'Link changes', '连接变化次数'],
  ['agent_push_attempts_total', 'agent', 'Reports sent', '上报次数'],
  ['agent_push_failures_total', 'agent', 'Reports failed', '上报失败次数'],
  ['agent_collector_outages_total', 'agent', 'Collector outages', '采集端中断次数'],
  ['agent_collector_unreachable_seconds_total', 'agent', 'Collector unreachable for', '采集端不可达总时长'],
  ['agent_last_push_success_timestamp_seconds', 'agent', 'Last report delivered', '最近成功上报'],
  ['agent_reports_dropped_total', 'agent', 'Reports dropped', '丢弃的报告'],
  ['agent_outbox_reports', 'agent', 'Reports waiting', '待发送报告'],
  ['agent_outbox_bytes', 'agent', 'Reports waiting (size)', '待发送报告大小'],
  ['agent_outbox_memory_only', 'agent', 'Outbox in memory only', '发件箱仅在内存', 'yesno'],
  ['firewall_enabled', 'security', 'Firewall on', '防火墙开启', 'yesno'],
  ['antivirus_realtime_protection_enabled', 'security', 'Real-time protection on', '实时防护开启', 'yesno'],
  ['antivirus_running', 'security', 'Antivirus running', '防病毒运行中', 'yesno'],
  ['antivirus_signatures_updated_timestamp_seconds', 'security', 'Virus signatures from', '病毒库更新时间'],
  ['antivirus_signatures_current', 'security', 'Virus signatures current', '病毒库为最新', 'yesno'],
  ['antivirus_last_scan_timestamp_seconds', 'security', 'Last scan', '最近扫描'],
  ['failed_logins_total', 'security', 'Failed logins', '登录失败次数'],
  ['last_failed_login_timestamp_seconds', 'security', 'Last failed login', '最近登录失败'],
  ['os_updates_pending', 'software', 'Updates pending', '待安装更新'],
  ['os_security_updates_pending', 'software', 'Security updates pending', '待安装安全更新'],
  ['os_security_updates_pending_since_timestamp_seconds', 'software', 'Security update waiting since', '安全更新等待自'],
  ['os_updates_checked_timestamp_seconds', 'software', 'Updates last checked', '最近检查更新'],
  ['disk_smart_healthy', 'storage', 'Disk healthy (SMART)', '硬盘健康（SMART）', 'yesno'],
  ['disk_reallocated_sectors', 'storage', 'Reallocated sectors', '重映射扇区'],
  ['disk_pending_sectors', 'storage', 'Pending sectors', '待映射扇区'],
  ['disk_wear_ratio', 'storage', 'SSD wear', 'SSD 磨损'],
  ['clock_synchronized', 'clock', 'Clock synchronised', '时钟已同步', 'yesno'],
  ['clock_sync_enabled', 'clock', 'Time sync on', '时间同步开启', 'yesno'],
];

const names = new Map<string, ValueName>(
  rows.map(([metric, indicator, en, zh, kind]) => [`stationwatch_${metric}`, { indicator, name: { en, zh }, ...(kind === 'yesno' ? { yesNo: true } : kind === 'info' ? { info: true } : {}) }]),
);

export function valueName(metric: string): ValueName | undefined {
  return names.get(metric);
}
