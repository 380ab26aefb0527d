// The metric names the agent may report, said once for agent, collector, rules and dashboards.
// A probe reports samples of these; the collector exposes exactly these (plus its own), so an agent
// cannot invent series, and a newer agent's unknown metric is dropped and counted, not exposed.
//
// Naming: events are counters (`_total`), states are gauges, moments are `_timestamp_seconds`.
// `labels` lists the labels besides `device` and `site`, which the collector adds.

export type MetricType = 'gauge' | 'counter';

export interface MetricDef {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly labels: readonly string[];
}

function def<const L extends readonly string[]>(name: string, type: MetricType, help: string, labels: L): MetricDef & { labels: L } {
  return { name: `stationwatch_${name}`, type, help, labels };
}

/** Metrics reported by agents, grouped by the probe that produces them. */
export const m = {
  // resources
  cpuUtilisation: def('cpu_utilisation_ratio', 'gauge', 'CPU time not idle over the last interval, 0..1, all cores', []),
  load1: def('load1', 'gauge', '1-minute load average (not available on Windows)', []),
  memoryTotal: def('memory_total_bytes', 'gauge', 'Physical memory', []),
  memoryUsed: def('memory_used_bytes', 'gauge', 'Memory in use by programs, excluding file cache and buffers', []),
  memoryUtilisation: def('memory_utilisation_ratio', 'gauge', 'Memory in use by programs (excluding cache) over total, 0..1', []),
  swapTotal: def('swap_total_bytes', 'gauge', 'Swap space configured', []),
  swapUsed: def('swap_used_bytes', 'gauge', 'Swap space in use', []),
  fsSize: def('filesystem_size_bytes', 'gauge', 'Filesystem size', ['mountpoint', 'fstype']),
  fsAvail: def('filesystem_avail_bytes', 'gauge', 'Filesystem space available to unprivileged users', ['mountpoint', 'fstype']),
  fsUtilisation: def('filesystem_utilisation_ratio', 'gauge', 'Filesystem space used over the space unprivileged users can fill (as df shows it; root-reserved blocks excluded), 0..1', ['mountpoint', 'fstype']),

  // thermal
  temperature: def('temperature_celsius', 'gauge', 'Temperature reported by a hardware sensor', ['sensor']),
  temperatureCritical: def('temperature_critical_celsius', 'gauge', 'Critical temperature the hardware itself declares for a sensor (per-series alert limit)', ['sensor']),
  fanSpeed: def('fan_speed_rpm', 'gauge', 'Fan speed reported by a hardware sensor', ['fan']),
  throttleEvents: def('cpu_throttle_events_total', 'counter', 'Times the CPU was throttled because it ran too hot, summed over cores and packages', []),

  // stability
  bootTime: def('boot_timestamp_seconds', 'gauge', 'When the operating system last booted', []),
  boots: def('boots_total', 'counter', 'Operating system boots seen by the agent since it was installed', []),
  uncleanShutdowns: def('unclean_shutdowns_total', 'counter', 'Boots that followed a crash or power loss (the agent was not shut down cleanly)', []),
  lastUncleanShutdown: def('last_unclean_shutdown_timestamp_seconds', 'gauge', 'When the device was last seen alive before its most recent unclean shutdown', []),
  hangs: def('hangs_total', 'counter', 'Freezes: the machine kept running but the agent was not scheduled for longer than the hang threshold', []),
  lastHang: def('last_hang_timestamp_seconds', 'gauge', 'When the most recent freeze ended', []),
  hangSeconds: def('hang_seconds_total', 'counter', 'Total time spent frozen', []),
  suspends: def('suspends_total', 'counter', 'Sleep/hibernate periods seen by the agent (not counted as freezes)', []),
  clockSteps: def('clock_steps_total', 'counter', 'Wall-clock jumps not explained by elapsed time or sleep', []),
  agentRestarts: def('agent_restarts_total', 'counter', 'Agent starts within the same boot (the agent itself was restarted)', []),
  displays: def('displays_attached', 'gauge', 'Displays attached to the device', []),

  // inventory
  deviceInfo: def('device_info', 'gauge', 'Hardware and operating system of the device (value is always 1)', ['manufacturer', 'model', 'serial', 'os', 'os_version', 'arch', 'cpu_model']),
  cpuCores: def('cpu_cores', 'gauge', 'Logical CPU cores', []),
  diskInfo: def('disk_info', 'gauge', 'A physical disk (value is always 1)', ['disk', 'type', 'vendor', 'model', 'serial']),
  diskSize: def('disk_size_bytes', 'gauge', 'Physical disk size', ['disk']),

  // printers — shared by the agent's printer probe (CUPS, Windows) and the collector's SNMP poller,
  // so one alert rule covers desk printers and network printers alike
  printerState: def('printer_state', 'gauge', 'Printer state: 1 for the current one of idle, processing, stopped', ['printer', 'state']),
  printerError: def('printer_error', 'gauge', 'An active printer error: media-jam, media-empty, toner-low, toner-empty, door-open, offline, other (1 while active)', ['printer', 'reason']),
  printerSupplyState: def('printer_supply_state', 'gauge', 'A supply the printer lists without a level: 1 for why — some_remaining (−3: at least some left, amount unknown), unknown (−2), other (−1: no level applies); a supply with a real level has printer_supply_level_ratio instead, one the printer does not list has neither', ['printer', 'supply', 'state']),
  printerSupplyLevel: def('printer_supply_level_ratio', 'gauge', 'Toner/ink/supply level, 0..1 (absent when the printer does not report a real level)', ['printer', 'supply']),

  // snmp — network devices the collector polls itself (collector/snmp/); each is its own device
  snmpUp: def('snmp_up', 'gauge', 'Whether the SNMP device answered its last poll (1) or not (0)', []),
  snmpPollDuration: def('snmp_poll_duration_seconds', 'gauge', 'How long the last SNMP poll of the device took', []),
  snmpUptime: def('snmp_uptime_seconds', 'gauge', 'The SNMP agent\'s uptime (sysUpTime)', []),

  // peripherals — the agent's printers, scanners and usb probes (printer state, error and supply
  // series are the shared ones above). Printer, supply, scanner and USB names are sanitised and capped.
  printServiceUp: def('print_service_up', 'gauge', 'Whether the print service (CUPS, the Windows spooler) answered (1) or not (0)', []),
  printerStateMessage: def('printer_state_message_info', 'gauge', "The printer's or the operator's message (CUPS printer-state-message, e.g. cupsdisable -r) while the printer is stopped or reports an error: 1, the text in the message label (at most 120 characters); absent otherwise", ['printer', 'message']),
  printerAcceptingJobs: def('printer_accepting_jobs', 'gauge', 'Whether the print queue accepts new jobs (1) or rejects them (0)', ['printer']),
  printerQueueJobs: def('printer_queue_jobs', 'gauge', 'Jobs in the print queue not yet completed (pending, held or printing)', ['printer']),
  printerOldestJobAge: def('printer_oldest_job_age_seconds', 'gauge', 'Age of the oldest job not yet completed (0 when the queue is empty): a stuck queue grows it', ['printer']),
  printerQueryDuration: def('printer_query_duration_seconds', 'gauge', 'How long the print service took to answer the status query for the printer', ['printer']),
  scannersDetected: def('scanners_detected', 'gauge', 'Scanners the scanner stack (SANE, WIA) found', []),
  scannersExpected: def('scanners_expected', 'gauge', 'Scanners configured as expected on this device (per-device limit for the scanner-missing alert)', []),
  scannerInfo: def('scanner_info', 'gauge', 'A scanner that was found (value is always 1)', ['scanner', 'model']),
  scannerEnumerationDuration: def('scanner_enumeration_duration_seconds', 'gauge', 'How long listing the scanners took', []),
  usbDevices: def('usb_devices', 'gauge', 'USB devices attached, by vendor and product (hubs of the host controller excluded)', ['vendor_id', 'product_id', 'name']),
  usbExpectedDevicePresent: def('usb_expected_device_present', 'gauge', 'Whether a USB device configured as expected is attached (1) or missing (0)', ['name']),
  usbInsertions: def('usb_insertions_total', 'counter', 'USB devices that appeared between two reads', []),
  usbRemovals: def('usb_removals_total', 'counter', 'USB devices that disappeared between two reads', []),

  // backup — one series per configured job, labelled backup_job (not `job`, which is Prometheus'
  // own target label); job names come from the agent's configuration, so the label is bounded.
  // Results: ok (verified), failed (reported failed, empty, too small, unreadable, or its full
  // backup unusable), corrupt (checksum or archive check failed), missing (no run at all within the
  // job's maximum age).
  backupRuns: def('backup_runs_total', 'counter', 'Backup runs by result: ok, failed, corrupt, missing (no run within the maximum age)', ['backup_job', 'result']),
  backupLastResult: def('backup_last_result', 'gauge', 'Result of the job\'s latest run: 1 for the current one of ok, failed, corrupt, missing', ['backup_job', 'result']),
  backupLastRun: def('backup_last_run_timestamp_seconds', 'gauge', 'When the job\'s latest run (of any result) was seen', ['backup_job']),
  backupLastSuccess: def('backup_last_success_timestamp_seconds', 'gauge', 'When the job\'s newest backup that passed verification was made (absent until one has)', ['backup_job']),
  backupWatchedSince: def('backup_watched_since_timestamp_seconds', 'gauge', 'When the agent began watching the job: a job that never succeeded is overdue counted from here', ['backup_job']),
  backupMaxAge: def('backup_max_age_seconds', 'gauge', 'The job\'s maximum age: a newer verified backup is due within this (per-series alert limit); kind is full or incremental', ['backup_job', 'kind']),
  backupSize: def('backup_size_bytes', 'gauge', 'Size of the job\'s latest verified backup file', ['backup_job']),
  backupVerifyDuration: def('backup_verify_duration_seconds', 'gauge', 'How long verifying the job\'s latest backup file took', ['backup_job']),
  backupVerification: def('backup_verification_level', 'gauge', 'How thoroughly the latest backup file was proven: 1 for the current one of checksum (every byte checked against a checksum), structure (archive readable, data not checksummed), size (size only)', ['backup_job', 'level']),
  backupReportedDuration: def('backup_reported_duration_seconds', 'gauge', 'How long the latest run took, as the backup script reported it', ['backup_job']),
  backupOffsitePresent: def('backup_offsite_present', 'gauge', 'Whether the off-site location holds a copy of the latest backup (1) or not (0); absent without an off-site location', ['backup_job']),
  backupOffsiteMatch: def('backup_offsite_match', 'gauge', 'Whether the off-site copy is identical to the latest backup (1) or differs (0); absent while there is no copy', ['backup_job']),
  // network — the network probe: ICMP bursts per target (target = its label: `collector`, `gateway`
  // or the configured label/host), interface link state, and per-target limits for the rules
  pingSent: def('network_ping_sent_total', 'counter', 'ICMP echo requests sent to the target', ['target']),
  pingLost: def('network_ping_lost_total', 'counter', 'Echo requests without a reply in time; a name that does not resolve or a network that is unreachable loses every request', ['target']),
  rttMin: def('network_rtt_min_seconds', 'gauge', 'Shortest round-trip time to the target over the probe window', ['target']),
  rttAvg: def('network_rtt_avg_seconds', 'gauge', 'Mean round-trip time to the target over the probe window (absent when nothing answered)', ['target']),
  rttMax: def('network_rtt_max_seconds', 'gauge', 'Longest round-trip time to the target over the probe window', ['target']),
  jitter: def('network_jitter_seconds', 'gauge', 'Mean difference between successive round-trip times to the target over the probe window', ['target']),
  lastReply: def('network_last_reply_timestamp_seconds', 'gauge', 'When the target last answered an echo request (device clock)', ['target']),
  lossLimit: def('network_loss_limit_ratio', 'gauge', 'The target\'s own packet-loss limit from the agent configuration (per-series alert limit)', ['target']),
  rttLimit: def('network_rtt_limit_seconds', 'gauge', 'The target\'s own round-trip-time limit from the agent configuration (per-series alert limit)', ['target']),
  targetInfo: def('network_target_info', 'gauge', 'The host or address a target label stands for (value is always 1)', ['target', 'host']),
  linkUp: def('network_link_up', 'gauge', 'Whether the network interface has a link (1) or not (0): physical interfaces and those named in the configuration', ['interface']),
  linkChanges: def('network_link_changes_total', 'counter', 'Link up/down changes of the interface seen since the agent started', ['interface']),

  // agent → collector reachability, kept by the agent's report queue and sent with the next report
  // that gets through, so an outage between agent and collector is visible afterwards
  pushAttempts: def('agent_push_attempts_total', 'counter', 'Attempts to send a report to the collector', []),
  pushFailures: def('agent_push_failures_total', 'counter', 'Attempts that did not reach the collector (connection failed, timed out, or it answered 408/429/5xx)', []),
  collectorOutages: def('agent_collector_outages_total', 'counter', 'Times the collector became unreachable after being reachable', []),
  collectorUnreachableSeconds: def('agent_collector_unreachable_seconds_total', 'counter', 'Time from a first failed attempt to the next successful one, summed over ended outages', []),
  lastPushSuccess: def('agent_last_push_success_timestamp_seconds', 'gauge', 'When a report last reached the collector (device clock)', []),
  reportsDropped: def('agent_reports_dropped_total', 'counter', 'Reports dropped from the full queue during a long outage (later reports still carry every counter)', []),
  // outbox — the agent's durable on-disk queue of reports (agent/outbox/)
  outboxReports: def('agent_outbox_reports', 'gauge', 'Reports waiting in the agent\'s outbox for the collector', []),
  outboxBytes: def('agent_outbox_bytes', 'gauge', 'Size of the reports waiting in the agent\'s outbox', []),
  outboxMemoryOnly: def('agent_outbox_memory_only', 'gauge', 'Whether the outbox could not write to disk (full or read-only) and keeps reports in memory, lost if the agent restarts (1) or writes to disk (0)', []),

  // security, software, storage, clock — the posture probes (firewall, antivirus, logins, updates,
  // storage, clock). profile, product and disk values come from the OS: a handful per device.
  firewallEnabled: def('firewall_enabled', 'gauge', 'Whether the firewall filters inbound traffic (1) or lets everything in (0); profile is the Windows profile (domain, private, public), elsewhere all', ['profile']),
  antivirusRealtime: def('antivirus_realtime_protection_enabled', 'gauge', 'Whether the antivirus product scans files as they are used (real-time protection) (1) or not (0)', ['product']),
  antivirusRunning: def('antivirus_running', 'gauge', 'Whether the antivirus engine or service is running and enabled (1) or not (0)', ['product']),
  antivirusSignaturesUpdated: def('antivirus_signatures_updated_timestamp_seconds', 'gauge', 'When the signature database in use was built or last updated', ['product']),
  antivirusSignaturesCurrent: def('antivirus_signatures_current', 'gauge', 'Whether the product itself says its signatures are up to date (1) or out of date (0), for products that tell no date', ['product']),
  antivirusLastScan: def('antivirus_last_scan_timestamp_seconds', 'gauge', 'When the last scan of this kind (quick, full) finished (absent when the product never scanned)', ['product', 'kind']),
  failedLogins: def('failed_logins_total', 'counter', 'Failed logins (wrong password, unknown user) the OS logged since the agent began watching its log', []),
  lastFailedLogin: def('last_failed_login_timestamp_seconds', 'gauge', 'When the most recent failed login was logged', []),
  updatesPending: def('os_updates_pending', 'gauge', 'Operating-system updates available but not installed, according to the local package state', []),
  securityUpdatesPending: def('os_security_updates_pending', 'gauge', 'Pending updates that fix security problems', []),
  securityUpdatesPendingSince: def('os_security_updates_pending_since_timestamp_seconds', 'gauge', 'When the agent first saw the longest-waiting security update that is still not installed (absent while none is pending)', []),
  updatesChecked: def('os_updates_checked_timestamp_seconds', 'gauge', 'When the OS last refreshed its list of available updates: the pending counts are only as fresh as this', []),
  diskSmartHealthy: def('disk_smart_healthy', 'gauge', 'The disk\'s own SMART overall-health verdict: passed (1) or failing (0)', ['disk']),
  diskReallocatedSectors: def('disk_reallocated_sectors', 'gauge', 'Sectors the disk has replaced with spares (ATA attribute 5, SCSI grown defect list)', ['disk']),
  diskPendingSectors: def('disk_pending_sectors', 'gauge', 'Unreadable sectors waiting to be reallocated (ATA attribute 197)', ['disk']),
  diskWear: def('disk_wear_ratio', 'gauge', 'Share of the SSD\'s rated endurance used, 0..1 (can exceed 1 past the rating)', ['disk']),
  clockSynchronized: def('clock_synchronized', 'gauge', 'Whether the OS says its clock is synchronised to a time source (1) or not (0)', []),
  clockSyncEnabled: def('clock_sync_enabled', 'gauge', 'Whether time synchronisation (NTP) is switched on (1) or off (0)', []),
} as const;

export type MetricKey = keyof typeof m;

export const agentMetrics: readonly MetricDef[] = Object.values(m);

const byName = new Map(agentMetrics.map((d) => [d.name, d]));

export function metricByName(name: string): MetricDef | undefined {
  return byName.get(name);
}
