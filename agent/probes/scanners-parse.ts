// Scanner lists as the scanner stacks print them, pure so they are tested on literal outputs.
import { asList, parsePowerShellJson } from '../windows/powershell.js';

export interface Scanner {
  /** The stack's device name: `test:0`, `pixma:04A91912_123456`, a WIA device ID. */
  device: string;
  /** "Vendor Model" as the driver reports it. */
  model: string;
}

/** The separator the probe asks scanimage to put between fields (it never occurs in device text). */
export const FIELD_SEPARATOR = '\u001f';
/** `scanimage -f` format: device, vendor, model, type, one scanner per line. */
export const SCANIMAGE_FORMAT = ['%d', '%v', '%m', '%t'].join(FIELD_SEPARATOR) + '%n';

/** Output of `scanimage -f SCANIMAGE_FORMAT`; no output at all means no scanner was found. */
export function parseScanimage(text: string): Scanner[] {
  const out: Scanner[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(FIELD_SEPARATOR);
    if (fields.length < 3 || !fields[0]) continue;
    out.push({ device: fields[0], model: `${fields[1] ?? ''} ${fields[2] ?? ''}`.trim() });
  }
  return out;
}

/** WIA's scanners as the PowerShell script in scanners.ts prints them: a JSON array of {Id, Name, Manufacturer}. */
export function parseWiaScanners(text: string): Scanner[] {
  // The script always prints a list ("[]" for none): no output at all means it never got that far.
  const rows = asList(parsePowerShellJson(text, 'WIA scanner list'));
  return rows
    .filter((r): r is Record<string, unknown> => typeof r === 'object' && r !== null && typeof (r as Record<string, unknown>).Id === 'string')
    .map((r) => {
      const name = typeof r.Name === 'string' ? r.Name : '';
      const maker = typeof r.Manufacturer === 'string' ? r.Manufacturer : '';
      // WIA names usually repeat the manufacturer ("Canon LiDE 300"); do not say it twice.
      return { device: r.Id as string, model: name.toLowerCase().startsWith(maker.toLowerCase()) ? name : `${maker} ${name}`.trim() };
    });
}
