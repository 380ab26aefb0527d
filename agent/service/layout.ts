// Where the agent lives once installed as a service, per platform. Configuration (with the device
// token) and state (stability counters, outbox, cursors) sit apart from the executable, so an
// upgrade replaces only the executable and the service definition and keeps both.
import { posix, win32 } from 'node:path';

/** What the service manager starts, as the installing process found itself. */
export interface ServiceProgram {
  /**
   * A self-contained agent executable (`npm run package`) to copy into the system location, or
   * undefined when the agent runs from a Node.js installation: then `command`/`args` start it where it is.
   */
  executable?: string;
  command: string;
  /** Arguments before `agent …`: the CLI script when `command` is node. */
  args: string[];
}

export const SERVICE_NAME = 'stationwatch-agent';

export const linuxLayout = {
  unitFile: `/etc/systemd/system/${SERVICE_NAME}.service`,
  executable: '/usr/local/bin/stationwatch',
  configDir: '/etc/stationwatch',
  configFile: '/etc/stationwatch/agent.yaml',
  /** StateDirectory=stationwatch; with DynamicUser= systemd keeps it under /var/lib/private. */
  stateDirs: ['/var/lib/stationwatch', '/var/lib/private/stationwatch'],
} as const;

export const MACOS_LABEL = 'stationwatch.agent';

export const macosLayout = {
  plistFile: `/Library/LaunchDaemons/${MACOS_LABEL}.plist`,
  executable: '/usr/local/bin/stationwatch',
  /** The agent's default state directory when it runs as root (agent/config.ts). */
  dataDir: '/Library/Application Support/stationwatch',
  configFile: '/Library/Application Support/stationwatch/agent.yaml',
  logDir: '/Library/Logs/stationwatch',
  logFile: '/Library/Logs/stationwatch/agent.log',
} as const;

export interface WindowsLayout {
  programDir: string;
  executable: string;
  /** WinSW, renamed after the service as WinSW expects: it finds its XML by its own file name. */
  wrapper: string;
  wrapperConfig: string;
  wrapperXml: string;
  /** %ProgramData%\stationwatch: the agent's default state directory on Windows (agent/config.ts). */
  dataDir: string;
  configFile: string;
  logDir: string;
}

export function windowsLayout(env: NodeJS.ProcessEnv): WindowsLayout {
  const programDir = win32.join(env.ProgramFiles ?? 'C:\\Program Files', 'stationwatch');
  const dataDir = win32.join(env.ProgramData ?? 'C:\\ProgramData', 'stationwatch');
  return {
    programDir,
    executable: win32.join(programDir, 'stationwatch.exe'),
    wrapper: win32.join(programDir, `${SERVICE_NAME}.exe`),
    wrapperConfig: win32.join(programDir, `${SERVICE_NAME}.exe.config`),
    wrapperXml: win32.join(programDir, `${SERVICE_NAME}.xml`),
    dataDir,
    configFile: win32.join(dataDir, 'agent.yaml'),
    logDir: win32.join(dataDir, 'logs'),
  };
}

/** The command line the service manager runs, `agent --config FILE` appended. */
export function agentCommandLine(program: ServiceProgram, installedExecutable: string, configFile: string): string[] {
  const head = program.executable ? [installedExecutable] : [program.command, ...program.args];
  return [...head, 'agent', '--config', configFile];
}

/** Backup folders named in the agent configuration: the service must be able to read them. */
export function backupLocations(config: { probes: Record<string, { settings?: Record<string, unknown> } | undefined> }): string[] {
  const jobs = config.probes['backup']?.settings?.['jobs'];
  if (!Array.isArray(jobs)) return [];
  const out = new Set<string>();
  for (const job of jobs as Array<{ path?: unknown; offsite?: { path?: unknown } }>) {
    if (typeof job?.path === 'string') out.add(job.path);
    if (typeof job?.offsite?.path === 'string') out.add(job.offsite.path);
  }
  return [...out].filter((p) => posix.isAbsolute(p) || win32.isAbsolute(p));
}
