// The operating system's own record of an unclean shutdown, a second opinion beside the agent's
// clean-stop marker: the marker cannot see a crash that happened after the agent was stopped cleanly
// (an administrator stopped the service, then the power failed). Windows logs, at the next boot,
// event 41 (Kernel-Power: "rebooted without cleanly shutting down first") and event 6008 (EventLog:
// "the previous system shutdown was unexpected"). Read only where readable; never required.
import { runPowerShell } from '../windows/powershell.js';

export interface ShutdownEvent {
  id: number;
  timeMs: number;
}

/**
 * The PowerShell command's JSON: one object, or an array, of { Id, TimeCreated } where TimeCreated is
 * serialised by PowerShell 5.1 as "/Date(1736150370000)/" and by PowerShell 7 as an ISO string.
 */
export function parseWindowsShutdownEvents(text: string): ShutdownEvent[] {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (!trimmed) return []; // no matching events: Get-WinEvent printed nothing
  const parsed: unknown = JSON.parse(trimmed);
  const list = Array.isArray(parsed) ? parsed : [parsed];
  const out: ShutdownEvent[] = [];
  for (const item of list) {
    const { Id, TimeCreated } = (item ?? {}) as { Id?: unknown; TimeCreated?: unknown };
    if (Id !== 41 && Id !== 6008) continue;
    const legacy = typeof TimeCreated === 'string' ? /\/Date\((-?\d+)\)\//.exec(TimeCreated) : null;
    const timeMs = legacy ? Number(legacy[1]) : typeof TimeCreated === 'string' ? Date.parse(TimeCreated) : NaN;
    if (Number.isFinite(timeMs)) out.push({ id: Id, timeMs });
  }
  return out;
}

/** Events logged during the boot that started at `bootMs` (with slack for a slow clock at boot). */
export function uncleanEvidenceForBoot(events: readonly ShutdownEvent[], bootMs: number): boolean {
  return events.some((e) => e.timeMs >= bootMs - 5 * 60_000);
}

// The start time arrives as data ($SwData.since, an ISO string made by us), never pasted into the script.
const SCRIPT =
  `$since = [datetime]::Parse($SwData.since, [Globalization.CultureInfo]::InvariantCulture, [Globalization.DateTimeStyles]::RoundtripKind); ` +
  `Get-WinEvent -FilterHashtable @{LogName='System'; Id=41,6008; StartTime=$since} -MaxEvents 10 -ErrorAction SilentlyContinue | Select-Object Id,TimeCreated | ConvertTo-Json -Compress`;

/** Asks Windows' System log (stability.win32.ts); undefined where it cannot tell, so the marker alone decides. */
export async function osUncleanShutdown(bootMs: number, signal: AbortSignal): Promise<boolean | undefined> {
  const since = new Date(bootMs - 5 * 60_000).toISOString();
  const res = await runPowerShell(SCRIPT, { signal, consoleEncoding: 'utf-8', data: { since } }).catch(() => undefined);
  if (res === undefined || res.code !== 0) return undefined;
  try {
    return uncleanEvidenceForBoot(parseWindowsShutdownEvents(res.stdout), bootMs);
  } catch {
    return undefined;
  }
}
