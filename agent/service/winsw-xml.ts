// The Windows service definition: WinSW's XML. Node.js cannot answer the Service Control Manager by
// itself (that needs StartServiceCtrlDispatcher, i.e. native code), so a wrapper does: WinSW — the one
// the node-windows package ships (bin/winsw/winsw.exe, WinSW 1.17), taken from the npm registry by
// `npm run package` and installed beside stationwatch.exe under the service's name. It registers the
// service, starts the agent hidden (no console window), stops it with Ctrl+C (Node: SIGINT, which
// runs the same clean stop as SIGTERM) and kills it only after <stoptimeout>, restarts it on failure,
// writes its own events to the Application event log and the agent's output to size-rolled files.
// Elements used are the ones WinSW 1.17 reads (its configuration reference, winsw/winsw doc/xmlConfigFile.md).
import { XMLBuilder } from 'fast-xml-parser';
import { SERVICE_NAME, type WindowsLayout } from './layout.js';

export interface WinswOptions {
  layout: WindowsLayout;
  /** The command line after the executable: `agent --config …` (or the CLI script first, under node). */
  executable: string;
  args: readonly string[];
}

/** One command-line word as Windows' CommandLineToArgvW reads it back (quotes only where needed). */
export function windowsArg(word: string): string {
  if (word !== '' && !/[\s"]/.test(word)) return word;
  // Backslashes are literal except before a quote: double those, and the ones before the closing quote.
  return `"${word.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\+)$/, '$1$1')}"`;
}

export function renderWinswXml(opts: WinswOptions): string {
  const { layout } = opts;
  const service = {
    '#comment': ' Written by `stationwatch agent install-service`; an upgrade rewrites it. ',
    id: SERVICE_NAME,
    name: 'stationwatch agent',
    description: 'Reports this workstation\'s health (resources, stability, network, peripherals, backups, security) to the stationwatch collector.',
    executable: opts.executable,
    arguments: opts.args.map(windowsArg).join(' '),
    workingdirectory: layout.dataDir,
    env: { '@_name': 'STATIONWATCH_STATE_DIR', '@_value': layout.dataDir },
    startmode: 'Automatic',
    // A good citizen: the clerk's applications come first. Child processes (PowerShell queries,
    // inventory) inherit BelowNormal; Windows still boosts a starved thread every few seconds, so
    // the agent's 1 s heartbeat is never held up long enough to look like a freeze.
    priority: 'BelowNormal',
    // Ctrl+C first: the agent writes its clean-shutdown marker and keeps unsent reports. The agent
    // stops its own child processes; WinSW kills what is left after it.
    stopparentprocessfirst: 'true',
    stoptimeout: '30 sec',
    onfailure: [
      { '@_action': 'restart', '@_delay': '10 sec' },
      { '@_action': 'restart', '@_delay': '30 sec' },
      { '@_action': 'restart', '@_delay': '60 sec' },
    ],
    resetfailure: '1 hour',
    logpath: layout.logDir,
    // The agent's JSON log lines, in files of 10 MB, the last 8 kept.
    log: { '@_mode': 'roll-by-size', sizeThreshold: 10240, keepFiles: 8 },
  };
  const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, indentBy: '  ', commentPropName: '#comment', suppressEmptyNode: true });
  const xml = builder.build({ service }) as string;
  // WinSW reads the file with .NET's XmlDocument: UTF-8 with its declaration, CRLF as Windows tools write.
  return `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`.replace(/\r?\n/g, '\r\n');
}

