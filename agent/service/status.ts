// What `stationwatch agent service-status` tells, the same on every platform.

export interface ServiceState {
  installed: boolean;
  running: boolean;
  pid?: number;
  /** One line, in the service manager's own words ("active (running)", "Stopped"). */
  state: string;
  /** The service manager's fields as it named them, for whoever debugs. */
  details: Record<string, string>;
}

/** Exit codes follow LSB `status`: 0 running, 3 installed but not running, 4 not installed. */
export function statusExitCode(s: ServiceState): number {
  if (!s.installed) return 4;
  return s.running ? 0 : 3;
}

export function formatStatus(s: ServiceState): string {
  const lines = [`stationwatch agent service: ${s.state}${s.pid ? `, pid ${s.pid}` : ''}`];
  for (const [k, v] of Object.entries(s.details)) lines.push(`  ${k}: ${v}`);
  return lines.join('\n');
}
