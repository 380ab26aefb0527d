// The rest of the fleet, for a collector on a shared store (PostgreSQL, docs/scale-out.md): the
// devices other collectors hold, read from the store so that any collector's page lists the whole
// fleet, and the hand-over of a device between collectors.
//
// Reading: every `everyMs`, one query for the device summaries saved since the last read (by
// `saved_ms`, indexed; no report JSON) and one for the indicator states written since (by
// `updated_ms`, indexed). Both times are PostgreSQL's own clock (store/postgres/run.ts, NOW_MS), so
// collectors whose clocks differ cannot hide their writes from each other's cursors. Polling rather
// than LISTEN/NOTIFY: a NOTIFY per saved state would be one per report at 10,000 devices (~670/s)
// through every listener, and a listener needs a connection of its own that must be re-established
// and re-read after every outage anyway; a poll costs two indexed range scans whatever the rate.
// The cursor is the newest time seen minus `slackMs`, so a row whose statement committed a little
// after a newer one's is still read; every `fullEveryMs` the whole table is read again, which also
// drops forgotten devices and repairs anything a cursor missed (a statement slower than the slack).
// The cost follows the reports, not only the changes: every device that reports saves its state, so
// at 10,000 devices reporting every 15 s a read returns about all of their summaries (small rows,
// no report) — the price of showing each one's last report time. The reads run beside ingest and
// never hold it: a failed read is logged and tried again at the next period.
//
// Hand-over: a device that reports here but is not held here (its agent failed over) is first
// loaded from the store — its last report (seq, startedAt: a resend is recognised), gaps, reports
// accepted, indicator states and pending alert times — and only then planned and saved, which makes
// this collector its holder. A collector that sees a device it holds saved by another with more
// reports accepted lets it go (stops serving and evaluating it): each device is evaluated by one
// collector, the one its agent reports to.
import type { Logger } from '../../common/logger.js';
import type { DeviceStore } from '../device-store.js';
import type { BadgeState, DeviceSummary, PendingAlert, Store, StoredIndicatorState } from '../store/store.js';

export interface RemoteDevice extends DeviceSummary {
  /** Indicator → stored state (as its holder last evaluated it). */
  states: ReadonlyMap<string, { state: BadgeState; sinceMs: number }>;
}

export interface RemoteFleetOptions {
  everyMs: number;
  fullEveryMs?: number;
  slackMs?: number;
}

export class RemoteFleet {
  private summaries = new Map<string, DeviceSummary>();
  private states = new Map<string, Map<string, { state: BadgeState; sinceMs: number }>>();
  private newestSaved: number | undefined;
  private newestSince: number | undefined;
  private lastFullMs = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** Set by the status monitor: hands a taken-over device's stored states to its evaluation before it is evaluated here. */
  adopt: ((device: string, states: readonly StoredIndicatorState[], pending: readonly PendingAlert[]) => void) | undefined;
  /** Called after each full read (every fullEveryMs): caches of what other collectors write are re-read (inspections). */
  onFullRead: (() => void) | undefined;
  /** The last read's failure, until a read succeeds. */
  lastError: string | undefined;
  /** When the last read finished (this collector's clock). */
  readAtMs: number | undefined;

  constructor(
    private readonly db: Store,
    private readonly local: DeviceStore,
    readonly self: string,
    private readonly nowMs: () => number,
    private readonly log: Logger,
    private readonly opts: RemoteFleetOptions,
  ) {}

  start(): void {
    const run = () => {
      this.running ??= this.refresh()
        .catch((err: unknown) => {
          // Once per failure, not per period: a store that is away is said so on the page and in the store series.
          if (this.lastError === undefined) this.log.warn({ err }, 'could not read the other collectors’ devices from the store; trying again every period');
          this.lastError = (err as Error).message;
        })
        .finally(() => (this.running = undefined));
    };
    run();
    this.timer = setInterval(run, this.opts.everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Reads what changed in the store since the last read (everything, the first time and every fullEveryMs). */
  async refresh(): Promise<void> {
    const now = this.nowMs();
    const slack = this.opts.slackMs ?? 10_000;
    const full = now - this.lastFullMs >= (this.opts.fullEveryMs ?? 600_000);
    const sinceSaved = full || this.newestSaved === undefined ? undefined : this.newestSaved - slack;
    const sinceState = full || this.newestSince === undefined ? undefined : this.newestSince - slack;
    const [devices, states] = await Promise.all([this.db.devices.summariesSince(sinceSaved), this.db.indicators.statesSince(sinceState)]);
    if (full) {
      this.summaries = new Map();
      this.states = new Map();
      this.lastFullMs = now;
    }
    for (const d of devices) {
      this.summaries.set(d.name, d);
      if (d.savedMs !== undefined && (this.newestSaved === undefined || d.savedMs > this.newestSaved)) this.newestSaved = d.savedMs;
      this.releaseIfTaken(d);
    }
    for (const s of states) {
      let m = this.states.get(s.device);
      if (!m) this.states.set(s.device, (m = new Map()));
      m.set(s.indicator, { state: s.state, sinceMs: s.sinceMs });
      if (s.updatedMs !== undefined && (this.newestSince === undefined || s.updatedMs > this.newestSince)) this.newestSince = s.updatedMs;
    }
    this.lastError = undefined;
    this.readAtMs = this.nowMs();
    if (full) this.onFullRead?.();
  }

  /** A device held here that another collector has since saved with more reports: its agent reports there now. */
  private releaseIfTaken(d: DeviceSummary): void {
    if (d.holder === undefined || d.holder === this.self) return;
    const mine = this.local.get(d.name);
    if (!mine || mine.configured || mine.kind !== 'agent' || d.reportsAccepted <= mine.reportsAccepted) return;
    this.local.forget(d.name);
    this.log.info({ device: d.name, holder: d.holder }, 'another collector took the device over: it is no longer served or evaluated here');
  }

  /** The devices of the store this collector does not hold, with their stored badge states. */
  list(): RemoteDevice[] {
    const out: RemoteDevice[] = [];
    for (const d of this.summaries.values()) if (!this.local.get(d.name)) out.push(this.withStates(d));
    return out;
  }

  get(name: string): RemoteDevice | undefined {
    const d = this.summaries.get(name);
    return d && !this.local.get(name) ? this.withStates(d) : undefined;
  }

  private withStates(d: DeviceSummary): RemoteDevice {
    return { ...d, states: this.states.get(d.name) ?? new Map() };
  }

  /**
   * Makes a device reporting here that this collector does not hold its own: its saved state first,
   * so the report being planned is judged against everything the previous holder applied. Nothing
   * happens for a device the store does not know (a new one). Throws when the store cannot answer:
   * the report is refused (503) and the agent keeps it.
   */
  async takeOver(name: string): Promise<void> {
    const saved = await this.db.devices.load(name);
    if (!saved) return;
    const { states, pending } = await this.db.indicators.ofDevice(name);
    // Another report of the device got here first (ingest plans one report of a device at a time, so only a restart of this check could).
    if (this.local.get(name)?.report) return;
    this.adopt?.(name, states, pending);
    this.local.restore(saved);
    this.log.info({ device: name, from: saved.holder ?? null, reportsAccepted: saved.reportsAccepted }, 'taking the device over: its state is loaded from the store');
  }
}
