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
} as const;

export type MetricKey = keyof typeof m;

export const agentMetrics: readonly MetricDef[] = Object.values(m);

const byName = new Map(agentMetrics.map((d) => [d.name, d]));

export function metricByName(name: string): MetricDef | undefined {
  return byName.get(name);
}
