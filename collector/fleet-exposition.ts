// The collector's own per-device series (whether each device reports, when it last did, its
// inspections and maintenance) as exposition text written straight from numbers, in time slices.
// They were prom-client gauges refilled on every scrape: at 10,000 devices the 7 families are
// ~50,000 series, and prom-client's reset/set/render of them took 490 ms of main-thread CPU per
// /collector/metrics scrape in one block (issue 18; Prometheus scrapes it every 15 s). The text is
// what those gauges printed — the same HELP, TYPE, label order and value format — so a scrape sees
// no difference except the families' place: after the registry's.
import type { Series } from '../protocol/series.js';
import type { DeviceRecord, DeviceStore } from './device-store.js';
import { escapeHelp, escapeLabel, value } from './device-exposition.js';
import { TimeSlicer } from '../common/time-slice.js';

export interface FleetFamily {
  name: string;
  help: string;
}

/**
 * Some of the per-device families: `values` gives, for each family in order, one number per device
 * of `devices` (NaN: the device has no such series), read once per scrape.
 */
export interface FleetSource {
  families: readonly FleetFamily[];
  values(devices: readonly DeviceRecord[], nowMs: number): Promise<Float64Array[]> | Float64Array[];
}

export class FleetExposition {
  private readonly sources: FleetSource[] = [];

  constructor(
    private readonly store: DeviceStore,
    private readonly nowMs: () => number,
  ) {}

  add(source: FleetSource): void {
    this.sources.push(source);
  }

  /** The metric names these sources give. */
  metrics(): string[] {
    return this.sources.flatMap((s) => s.families.map((f) => f.name));
  }

  /** Every family's series as numbers (the status evaluation's reference snapshot); only the `wanted` metrics if given. */
  async series(wanted?: ReadonlySet<string>): Promise<Series[]> {
    const devices = this.store.list();
    const now = this.nowMs();
    const out: Series[] = [];
    for (const s of this.sources) {
      if (wanted && !s.families.some((f) => wanted.has(f.name))) continue;
      const values = await s.values(devices, now);
      s.families.forEach((f, k) => {
        if (wanted && !wanted.has(f.name)) return;
        const v = values[k]!;
        for (let i = 0; i < devices.length; i++) if (!Number.isNaN(v[i]!)) out.push({ metric: f.name, labels: { device: devices[i]!.name, site: devices[i]!.site }, value: v[i]! });
      });
    }
    return out;
  }

  /**
   * The families as text, each after a blank line (they follow the registry's text, which ends with
   * a newline, as prom-client separates families): HELP and TYPE even for a family without series,
   * as the gauges printed them. Written in time slices, so no scrape holds the event loop.
   */
  async text(): Promise<string> {
    const devices = this.store.list();
    const now = this.nowMs();
    const slicer = new TimeSlicer();
    // The labels of each device once per scrape, not once per family.
    const labels: string[] = [];
    for (const d of devices) {
      if (slicer.due()) await slicer.next();
      labels.push(`{device="${escapeLabel(d.name)}",site="${escapeLabel(d.site)}"} `);
    }
    const parts: string[] = [];
    for (const s of this.sources) {
      const values = await s.values(devices, now);
      for (let k = 0; k < s.families.length; k++) {
        const f = s.families[k]!;
        const v = values[k]!;
        let text = `\n# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} gauge\n`;
        for (let i = 0; i < devices.length; i++) {
          if (Number.isNaN(v[i]!)) continue;
          text += `${f.name}${labels[i]}${value(v[i]!)}\n`;
          if (slicer.due()) {
            parts.push(text);
            text = '';
            await slicer.next();
          }
        }
        parts.push(text);
      }
    }
    return parts.join('');
  }
}
