// The printer vocabulary every source is reduced to — the agent's CUPS and Windows spooler probes and
// the collector's SNMP poller — so one alert rule and one dashboard cover desk and network printers.
// Convention for errors: whenever a printer's error state was read, every reason below is exposed as
// 0 or 1 ("no error" is a visible 0); when it could not be read, none is (and the agent says why).
export const PRINTER_STATES = ['idle', 'processing', 'stopped'] as const;
export type PrinterState = (typeof PRINTER_STATES)[number];
export const PRINTER_REASONS = ['media-jam', 'media-empty', 'toner-low', 'toner-empty', 'door-open', 'offline', 'other'] as const;
export type PrinterReason = (typeof PRINTER_REASONS)[number];

/**
 * A supply listed without a level (RFC 3805 prtMarkerSuppliesLevel, CUPS marker-levels): −3 "some
 * remaining", −2 "unknown", −1 "other" (no level applies). Never a percentage, never 0.
 */
export type SupplyLevelState = 'some_remaining' | 'unknown' | 'other';

export function supplyLevelState(level: number | undefined): SupplyLevelState | undefined {
  return level === -3 ? 'some_remaining' : level === -2 ? 'unknown' : level === -1 ? 'other' : undefined;
}
