// Series the collector derives itself (beside the agent metrics of metrics.ts). Rules and dashboards
// import these names rather than spelling them again: in protocol/, so that alerts/ and dashboards/
// depend on the contract, not on the collector's code.
export const collectorMetrics = {
  deviceReporting: 'stationwatch_device_reporting',
  siteBusinessHours: 'stationwatch_site_open',
  lastReport: 'stationwatch_device_last_report_timestamp_seconds',
  clockOffset: 'stationwatch_clock_offset_seconds',
  reportInterval: 'stationwatch_report_interval_seconds',
  probeSuccess: 'stationwatch_probe_success',
  probeDuration: 'stationwatch_probe_duration_seconds',
  metricAvailable: 'stationwatch_metric_available',
  agentInfo: 'stationwatch_agent_info',
  reportsReceived: 'stationwatch_collector_reports_received_total',
  reportsApplied: 'stationwatch_collector_reports_applied_total',
  samplesDropped: 'stationwatch_collector_samples_dropped_total',
  devices: 'stationwatch_collector_devices',
  // inspection — physical inspections recorded on the status page or with `stationwatch inspect`
  inspectionAge: 'stationwatch_inspection_age_seconds',
  inspectionLast: 'stationwatch_inspection_last_timestamp_seconds',
  inspectionLastFault: 'stationwatch_inspection_last_fault',
  deviceFirstSeen: 'stationwatch_device_first_seen_timestamp_seconds',
  deviceMaintenance: 'stationwatch_device_maintenance',
  // the shared store (PostgreSQL) and the local outage spool in front of it
  storeReachable: 'stationwatch_collector_store_reachable',
  storeSpoolEntries: 'stationwatch_collector_store_spool_entries',
  storeSpoolBytes: 'stationwatch_collector_store_spool_bytes',
  storeSpooled: 'stationwatch_collector_store_spooled_writes_total',
  storeReplayed: 'stationwatch_collector_store_replayed_writes_total',
  storeRefused: 'stationwatch_collector_store_refused_writes_total',
  storeSpoolFull: 'stationwatch_collector_store_spool_full_total',
  // notifications (collector/notify/) — messages to DingTalk, Feishu/Lark, WeCom, e-mail, webhooks
  notifications: 'stationwatch_notifications_total',
  notificationQueue: 'stationwatch_notification_queue_length',
  notificationLastFailure: 'stationwatch_notification_last_failure_timestamp_seconds',
  // where the collector's memory goes (collector/memory-metrics.ts)
  historyHeldBytes: 'stationwatch_collector_history_held_bytes',
  evaluationHeapBytes: 'stationwatch_collector_evaluation_heap_used_bytes',
  evaluationCounterBytes: 'stationwatch_collector_evaluation_increase_history_bytes',
  // the scrape thread (collector/scrape/), when scrapeListen is configured
  scrapeHeapBytes: 'stationwatch_collector_scrape_heap_used_bytes',
  scrapeTargetBytes: 'stationwatch_collector_scrape_target_bytes',
  scrapeLoopDelay: 'stationwatch_collector_scrape_loop_delay_seconds',
  scrapeRealtime: 'stationwatch_collector_scrape_realtime',
  scrapeRealtimePauses: 'stationwatch_collector_scrape_realtime_pauses_total',
} as const;
