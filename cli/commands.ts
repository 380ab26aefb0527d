// Every subcommand's description: its options (what util.parseArgs parses) and its help text, in one
// place (cli/usage.ts). Data only, no imports of the commands themselves: `stationwatch --help` and the
// agent executable read it without loading the collector. A new subcommand goes into COMMANDS (and
// AGENT_EXE_COMMANDS when the executable carries it); test/integration/cli.test.ts runs --help on
// every command the help lists.
import { command, type Command } from './usage.js';

const agentConfig = { type: 'string', short: 'c', value: 'FILE', description: 'the agent configuration file', defaultNote: 'none (STATIONWATCH_* variables only)' } as const;
const collectorConfig = { type: 'string', short: 'c', value: 'FILE', description: 'the collector configuration file', defaultNote: 'none (STATIONWATCH_* variables only)' } as const;

export const allInOneCommand = command({
  name: 'all-in-one',
  summary: 'a collector and an agent for this machine in one process, no configuration',
  options: {
    host: { type: 'string', value: 'ADDRESS', description: 'address the collector listens on', defaultNote: '$STATIONWATCH_LISTEN_HOST or 127.0.0.1' },
    port: { type: 'string', value: 'PORT', description: 'port the collector listens on', defaultNote: '$STATIONWATCH_LISTEN_PORT or 9847' },
    'state-dir': { type: 'string', value: 'DIR', description: 'where both keep their state', defaultNote: '$STATIONWATCH_STATE_DIR or .stationwatch' },
  },
});

export const agentCommand = command({
  name: 'agent',
  summary: 'run the agent in the foreground (stops cleanly on SIGTERM or Ctrl+C)',
  options: { config: agentConfig },
});

export const agentEnrolCommand = command({
  name: 'agent enrol',
  summary: "trade a one-time code for this device's token, stored (mode 0600) in the agent's state directory",
  options: {
    code: { type: 'string', value: 'CODE', required: true, description: 'the one-time code from `stationwatch collector enrol-code`' },
    collector: { type: 'string', value: 'URL', description: "the collector's URL", defaultNote: 'collector.url of --config, or $STATIONWATCH_COLLECTOR_URL' },
    config: agentConfig,
    device: { type: 'string', value: 'NAME', description: "this device's name", defaultNote: 'from the configuration, or the host name' },
    site: { type: 'string', value: 'SITE', description: "this device's site", defaultNote: 'from the configuration' },
  },
});

export const installServiceCommand = command({
  name: 'agent install-service',
  summary: 'install the agent as a service (systemd, Windows service, launchd) and start it; again to upgrade',
  details: 'An upgrade keeps the configuration, token and state unless --config gives a new configuration.\nThe configuration is checked first: a bad one changes nothing. Needs root (Administrator) unless --dry-run.',
  options: {
    config: { type: 'string', short: 'c', value: 'FILE', description: 'the agent configuration to install', defaultNote: 'keep the installed one' },
    'dry-run': { type: 'boolean', description: 'show the steps, change nothing' },
  },
});

export const uninstallServiceCommand = command({
  name: 'agent uninstall-service',
  summary: 'stop and remove the agent service',
  details: 'Its configuration, token and state stay for a reinstall unless --purge. Needs root (Administrator) unless --dry-run.',
  options: {
    purge: { type: 'boolean', description: 'also delete its configuration, token and state' },
    'dry-run': { type: 'boolean', description: 'show the steps, change nothing' },
  },
});

export const serviceStatusCommand = command({
  name: 'agent service-status',
  summary: 'whether the agent service is installed and running',
  details: 'Exit 0: running; 3: installed but stopped; 4: not installed.',
  options: {},
});

export const collectorCommand = command({
  name: 'collector',
  summary: 'run the collector (agent reports, /metrics, SNMP printers, status page)',
  options: { config: collectorConfig },
});

export const enrolCodeCommand = command({
  name: 'collector enrol-code',
  summary: 'print a one-time enrolment code for an agent of SITE (on the collector host)',
  options: {
    site: { type: 'string', value: 'SITE', required: true, description: 'the site the enrolled device belongs to' },
    'ttl-hours': { type: 'string', value: 'H', description: 'how long the code is valid', defaultNote: 'enrolment.codeTtlHours of the configuration' },
    config: collectorConfig,
  },
});

export const devicesListCommand = command({
  name: 'collector devices list',
  summary: 'list enrolled devices and those with a token in the configuration',
  options: { config: collectorConfig },
});

export const devicesRevokeCommand = command({
  name: 'collector devices revoke',
  args: 'NAME',
  summary: "revoke an enrolled device's token (its reports are refused from the next one on)",
  options: { config: collectorConfig },
});

export const devicesForgetCommand = command({
  name: 'collector devices forget',
  args: 'NAME',
  summary: 'remove a decommissioned device: its token, state and series (its history stays)',
  details: "Through the running collector's API as an administrator; the password from STATIONWATCH_PASSWORD or standard input.",
  options: {
    user: { type: 'string', value: 'ADMIN', description: 'an administrator of the collector', defaultNote: 'STATIONWATCH_USER' },
    collector: { type: 'string', value: 'URL', description: "the running collector's URL", defaultNote: 'STATIONWATCH_COLLECTOR_URL, else its listen address' },
    config: collectorConfig,
  },
});

const userSites = { type: 'string', multiple: true, value: 'SITE', description: 'limit the user to this site (repeat for several); viewers and technicians only' } as const;
const userDetails = "Users kept in the collector's store (SQLite in its state directory, or the shared PostgreSQL), shared by\nevery collector of the store; the configuration file's `users` are listed but changed only in the file.";

export const usersListCommand = command({
  name: 'collector users list',
  summary: "list the status page's users: the store's and the configuration file's",
  details: userDetails,
  options: { config: collectorConfig },
});

export const usersAddCommand = command({
  name: 'collector users add',
  args: 'NAME',
  summary: 'add a user to the store; the password is read from standard input (a prompt on a terminal)',
  details: `${userDetails}\nExit 0: added; 1: refused (the name exists, or is in the configuration file); 2: bad usage.`,
  options: {
    role: { type: 'string', value: 'viewer|technician|admin', required: true, description: 'what the user may do' },
    site: userSites,
    config: collectorConfig,
  },
});

export const usersSetCommand = command({
  name: 'collector users set',
  args: 'NAME',
  summary: "change a stored user's role, sites, password or whether it is disabled (next request, every collector)",
  details: `${userDetails}\nDisabling a user or setting a password ends the user's sessions. The last enabled administrator cannot be\ndemoted or disabled. Exit 0: changed; 1: refused; 2: bad usage.`,
  options: {
    role: { type: 'string', value: 'viewer|technician|admin', description: 'the new role' },
    site: { ...userSites, description: "the user's sites from now on (repeat for several)" },
    'all-sites': { type: 'boolean', description: 'lift the site limits' },
    disable: { type: 'boolean', description: 'refuse its logins and end its sessions' },
    enable: { type: 'boolean', description: 'allow its logins again' },
    password: { type: 'boolean', description: 'set a new password, read from standard input (a prompt on a terminal)' },
    config: collectorConfig,
  },
});

export const usersRemoveCommand = command({
  name: 'collector users remove',
  args: 'NAME',
  summary: 'remove a stored user and end its sessions',
  details: `${userDetails}\nThe last enabled administrator cannot be removed. Exit 0: removed; 1: refused or no such user; 2: bad usage.`,
  options: { config: collectorConfig },
});

export const checkConfigCommand = command({
  name: 'check-config',
  args: 'FILE',
  summary: 'report every problem in a configuration file',
  options: {
    kind: { type: 'string', value: 'agent|collector', description: 'which program the file is for', defaultNote: 'guessed from its keys' },
    config: { type: 'string', short: 'c', value: 'FILE', description: 'the file, instead of the FILE argument' },
  },
});

/** The agent executable checks agent configurations only. */
export const checkAgentConfigCommand = command({
  name: 'check-config',
  args: 'FILE',
  summary: 'report every problem in an agent configuration file',
  options: { config: { type: 'string', short: 'c', value: 'FILE', description: 'the file, instead of the FILE argument' } },
});

export const generateCommand = command({
  name: 'generate',
  summary: 'write the Prometheus rules, Alertmanager example and Grafana dashboards from the indicator catalog',
  options: {
    overrides: { type: 'string', value: 'FILE', description: "a site's threshold overrides", defaultNote: 'none (the catalog defaults)' },
    out: { type: 'string', value: 'DIR', description: 'where to write (dashboards go to DIR/dashboards)', defaultNote: 'alerts/generated and dashboards/generated' },
  },
});

export const backupReportCommand = command({
  name: 'backup report',
  summary: 'hand the result of a backup run to the agent (as its account or an administrator)',
  details: 'For a job whose files the agent watches, "ok" makes it look now and the verification counts;\n"failed" counts at once. A job that never reports becomes overdue.',
  options: {
    job: { type: 'string', value: 'NAME', required: true, description: 'the backup job, as named in the agent configuration' },
    status: { type: 'string', value: 'ok|failed', required: true, description: 'how the run ended' },
    duration: { type: 'string', value: 'SECONDS', description: 'how long the run took' },
    message: { type: 'string', value: 'TEXT', description: 'a line for the operator' },
    config: { ...agentConfig, description: 'the agent configuration: its state directory, and the job must be one of its jobs', defaultNote: "$STATIONWATCH_STATE_DIR or the agent's default state directory" },
  },
});

export const backupVerifyCommand = command({
  name: 'backup verify',
  args: 'PATH...',
  summary: 'verify backup files now, with the checks the agent runs',
  details: 'Checksum manifest beside them (NAME.sha256, SHA256SUMS), archive integrity (.zip, .tar.gz, .tgz, .gz, .tar).\nExit 0: all verified; 3: some could only be checked in structure or size; 1: some corrupt or failed.',
  options: {
    verify: { type: 'string', value: 'auto|checksum|archive|size', default: 'auto', description: 'which check' },
    'min-size': { type: 'string', value: 'BYTES', default: '1', description: 'smaller files fail' },
  },
});

const inspectConnection = {
  collector: { type: 'string', value: 'URL', description: "the collector's URL", defaultNote: '$STATIONWATCH_COLLECTOR_URL or http://127.0.0.1:9847' },
  user: { type: 'string', value: 'NAME', description: 'the status-page user (password from $STATIONWATCH_PASSWORD or standard input)', defaultNote: '$STATIONWATCH_USER' },
} as const;

export const inspectRecordCommand = command({
  name: 'inspect record',
  summary: 'record a physical inspection of a device on the collector',
  options: {
    device: { type: 'string', value: 'NAME', required: true, description: 'the device inspected' },
    result: { type: 'string', value: 'ok|fault', required: true, description: 'what the inspection found' },
    note: { type: 'string', value: 'TEXT', description: 'a note for the record' },
    ...inspectConnection,
  },
});

export const inspectListCommand = command({
  name: 'inspect list',
  summary: "list a device's recorded inspections",
  options: {
    device: { type: 'string', value: 'NAME', required: true, description: 'the device' },
    ...inspectConnection,
  },
});

export const hashPasswordCommand = command({
  name: 'user hash-password',
  summary: "hash a password (read from standard input) for the collector's users",
  options: {},
});

export const loadgenCommand = command({
  name: 'loadgen',
  summary: 'simulate N agents against a collector on this machine (loopback only)',
  details:
    'With --url: prints JSON (sent, accepted, retried, refused, 5xx, lost, latency percentiles); exit 1 on any 5xx or lost report.\n' +
    'With --collector-config FILE: writes a collector configuration with the simulated devices and their tokens, its\nstate directory beside FILE.',
  options: {
    url: { type: 'string', value: 'URL', description: 'the collector to load (http://127.0.0.1:PORT)' },
    agents: { type: 'string', value: 'N', default: '300', description: 'simulated agents' },
    seconds: { type: 'string', value: 'S', default: '20', description: 'how long to run' },
    interval: { type: 'string', value: 'S', default: '5', description: 'seconds between the reports of one agent' },
    concurrency: { type: 'string', value: 'N', default: '64', description: 'requests in flight at most' },
    seed: { type: 'string', value: 'S', default: 'stationwatch-loadgen', description: "seed of the devices' names and tokens" },
    'collector-config': { type: 'string', value: 'FILE', description: 'write a collector configuration instead of running' },
    port: { type: 'string', value: 'PORT', default: '9847', description: 'the port in the written collector configuration' },
    'state-dir': { type: 'string', value: 'DIR', description: "the written configuration's stateDir", defaultNote: 'FILE without its extension, plus "-state"' },
  },
});

export const notifyTestCommand = command({
  name: 'notify test',
  args: 'CHANNEL',
  summary: 'send a test notification through one configured channel and print its outcome',
  details: "The channel is one of notifications.channels in the collector configuration.\nExit 0: delivered; 1: refused or failed (the platform's answer is printed, secrets removed).",
  options: {
    config: { type: 'string', short: 'c', value: 'FILE', required: true, description: 'the collector configuration file' },
    'timeout-seconds': { type: 'string', value: 'S', default: '15', description: 'how long to wait for the platform' },
  },
});

/** Everything `stationwatch` (the npm package) runs, in the order its help lists them. */
export const COMMANDS: readonly Command[] = [
  allInOneCommand,
  agentCommand,
  installServiceCommand,
  uninstallServiceCommand,
  serviceStatusCommand,
  agentEnrolCommand,
  collectorCommand,
  enrolCodeCommand,
  devicesListCommand,
  devicesRevokeCommand,
  devicesForgetCommand,
  usersListCommand,
  usersAddCommand,
  usersSetCommand,
  usersRemoveCommand,
  checkConfigCommand,
  generateCommand,
  backupReportCommand,
  backupVerifyCommand,
  inspectRecordCommand,
  inspectListCommand,
  notifyTestCommand,
  hashPasswordCommand,
  loadgenCommand,
] as Command[];

/** What the self-contained agent executable (cli/agent-exe.ts) runs. */
export const AGENT_EXE_COMMANDS: readonly Command[] = [
  agentCommand,
  installServiceCommand,
  uninstallServiceCommand,
  serviceStatusCommand,
  agentEnrolCommand,
  checkAgentConfigCommand,
  backupReportCommand,
  backupVerifyCommand,
] as Command[];
