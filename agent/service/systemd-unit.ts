// The agent's systemd unit: a static, sandboxed unit instead of an install script (design notes).
// The agent runs as an unprivileged dynamic user in a read-only system and gets exactly the
// privileges its probes use, each named below with the probe that needs it. A probe whose privilege
// was taken away (an administrator's drop-in) reports "unavailable" with the reason, never "ok".
// agent/service/stationwatch-agent.service is this function's output with the defaults, for packagers.
import { SERVICE_NAME, linuxLayout } from './layout.js';

export interface UnitOptions {
  /** The command line: executable (or node + script), then `agent --config …`. */
  execStart: string[];
  /** The configuration file on disk, root-only: handed to the service as a credential. */
  configFile: string;
  /** Backup folders the backup probe verifies: kept readable inside the sandbox. */
  backupPaths: readonly string[];
  /** Groups whose members may read what the probes read; absent groups would stop the unit from starting. */
  groups: readonly string[];
}

/** Group → why the agent is a member. Only groups present on the host go into the unit. */
export const PROBE_GROUPS: Record<string, string> = {
  'systemd-journal': 'logins probe: failed logins from the journal (journalctl)',
  adm: 'logins probe: /var/log/auth.log on Debian/Ubuntu is root:adm 0640',
  lp: 'printers/scanners probes: USB printer devices (/dev/usb/lp*) and many printer-scanners belong to lp',
  scanner: 'scanners probe: USB scanners, which the libsane udev rules give to group scanner',
};

export const DEFAULT_UNIT_OPTIONS: UnitOptions = {
  execStart: [linuxLayout.executable, 'agent', '--config', '%d/agent.yaml'],
  configFile: linuxLayout.configFile,
  backupPaths: [],
  // The plain unit names only groups every systemd distribution has; install-service adds the
  // others (scanner) where the host has them.
  groups: ['systemd-journal', 'adm', 'lp'],
};

/**
 * One word of a unit file setting: `%` is a specifier and `$` a variable to systemd, so both are
 * doubled; words with spaces or quotes are double-quoted with C-style escapes. `%d` (the
 * credentials directory) is the one specifier we mean and is kept when `specifiers` is set.
 */
export function unitWord(word: string, specifiers = false): string {
  let w = word.replace(/\\/g, '\\\\');
  w = specifiers ? w.replace(/%(?!d\/)/g, '%%') : w.replace(/%/g, '%%');
  w = w.replace(/\$/g, '$$$$');
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `"${w.replace(/"/g, '\\"')}"`;
}

export function renderSystemdUnit(opts: UnitOptions): string {
  const exec = opts.execStart.map((w, i) => unitWord(w, i > 0)).join(' ');
  const groups = opts.groups.filter((g) => g in PROBE_GROUPS);
  const lines = [
    `# ${SERVICE_NAME}.service — the stationwatch agent (workstation health monitor).`,
    '# Written by `stationwatch agent install-service`; a new install or upgrade rewrites it. Local changes',
    `# belong in a drop-in (systemctl edit ${SERVICE_NAME}), which upgrades keep.`,
    '[Unit]',
    'Description=stationwatch agent (workstation health monitor)',
    'After=network-online.target time-sync.target',
    'Wants=network-online.target',
    '# Restart on failure, but give up after 5 crashes in 10 minutes instead of looping forever.',
    'StartLimitIntervalSec=10min',
    'StartLimitBurst=5',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${exec}`,
    '# The configuration holds the device token: root-only on disk, readable by this service alone.',
    `LoadCredential=agent.yaml:${unitWord(opts.configFile)}`,
    'Environment=STATIONWATCH_STATE_DIR=%S/stationwatch',
    '# SIGTERM: the agent stops its probes (the stability probe writes its clean-shutdown marker) and',
    '# keeps unsent reports in its outbox under the state directory. Logs go to the journal.',
    'KillSignal=SIGTERM',
    'TimeoutStopSec=30',
    'Restart=on-failure',
    'RestartSec=10',
    '',
    '# Who it runs as: a user allocated at start (or a static "stationwatch" user, if the administrator',
    '# created one, e.g. to grant it ACLs on backup folders). Its state survives in StateDirectory.',
    'User=stationwatch',
    'DynamicUser=yes',
    'StateDirectory=stationwatch',
    'StateDirectoryMode=0700',
    'UMask=0077',
    '',
    '# Sandbox: the agent only reads the system, and writes nothing but its state directory.',
    'ProtectSystem=strict',
    'ProtectHome=read-only',
    'PrivateTmp=yes',
    'NoNewPrivileges=yes',
    'ProtectKernelTunables=yes',
    'ProtectKernelModules=yes',
    'ProtectKernelLogs=yes',
    'ProtectControlGroups=yes',
    'ProtectClock=yes',
    'ProtectHostname=yes',
    'RestrictSUIDSGID=yes',
    'RestrictRealtime=yes',
    'RestrictNamespaces=yes',
    'LockPersonality=yes',
    'SystemCallArchitectures=native',
    '# AF_NETLINK: nft/iptables and link state; AF_UNIX: the journal and CUPS; AF_INET*: push and ping.',
    'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK',
    '# Not set, on purpose: MemoryDenyWriteExecute (V8 compiles JavaScript to machine code), ProtectProc',
    '# (the antivirus probe looks for clamd among all processes), PrivateDevices (smartctl, USB scanners).',
    '',
    '# Privileges, each for one probe. Without one, that probe says which privilege it lacks ("unavailable",',
    '# or a probe error for ping) and never reports "ok".',
    '#   CAP_NET_RAW:   network probe — ping sends ICMP echo (NoNewPrivileges= keeps ping from gaining its own',
    '#                  file capability, so the service must hold it)',
    '#   CAP_NET_ADMIN: firewall probe — reading the nftables/iptables ruleset (read only; nothing is changed)',
    'CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN',
    'AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN',
    ...groups.map((g) => `#   group ${g}: ${PROBE_GROUPS[g]}`),
    ...(groups.length > 0 ? [`SupplementaryGroups=${groups.join(' ')}`] : []),
    ...(opts.backupPaths.length > 0
      ? [
          '#   backup probe: the backup folders from the configuration, read-only ("-": a folder that is',
          '#   missing, e.g. an unmounted share, does not stop the agent; the probe reports it).',
          ...opts.backupPaths.map((p) => `ReadOnlyPaths=-${unitWord(p)}`),
        ]
      : []),
    '',
    '# A good citizen: under contention the clerk\'s applications (user.slice) get the CPU and disk.',
    '# With cgroup v2 the weights order this service against the desktop session; nice and the I/O',
    '# priority order it where weights do not apply. Neither starves it: its 1 s heartbeat still runs.',
    'CPUWeight=20',
    'IOWeight=20',
    'Nice=10',
    'IOSchedulingClass=best-effort',
    'IOSchedulingPriority=7',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ];
  return lines.join('\n');
}
