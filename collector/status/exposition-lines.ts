// A device's series travel to the evaluation worker as the exposition text the collector already
// rendered for its scrape (collector/device-exposition.ts): copying those bytes costs the event loop a
// memcpy, where handing over ~40 series objects per device (or structured-cloning them) cost hundreds
// of milliseconds per evaluation at 10,000 devices. The worker parses the lines back into series —
// exactly the numbers a scrape yields, as before (snapshot.ts).
import type { Series } from '../../alerts/evaluate.js';

/** Devices' sample lines in one transferable buffer: device i's lines are bytes [offsets[i], offsets[i+1]). */
export interface DeviceLines {
  names: string[];
  offsets: Int32Array;
  bytes: Uint8Array;
}

/** Packs each device's lines (a list of byte views per device) into one buffer. */
export function packLines(devices: ReadonlyArray<{ name: string; parts: readonly Uint8Array[] }>): DeviceLines {
  let total = 0;
  for (const d of devices) for (const p of d.parts) total += p.length;
  const bytes = new Uint8Array(total);
  const offsets = new Int32Array(devices.length + 1);
  let at = 0;
  devices.forEach((d, i) => {
    offsets[i] = at;
    for (const p of d.parts) {
      bytes.set(p, at);
      at += p.length;
    }
  });
  offsets[devices.length] = at;
  return { names: devices.map((d) => d.name), offsets, bytes };
}

const decoder = new TextDecoder();

/** `value` as the exposition writes it (device-exposition.ts): a JS number, or Nan/+Inf/-Inf. */
function parseValue(text: string): number {
  if (text === 'Nan' || text === 'NaN') return NaN;
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

/**
 * Parses sample lines `name{a="x",b="y"} value` (label values escaped as the exposition escapes them:
 * backslash, newline, quote). Only what device-exposition.ts writes: every line has labels.
 */
export function parseLines(text: string): Series[] {
  const out: Series[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const brace = text.indexOf('{', i);
    const eol = text.indexOf('\n', i);
    const end = eol === -1 ? n : eol;
    if (brace === -1 || brace > end) throw new Error(`unexpected exposition line: ${JSON.stringify(text.slice(i, end))}`);
    const metric = text.slice(i, brace);
    const labels: Record<string, string> = {};
    let j = brace + 1;
    while (text[j] !== '}') {
      const eq = text.indexOf('="', j);
      const name = text.slice(j, eq);
      j = eq + 2;
      let value = '';
      let start = j;
      for (;;) {
        const c = text.charCodeAt(j);
        if (c === 0x22) break; // "
        if (c === 0x5c) {
          value += text.slice(start, j);
          const next = text[j + 1];
          value += next === 'n' ? '\n' : next!;
          j += 2;
          start = j;
          continue;
        }
        j++;
      }
      value += text.slice(start, j);
      labels[name] = value;
      j++; // closing quote
      if (text[j] === ',') j++;
    }
    // `} value`
    out.push({ metric, labels, value: parseValue(text.slice(j + 2, end)) });
    i = end + 1;
  }
  return out;
}

/** Device `i`'s series from a packed buffer. */
export function unpackDevice(lines: DeviceLines, i: number): Series[] {
  return parseLines(decoder.decode(lines.bytes.subarray(lines.offsets[i]!, lines.offsets[i + 1]!)));
}
